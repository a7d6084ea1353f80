"""The Pipedrive streams: one row of data each, read by the client and by the sync tasks.

Persons, deals, organizations and activities are listed from API v2 (cursor paging,
`updated_since`, `sort_by=update_time`); leads only exist in v1, which pages with
`start`/`limit` and has no `updated_since` (see `connectors.pipedrive.leads` for how leads stay
incremental anyway). Backfills read the list endpoints from the start, never `/v1/recents`,
which reaches only about a month back.
https://pipedrive.readme.io/docs/core-api-concepts-pagination
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: Pipedrive's list endpoints (v2 and v1) return at most 500 items a page.
#: https://pipedrive.readme.io/docs/core-api-concepts-pagination
V2_MAX_PAGE_SIZE = 500
V1_MAX_PAGE_SIZE = 500

Paginator = Literal["cursor", "offset"]


@dataclass(frozen=True)
class StreamSpec:
    """How one Pipedrive resource is listed, read one by one and kept incremental."""

    #: our resource name, as in tajo.yaml `sync:` and the cursor table
    resource: str
    #: the list endpoint, relative to the account's base URL
    endpoint: str
    #: the largest `limit` the endpoint accepts
    max_page_size: int = V2_MAX_PAGE_SIZE
    #: the field the incremental cursor follows (sent back as `updated_since`)
    cursor_field: str = "update_time"
    #: the field that identifies a record for ever (ledger keys, ext_id, dead letters)
    id_field: str = "id"
    #: how the endpoint pages: "cursor" (v2 `cursor`/`next_cursor`) or "offset" (v1
    #: `start`/`limit` and `additional_data.pagination`)
    paginator: Paginator = "cursor"
    #: one record by id (`{id}` is replaced); None when the API has no such endpoint
    record_endpoint: str | None = None
    #: the v1 endpoint describing the resource's fields (custom field keys), if any
    fields_endpoint: str | None = None
    #: ids are integers (v2 resources) or UUIDs (leads)
    id_kind: Literal["int", "uuid"] = "int"
    #: our operation names, which key the token costs and name errors
    list_operation: str = ""
    get_operation: str = ""
    fields_operation: str | None = None


STREAMS: dict[str, StreamSpec] = {
    "persons": StreamSpec(
        resource="persons",
        endpoint="/api/v2/persons",
        record_endpoint="/api/v2/persons/{id}",
        fields_endpoint="/v1/personFields",
        list_operation="list_persons",
        get_operation="get_person",
        fields_operation="person_fields",
    ),
    "deals": StreamSpec(
        resource="deals",
        endpoint="/api/v2/deals",
        record_endpoint="/api/v2/deals/{id}",
        fields_endpoint="/v1/dealFields",
        list_operation="list_deals",
        get_operation="get_deal",
        fields_operation="deal_fields",
    ),
    "organizations": StreamSpec(
        resource="organizations",
        endpoint="/api/v2/organizations",
        record_endpoint="/api/v2/organizations/{id}",
        fields_endpoint="/v1/organizationFields",
        list_operation="list_organizations",
        get_operation="get_organization",
        fields_operation="organization_fields",
    ),
    "activities": StreamSpec(
        resource="activities",
        endpoint="/api/v2/activities",
        record_endpoint="/api/v2/activities/{id}",
        list_operation="list_activities",
        get_operation="get_activity",
    ),
    "leads": StreamSpec(
        resource="leads",
        endpoint="/v1/leads",
        max_page_size=V1_MAX_PAGE_SIZE,
        paginator="offset",
        record_endpoint="/v1/leads/{id}",
        id_kind="uuid",
        list_operation="list_leads",
        get_operation="get_lead",
    ),
}


def stream_spec(resource: str) -> StreamSpec:
    """The spec for `resource`; KeyError names the resources that exist."""
    try:
        return STREAMS[resource]
    except KeyError:
        raise KeyError(
            f"unknown Pipedrive resource {resource!r}; known: {', '.join(sorted(STREAMS))}"
        ) from None
