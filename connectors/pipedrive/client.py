"""The Pipedrive API client: every stream of `streams.py`, their fields, stages and pipelines.

- `list_page(resource, cursor, updated_since=, limit=)` reads one page of any stream, oldest
  change first for the v2 streams (persons, deals, organizations, activities: `cursor` paging,
  `updated_since`, `sort_by=update_time`) and newest first for v1 leads (offset paging, see
  `connectors.pipedrive.leads`). `list_persons` is the persons case and stays.
- `get_record(resource, id)` re-reads one record (webhooks, replays); None when it is gone.
- `fields(resource)`, `stages()`, `pipelines()`: the account facts mappings resolve against.
- `deals_of_persons(ids)` / `attach_deals(persons)`: a person's deals, for the computed fields.

Each record is presented in one documented shape per resource: see `connectors.pipedrive.present`.
Persons also get their organization's name (one `GET /api/v2/organizations?ids=...` per 100
uncached ids per page, kept in a small LRU per client, so a name may be as old as the client).

An API token travels in the `x-api-token` header, never as the `api_token` query parameter the
docs' curl examples use, so it cannot end up in access logs, URLs in errors or httpx's request
log; an OAuth access token travels as `Authorization: Bearer` (see `connectors.pipedrive.oauth`).
The client never retries (but for the one retry after an OAuth refresh): Celery owns retries,
and deferrals come from the errors it raises.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, replace
from typing import Any

import httpx

from connectors.core import ratelimit
from connectors.core.errors import (
    ConfigError,
    RateLimitedError,
    SyncError,
    VendorUnavailableError,
)
from connectors.core.http import (
    HeaderAuth,
    PooledClient,
    build_client,
    decode_json,
    error_for_status,
    operation_of,
    send,
)
from connectors.core.paging import chunked, high_water_mark, unique
from connectors.core.ratelimit import RateLimitSignal, header, parse_int
from connectors.core.ratelimit import rate_limit_signal as read_rate_limit_headers
from connectors.core.records import Page, Record
from connectors.pipedrive import leads
from connectors.pipedrive.oauth import BearerAuth, TokenStore, shared_token_store
from connectors.pipedrive.present import (
    PRESENTERS,
    org_id_of,
    person_id_of,
    present_deal,
    present_person,
    primary_value,
)
from connectors.pipedrive.responses import (
    VENDOR,
    body_error,
    next_cursor_of,
    pagination_of,
    record_of,
    records_of,
)
from connectors.pipedrive.settings import PipedriveSettings
from connectors.pipedrive.streams import STREAMS, StreamSpec, stream_spec

__all__ = [
    "DEAL_COUNT_FIELDS",
    "TOKEN_COSTS",
    "PipedriveClient",
    "org_id_of",
    "pipedrive_http",
    "present_person",
    "primary_value",
    "rate_limit_signal",
]

#: Pipedrive's budget headers; `x-ratelimit-reset` is seconds until the window resets.
#: https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting
RATE_LIMIT_PREFIX = "x-ratelimit"
RESET_HEADER = "x-ratelimit-reset"
#: The daily token budget as Pipedrive reports it. Not in the reference docs, but sent on API
#: responses (and sometimes missing for a few requests after a long idle spell), so optional.
#: No reset header exists: the budget resets at the start of the next day (see the settings).
DAILY_LIMIT_HEADER = "x-daily-ratelimit-token-limit"
DAILY_REMAINING_HEADER = "x-daily-ratelimit-token-remaining"

#: Tokens each operation spends from the daily budget. v2 endpoints cost half their v1
#: counterparts: a list is 10 tokens on v2 and 20 on v1, a single record 1 on v2 and 2 on v1.
#: https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting
TOKEN_COSTS: dict[str, int] = {
    "list_persons": 10,  # GET /api/v2/persons
    "list_deals": 10,  # GET /api/v2/deals
    "list_organizations": 10,  # GET /api/v2/organizations
    "list_activities": 10,  # GET /api/v2/activities
    "list_leads": 20,  # GET /v1/leads
    "resolve_organizations": 10,  # GET /api/v2/organizations?ids=
    "deals_of_person": 10,  # GET /api/v2/deals?person_id=
    "list_stages": 10,  # GET /api/v2/stages
    "list_pipelines": 10,  # GET /api/v2/pipelines
    "get_person": 1,  # GET /api/v2/persons/{id}
    "get_deal": 1,  # GET /api/v2/deals/{id}
    "get_organization": 1,  # GET /api/v2/organizations/{id}
    "get_activity": 1,  # GET /api/v2/activities/{id}
    "get_lead": 2,  # GET /v1/leads/{id}
    "person_fields": 20,  # GET /v1/personFields
    "deal_fields": 20,  # GET /v1/dealFields
    "organization_fields": 20,  # GET /v1/organizationFields
}
#: What an operation missing from the table is charged: a v1 list, the dearest common read.
DEFAULT_TOKEN_COST = 20

#: The largest page v2 lists give; related reads (a person's deals, stages) ask for it.
V2_MAX_LIMIT = 500
#: v2 list endpoints take at most 100 ids in `ids`.
ORG_IDS_PER_CALL = 100
#: Organizations whose names a client remembers; enough for the orgs of several pages.
ORG_CACHE_SIZE = 2048
#: v1 start/limit endpoints return at most 500 items a page.
V1_PAGE_SIZE = 500
#: The deal counts v2 persons carry only when asked for with `include_fields` (v1 always sent
#: them); the docs' `won_deals_count: WON_DEALS` and its siblings read them.
#: https://developers.pipedrive.com/docs/api/v1/Persons#getPersons (v2 `include_fields`)
DEAL_COUNT_FIELDS = (
    "open_deals_count",
    "won_deals_count",
    "lost_deals_count",
    "closed_deals_count",
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def rate_limit_signal(
    response: httpx.Response, *, day_seconds: float = 86_400.0, now: float | None = None
) -> RateLimitSignal:
    """Pipedrive's `x-ratelimit-*`, `Retry-After` and daily token budget headers, for the
    shared limiter. The budget's reset is the end of the current day (`day_seconds` since the
    epoch), which Pipedrive does not send; a 429 marks the signal as throttled."""
    signal = read_rate_limit_headers(response.headers, prefix=RATE_LIMIT_PREFIX)
    remaining = parse_int(header(response.headers, DAILY_REMAINING_HEADER))
    clock = time.time() if now is None else now
    return replace(
        signal,
        throttled=response.status_code == 429,
        budget_limit=parse_int(header(response.headers, DAILY_LIMIT_HEADER)),
        budget_remaining=remaining,
        budget_reset_seconds=(
            None if remaining is None else ratelimit.seconds_until_period_end(clock, day_seconds)
        ),
    )


#: The signal fields a page's info always carries; the others only when Pipedrive sent them.
BASE_SIGNAL_FIELDS = ("limit", "remaining", "reset_seconds", "retry_after")


def signal_info(signal: RateLimitSignal) -> dict[str, Any]:
    """A signal as `Page.info["rate_limit"]` holds it (JSON-ready; `signal_of` reads it back)."""
    return {
        key: value
        for key, value in asdict(signal).items()
        if key in BASE_SIGNAL_FIELDS or value not in (None, False)
    }


class _OrgNameCache:
    """A small LRU of organization id -> name (None: Pipedrive returned no such org)."""

    def __init__(self, max_size: int) -> None:
        self._max_size = max_size
        self._names: OrderedDict[int, str | None] = OrderedDict()

    def __contains__(self, org_id: object) -> bool:
        return org_id in self._names

    def get(self, org_id: int) -> str | None:
        self._names.move_to_end(org_id)
        return self._names[org_id]

    def put(self, org_id: int, name: str | None) -> None:
        self._names[org_id] = name
        self._names.move_to_end(org_id)
        while len(self._names) > self._max_size:
            self._names.popitem(last=False)


def pipedrive_http(
    settings: PipedriveSettings,
    transport: httpx.BaseTransport | None = None,
    *,
    token_store: TokenStore | None = None,
) -> httpx.Client:
    """The pooled, authenticated HTTP client every Pipedrive caller shares the shape of.

    With an API token: the `x-api-token` header. With `oauth:`: a bearer token refreshed once on
    a 401 (see `connectors.pipedrive.oauth`), its tokens in `token_store` (default: the
    process's shared in-memory store for the grant). Without a `base_url` or `company_domain`,
    OAuth requests go to the `api_domain` Pipedrive names when it issues the token.
    """
    auth: httpx.Auth
    if settings.oauth is not None:
        auth = BearerAuth(
            settings.oauth,
            token_store or shared_token_store(settings.oauth),
            follow_api_domain=not (settings.base_url or settings.company_domain),
        )
    elif settings.api_token is not None and settings.api_token.get_secret_value():
        auth = HeaderAuth("x-api-token", settings.api_token)
    else:
        raise ConfigError(
            "connectors.pipedrive.api_token", "is required to call Pipedrive (or an oauth block)"
        )
    return build_client(
        vendor=VENDOR,
        base_url=settings.effective_base_url,
        auth=auth,
        timeout_seconds=settings.timeout_seconds,
        headers={"accept": "application/json"},
        transport=transport,
    )


class PipedriveClient(PooledClient):
    """Reads from one Pipedrive account. Use as a context manager, or call `close()`."""

    def __init__(
        self,
        settings: PipedriveSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        org_cache_size: int = ORG_CACHE_SIZE,
        token_store: TokenStore | None = None,
    ) -> None:
        self._http = pipedrive_http(settings, transport, token_store=token_store)
        self._settings = settings
        self._orgs = _OrgNameCache(org_cache_size)

    # -- lists -------------------------------------------------------------------------------

    def list_page(
        self,
        resource: str,
        cursor: str | None,
        *,
        updated_since: str | None = None,
        limit: int | None = None,
    ) -> Page:
        """One page of any stream; `next_cursor` None means the last page.

        `updated_since` (RFC 3339, inclusive) is the previous run's high-water mark; `limit`
        defaults to the configured page size. v2 streams come oldest change first and each page
        reports its latest update_time; leads come newest change first and only their last page
        reports the scan's high-water mark (see `connectors.pipedrive.leads`). Persons carry
        their deal counts (`DEAL_COUNT_FIELDS`), which v2 sends at no extra token cost.
        """
        spec = stream_spec(resource)
        if resource == "persons":
            return self.list_persons(
                cursor, updated_since=updated_since, limit=limit, include_fields=DEAL_COUNT_FIELDS
            )
        if spec.paginator == "offset":
            return self._list_offset_page(spec, cursor, updated_since, self._page_size(spec, limit))
        params = self._v2_list_params(spec, cursor, updated_since, self._page_size(spec, limit))
        response, body = self._get(spec.list_operation, spec.endpoint, params)
        present = PRESENTERS[resource]
        records = [present(r) for r in records_of(body, operation=spec.list_operation)]
        return Page(
            records=records,
            next_cursor=next_cursor_of(body, operation=spec.list_operation),
            high_water=high_water_mark(records, spec.cursor_field),
            info={"rate_limit": signal_info(self._signal(response))},
        )

    def list_persons(
        self,
        cursor: str | None,
        *,
        updated_since: str | None = None,
        limit: int | None = None,
        include_fields: Sequence[str] = (),
    ) -> Page:
        """One page of persons, oldest change first; `next_cursor` None means the last page.

        `updated_since` (RFC 3339, inclusive) is the previous run's high-water mark; `limit`
        defaults to the configured page size; `include_fields` asks v2 for extra fields (the
        deal counts: `DEAL_COUNT_FIELDS`).
        """
        spec = stream_spec("persons")
        params = self._v2_list_params(spec, cursor, updated_since, self._page_size(spec, limit))
        if include_fields:
            params["include_fields"] = ",".join(include_fields)
        response, body = self._get("list_persons", spec.endpoint, params)
        raw_records = records_of(body, operation="list_persons")
        org_names = self._org_names(org_id_of(r) for r in raw_records)
        records = [present_person(r, org_names) for r in raw_records]
        return Page(
            records=records,
            next_cursor=next_cursor_of(body, operation="list_persons"),
            high_water=high_water_mark(records, spec.cursor_field),
            info={"rate_limit": signal_info(self._signal(response))},
        )

    def _page_size(self, spec: StreamSpec, limit: int | None) -> int:
        size = self._settings.page_size if limit is None else limit
        if not 1 <= size <= spec.max_page_size:
            raise ValueError(f"limit must be between 1 and {spec.max_page_size}")
        return size

    @staticmethod
    def _v2_list_params(
        spec: StreamSpec, cursor: str | None, updated_since: str | None, size: int
    ) -> dict[str, str | int]:
        params: dict[str, str | int] = {
            "limit": size,
            "sort_by": spec.cursor_field,
            "sort_direction": "asc",
        }
        if cursor:
            params["cursor"] = cursor
        if updated_since:
            params["updated_since"] = updated_since
        return params

    def _list_offset_page(
        self, spec: StreamSpec, cursor: str | None, updated_since: str | None, size: int
    ) -> Page:
        operation = spec.list_operation
        position = leads.decode_cursor(cursor)
        params: dict[str, str | int] = {
            "start": position.start,
            "limit": size,
            **leads.LEAD_LIST_PARAMS,
        }
        response, body = self._get(operation, spec.endpoint, params)
        present = PRESENTERS[spec.resource]
        records = [present(r) for r in records_of(body, operation=operation)]
        pagination = pagination_of(body, operation=operation)
        step = leads.next_step(
            position,
            records,
            more=pagination.get("more_items_in_collection") is True,
            next_start=pagination.get("next_start"),
            updated_since=updated_since,
        )
        return Page(
            records=step.records,
            next_cursor=step.next_cursor,
            high_water=step.high_water,
            info={"rate_limit": signal_info(self._signal(response))},
        )

    # -- single records ----------------------------------------------------------------------

    def get_record(self, resource: str, object_id: str | int) -> Record | None:
        """One record, presented like `list_page` presents it; None when Pipedrive has no such
        record now (404: deleted, merged away, or hidden from this token's user; or a body that
        marks it deleted). `object_id` is an integer id, or a lead's UUID. Persons carry their
        deal counts, as in `list_page`.
        """
        include = DEAL_COUNT_FIELDS if resource == "persons" else ()
        return self._get_one(resource, object_id, include)

    def _get_one(
        self, resource: str, object_id: str | int, include_fields: Sequence[str]
    ) -> Record | None:
        spec = stream_spec(resource)
        path_id = _checked_id(spec, object_id)
        operation = spec.get_operation
        assert spec.record_endpoint is not None
        path = spec.record_endpoint.format(id=path_id)
        params: dict[str, str | int] | None = None
        if include_fields:
            params = {"include_fields": ",".join(include_fields)}
        response, signal = self._send(operation, path, params)
        if response.status_code in (404, 410):
            return None
        error = self._error_for(response, signal)
        if error is not None:
            raise error
        body = decode_json(response, vendor=VENDOR, operation=operation)
        if not isinstance(body, dict):
            raise VendorUnavailableError(VENDOR, operation, "the body is not a JSON object")
        failed = body_error(body, operation=operation)
        if failed is not None:
            raise failed
        raw = record_of(body, operation=operation)
        if raw is None or raw.get("is_deleted") is True or raw.get("status") == "deleted":
            return None
        if resource == "persons":
            return present_person(raw, self._org_names([org_id_of(raw)]))
        return PRESENTERS[resource](raw)

    def get_person(self, person_id: int) -> Record | None:
        """One person, presented like `list_persons` presents them; None when Pipedrive has no
        such person (404: deleted, merged away, or hidden from this token's user).

        `GET /api/v2/persons/{id}`: https://developers.pipedrive.com/docs/api/v1/Persons#getPerson
        """
        if isinstance(person_id, bool) or not isinstance(person_id, int) or person_id < 1:
            raise ValueError("person_id must be a positive integer")
        return self._get_one("persons", person_id, ())

    def _org_names(self, org_ids: Iterable[int | None]) -> dict[int, str | None]:
        """Names for every id on a page: cached ones free, the rest in calls of 100 ids."""
        names: dict[int, str | None] = {}
        missing: list[int] = []
        for org_id in unique(i for i in org_ids if i is not None):
            if org_id in self._orgs:
                names[org_id] = self._orgs.get(org_id)
            else:
                missing.append(org_id)
        for chunk in chunked(missing, ORG_IDS_PER_CALL):
            params: dict[str, str | int] = {
                "ids": ",".join(str(i) for i in chunk),
                "limit": len(chunk),
            }
            _, body = self._get("resolve_organizations", "/api/v2/organizations", params)
            found = {
                org["id"]: org.get("name")
                for org in records_of(body, operation="resolve_organizations")
                if isinstance(org.get("id"), int)
            }
            for org_id in chunk:
                # An id Pipedrive did not return (deleted, or hidden from this user) is
                # remembered as nameless so the next page does not ask again.
                name = found.get(org_id)
                names[org_id] = name if isinstance(name, str) else None
                self._orgs.put(org_id, names[org_id])
        return names

    # -- a person's deals --------------------------------------------------------------------

    def deals_of_persons(self, person_ids: Iterable[int]) -> dict[int, list[Record]]:
        """Every deal (open, won, lost; not deleted) of each person, presented like `list_page`
        presents deals; a person with none maps to [].

        v2 filters deals by one `person_id` per call, so this costs one `GET /api/v2/deals`
        (10 tokens) per person per 500 of their deals. `attach_deals` spends it only on the
        persons whose deal counts say they have deals.
        """
        found: dict[int, list[Record]] = {}
        for person_id in unique(person_ids):
            if isinstance(person_id, bool) or not isinstance(person_id, int) or person_id < 1:
                raise ValueError("person ids must be positive integers")
            params: dict[str, str | int] = {"person_id": person_id, "limit": V2_MAX_LIMIT}
            found[person_id] = [
                present_deal(r) for r in self._v2_all("deals_of_person", "/api/v2/deals", params)
            ]
        return found

    def attach_deals(self, persons: Sequence[Record]) -> list[Record]:
        """The persons, each with a `deals` list, for the computed fields that aggregate deals
        (`total_revenue: LTV` above all; the counts come with the person itself).

        A person whose counts (`open_deals_count` + `closed_deals_count`, which `list_page`
        asks for) are both 0 gets `deals: []` without a request; the others cost 10 tokens each
        (see `deals_of_persons`). A person without a usable id is passed on unchanged, for the
        mapper to dead-letter.
        """
        wanted = [
            p["id"] for p in persons if _has_deals(p) and person_id_of({"person_id": p.get("id")})
        ]
        deals = self.deals_of_persons(wanted)
        attached: list[Record] = []
        for person in persons:
            person_id = person_id_of({"person_id": person.get("id")})
            if person_id is None:
                attached.append(person)
            else:
                attached.append({**person, "deals": deals.get(person_id, [])})
        return attached

    # -- account facts -----------------------------------------------------------------------

    def fields(self, resource: str, *, page_size: int = V1_PAGE_SIZE) -> list[dict[str, Any]]:
        """Every field of persons, deals or organizations (key hash, name, type, options), for
        custom-field resolution; all v1 pages."""
        spec = stream_spec(resource)
        if spec.fields_endpoint is None or spec.fields_operation is None:
            with_fields = sorted(r for r, s in STREAMS.items() if s.fields_endpoint)
            raise KeyError(
                f"{resource} have no fields endpoint; these do: {', '.join(with_fields)}"
            )
        return self._v1_all(spec.fields_operation, spec.fields_endpoint, page_size)

    def person_fields(self, *, page_size: int = V1_PAGE_SIZE) -> list[dict[str, Any]]:
        """Every person field (key hash, name, type, options), for custom-field resolution.

        v1 pages with start/limit and says `more_items_in_collection`.
        https://pipedrive.readme.io/docs/core-api-concepts-pagination
        """
        return self.fields("persons", page_size=page_size)

    def stages(self, pipeline_id: int | None = None) -> list[dict[str, Any]]:
        """Every pipeline stage (id, name, pipeline_id, order_nr...), of one pipeline or all.
        https://developers.pipedrive.com/docs/api/v1/Stages (v2 `GET /api/v2/stages`)"""
        params: dict[str, str | int] = {"limit": V2_MAX_LIMIT}
        if pipeline_id is not None:
            params["pipeline_id"] = pipeline_id
        return self._v2_all("list_stages", "/api/v2/stages", params)

    def pipelines(self) -> list[dict[str, Any]]:
        """Every pipeline (id, name, order_nr...). v2 `GET /api/v2/pipelines`."""
        return self._v2_all("list_pipelines", "/api/v2/pipelines", {"limit": V2_MAX_LIMIT})

    def _v1_all(self, operation: str, path: str, page_size: int) -> list[dict[str, Any]]:
        if not 1 <= page_size <= V1_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {V1_PAGE_SIZE}")
        items: list[dict[str, Any]] = []
        start = 0
        while True:
            params: dict[str, str | int] = {"start": start, "limit": page_size}
            _, body = self._get(operation, path, params)
            page = records_of(body, operation=operation)
            items.extend(page)
            pagination = pagination_of(body, operation=operation)
            if not pagination.get("more_items_in_collection") or not page:
                return items
            next_start = pagination.get("next_start")
            if not isinstance(next_start, int) or next_start <= start:
                next_start = start + len(page)
            start = next_start

    def _v2_all(
        self, operation: str, path: str, params: Mapping[str, str | int]
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            query = dict(params) if cursor is None else {**params, "cursor": cursor}
            _, body = self._get(operation, path, query)
            items.extend(records_of(body, operation=operation))
            cursor = next_cursor_of(body, operation=operation)
            if cursor is None:
                return items

    # -- errors ------------------------------------------------------------------------------

    def classify(self, response: httpx.Response) -> SyncError | None:
        """The error a response means, or None.

        Beyond the status (429 waits for `Retry-After`, else `x-ratelimit-reset`), Pipedrive
        can answer 200 with `success: false`; that is an error too. We cannot tell a passing
        fault from a lasting one there, so it is VendorUnavailableError: bounded retries, then a
        dead letter with Pipedrive's message.
        """
        error = error_for_status(response, vendor=VENDOR, reset_header=RESET_HEADER)
        if error is not None:
            return error
        try:
            body = response.json()
        except ValueError:
            return VendorUnavailableError(
                VENDOR, operation_of(response.request), "a 2xx body that is not JSON"
            )
        return body_error(body, operation=operation_of(response.request))

    # -- plumbing ----------------------------------------------------------------------------

    def _get(
        self, operation: str, path: str, params: Mapping[str, str | int]
    ) -> tuple[httpx.Response, dict[str, Any]]:
        """A GET whose errors are raised, and its JSON object body."""
        response, signal = self._send(operation, path, params)
        error = self._error_for(response, signal)
        if error is not None:
            raise error
        body = decode_json(response, vendor=VENDOR, operation=operation)
        if not isinstance(body, dict):
            raise VendorUnavailableError(VENDOR, operation, "the body is not a JSON object")
        failed = body_error(body, operation=operation)
        if failed is not None:
            raise failed
        return response, body

    def _send(
        self, operation: str, path: str, params: Mapping[str, str | int] | None = None
    ) -> tuple[httpx.Response, RateLimitSignal]:
        """One GET through the process's request gate: announced with its token cost before,
        and its rate-limit signal reported after (a 429 included)."""
        gate = ratelimit.current_gate()
        # The account's stable credential, not the access token of the moment: a refresh must
        # not open a new limiter bucket.
        token = self._settings.credential
        if gate is not None:
            gate.admit(VENDOR, token, operation, TOKEN_COSTS.get(operation, DEFAULT_TOKEN_COST))
        response = send(self._http, "GET", path, vendor=VENDOR, operation=operation, params=params)
        signal = self._signal(response)
        if gate is not None:
            gate.observe(VENDOR, token, operation, signal)
        return response, signal

    def _signal(self, response: httpx.Response) -> RateLimitSignal:
        return rate_limit_signal(response, day_seconds=self._settings.token_budget.day_seconds)

    @staticmethod
    def _error_for(response: httpx.Response, signal: RateLimitSignal) -> SyncError | None:
        """The status's error; a 429 with the daily budget spent waits for the budget's reset
        (retrying sooner only earns more 429s, and Pipedrive blocks tokens that keep trying)."""
        error = error_for_status(response, vendor=VENDOR, reset_header=RESET_HEADER)
        if (
            isinstance(error, RateLimitedError)
            and signal.budget_exhausted
            and signal.budget_reset_seconds is not None
        ):
            return RateLimitedError(
                VENDOR,
                error.operation,
                "HTTP 429: the daily token budget is spent until it resets",
                wait_seconds=signal.budget_reset_seconds,
            )
        return error

    def __repr__(self) -> str:
        return f"PipedriveClient(base_url={self._settings.effective_base_url!r})"


def _has_deals(person: Mapping[str, Any]) -> bool:
    """False only when the person's own counts say it has no deal at all."""
    counts = [person.get("open_deals_count"), person.get("closed_deals_count")]
    numbers = [c for c in counts if isinstance(c, int) and not isinstance(c, bool)]
    return len(numbers) < len(counts) or sum(numbers) > 0


def _checked_id(spec: StreamSpec, object_id: str | int) -> str:
    """The id as it goes in the path; ValueError for one that could not be Pipedrive's."""
    if spec.id_kind == "uuid":
        if not isinstance(object_id, str) or not _UUID.fullmatch(object_id):
            raise ValueError(f"a {spec.resource} id is a UUID")
        return object_id.lower()
    if isinstance(object_id, bool):
        raise ValueError(f"a {spec.resource} id is a positive integer")
    text = str(object_id)
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise ValueError(f"a {spec.resource} id is a positive integer")
    return str(int(text))
