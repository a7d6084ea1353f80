"""The Pipedrive streams: one row of data each, read by the client and by the sync tasks."""

from __future__ import annotations

from dataclasses import dataclass

#: Pipedrive's v2 list endpoints return at most 500 items a page.
#: https://pipedrive.readme.io/docs/core-api-concepts-pagination
V2_MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class StreamSpec:
    """How one Pipedrive resource is listed and kept incremental."""

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
    #: how the endpoint pages: "cursor" (v2 `cursor`/`next_cursor`)
    paginator: str = "cursor"


STREAMS: dict[str, StreamSpec] = {
    "persons": StreamSpec(resource="persons", endpoint="/api/v2/persons"),
}


def stream_spec(resource: str) -> StreamSpec:
    """The spec for `resource`; KeyError names the resources that exist."""
    try:
        return STREAMS[resource]
    except KeyError:
        raise KeyError(
            f"unknown Pipedrive resource {resource!r}; known: {', '.join(sorted(STREAMS))}"
        ) from None
