"""The Pipedrive API client: persons (v2, cursor paging) and person fields (v1, start/limit).

The person shape every caller sees
----------------------------------
`list_persons` yields each person as Pipedrive's v2 record, unchanged, plus three presented keys:

- `email`: the primary email's `value` (the first entry with `primary: true`, else the first
  entry), or None when the person has none. v2 keeps every address in `emails`.
- `phone`: the primary phone's `value`, chosen the same way from `phones`, or None.
  Both are strings in a well-formed record; a malformed one (a number, say) is passed on as it
  came, and `emails`/`phones` that are not lists give None, for the mapper to dead-letter.
- `org_id`: `{"value": <org id>, "name": <org name or None>}` instead of v2's bare id, or None.
  v2 dropped v1's embedded related objects, so the name is looked up in bulk (one
  `GET /api/v2/organizations?ids=...` per 100 uncached ids per page) and kept in a small LRU per
  client; a name may therefore be as old as the client. It restores the v1 shape that the docs'
  mapping `org_id.name: COMPANY` reads.

Everything else (`id`, `name`, `first_name`, `last_name`, `emails`, `phones`, `update_time`,
`add_time`, `custom_fields`, ...) is exactly as Pipedrive sent it.
https://pipedrive.readme.io/docs/pipedrive-api-v2-migration-guide

The token travels in the `x-api-token` header, never as the `api_token` query parameter the docs'
curl examples use, so it cannot end up in access logs, URLs in errors or httpx's request log.
The client never retries: Celery owns retries, and deferrals come from the errors it raises.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
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
    error_fields,
    error_for_status,
    operation_of,
    send,
)
from connectors.core.paging import chunked, high_water_mark, unique
from connectors.core.ratelimit import RateLimitSignal, header, parse_int
from connectors.core.ratelimit import rate_limit_signal as read_rate_limit_headers
from connectors.core.records import Page, Record
from connectors.pipedrive.settings import PipedriveSettings
from connectors.pipedrive.streams import stream_spec

VENDOR = "pipedrive"

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
    "resolve_organizations": 10,  # GET /api/v2/organizations?ids=
    "get_person": 1,  # GET /api/v2/persons/{id}
    "person_fields": 20,  # GET /v1/personFields
}
#: What an operation missing from the table is charged: a v1 list, the dearest common read.
DEFAULT_TOKEN_COST = 20

#: v2 list endpoints take at most 100 ids in `ids`.
ORG_IDS_PER_CALL = 100
#: Organizations whose names a client remembers; enough for the orgs of several pages.
ORG_CACHE_SIZE = 2048
#: v1 start/limit endpoints return at most 500 items a page.
V1_PAGE_SIZE = 500


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


def primary_value(entries: object) -> Any:
    """The `value` of the first entry marked primary, else of the first entry; None if none.

    A value that is not a string is returned as it came, so the mapper reports the type
    mismatch instead of this client hiding it behind `str()`.
    """
    if not isinstance(entries, list):
        return None
    candidates = [e for e in entries if isinstance(e, dict) and e.get("value") not in (None, "")]
    chosen = next((e for e in candidates if e.get("primary") is True), None)
    if chosen is None and candidates:
        chosen = candidates[0]
    return None if chosen is None else chosen["value"]


def org_id_of(person: Mapping[str, Any]) -> int | None:
    """The person's organization id, from v2's bare int (or a v1-style {"value": id})."""
    raw = person.get("org_id")
    if isinstance(raw, dict):
        raw = raw.get("value")
    # bool is an int subclass; a boolean here is a malformed record, not org 1.
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def present_person(raw: Record, org_names: Mapping[int, str | None]) -> Record:
    """One v2 person in the documented shape (see the module docstring)."""
    person = dict(raw)
    person["email"] = primary_value(raw.get("emails"))
    person["phone"] = primary_value(raw.get("phones"))
    org_id = org_id_of(raw)
    person["org_id"] = None if org_id is None else {"value": org_id, "name": org_names.get(org_id)}
    return person


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
    settings: PipedriveSettings, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """The pooled, authenticated HTTP client every Pipedrive caller shares the shape of."""
    if settings.api_token is None or not settings.api_token.get_secret_value():
        raise ConfigError("connectors.pipedrive.api_token", "is required to call Pipedrive")
    return build_client(
        vendor=VENDOR,
        base_url=settings.effective_base_url,
        auth=HeaderAuth("x-api-token", settings.api_token),
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
    ) -> None:
        self._http = pipedrive_http(settings, transport)
        self._settings = settings
        self._orgs = _OrgNameCache(org_cache_size)

    # -- persons -----------------------------------------------------------------------------

    def list_persons(
        self, cursor: str | None, *, updated_since: str | None = None, limit: int | None = None
    ) -> Page:
        """One page of persons, oldest change first; `next_cursor` None means the last page.

        `updated_since` (RFC 3339, inclusive) is the previous run's high-water mark; `limit`
        defaults to the configured page size.
        """
        spec = stream_spec("persons")
        size = self._settings.page_size if limit is None else limit
        if not 1 <= size <= spec.max_page_size:
            raise ValueError(f"limit must be between 1 and {spec.max_page_size}")
        params: dict[str, str | int] = {
            "limit": size,
            "sort_by": spec.cursor_field,
            "sort_direction": "asc",
        }
        if cursor:
            params["cursor"] = cursor
        if updated_since:
            params["updated_since"] = updated_since
        response, body = self._get("list_persons", spec.endpoint, params)
        raw_records = _records(body, operation="list_persons")
        org_names = self._org_names(org_id_of(r) for r in raw_records)
        records = [present_person(r, org_names) for r in raw_records]
        return Page(
            records=records,
            next_cursor=_next_cursor(body, operation="list_persons"),
            high_water=high_water_mark(records, spec.cursor_field),
            info={"rate_limit": signal_info(self._signal(response))},
        )

    def get_person(self, person_id: int) -> Record | None:
        """One person, presented like `list_persons` presents them; None when Pipedrive has no
        such person (404: deleted, merged away, or hidden from this token's user).

        `GET /api/v2/persons/{id}`: https://developers.pipedrive.com/docs/api/v1/Persons#getPerson
        """
        if isinstance(person_id, bool) or not isinstance(person_id, int) or person_id < 1:
            raise ValueError("person_id must be a positive integer")
        operation = "get_person"
        response, signal = self._send(operation, f"/api/v2/persons/{person_id}")
        if response.status_code == 404:
            return None
        error = self._error_for(response, signal)
        if error is not None:
            raise error
        body = decode_json(response, vendor=VENDOR, operation=operation)
        if not isinstance(body, dict):
            raise VendorUnavailableError(VENDOR, operation, "the body is not a JSON object")
        body_error = _body_error(body, operation=operation)
        if body_error is not None:
            raise body_error
        raw = body.get("data")
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise VendorUnavailableError(VENDOR, operation, "`data` is not an object")
        return present_person(raw, self._org_names([org_id_of(raw)]))

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
                for org in _records(body, operation="resolve_organizations")
                if isinstance(org.get("id"), int)
            }
            for org_id in chunk:
                # An id Pipedrive did not return (deleted, or hidden from this user) is
                # remembered as nameless so the next page does not ask again.
                name = found.get(org_id)
                names[org_id] = name if isinstance(name, str) else None
                self._orgs.put(org_id, names[org_id])
        return names

    # -- fields ------------------------------------------------------------------------------

    def person_fields(self, *, page_size: int = V1_PAGE_SIZE) -> list[dict[str, Any]]:
        """Every person field (key hash, name, type, options), for custom-field resolution.

        v1 pages with start/limit and says `more_items_in_collection`.
        https://pipedrive.readme.io/docs/core-api-concepts-pagination
        """
        if not 1 <= page_size <= V1_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {V1_PAGE_SIZE}")
        fields: list[dict[str, Any]] = []
        start = 0
        while True:
            params: dict[str, str | int] = {"start": start, "limit": page_size}
            _, body = self._get("person_fields", "/v1/personFields", params)
            page = _records(body, operation="person_fields")
            fields.extend(page)
            pagination = (body.get("additional_data") or {}).get("pagination") or {}
            if not pagination.get("more_items_in_collection") or not page:
                return fields
            next_start = pagination.get("next_start")
            if not isinstance(next_start, int) or next_start <= start:
                next_start = start + len(page)
            start = next_start

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
        return _body_error(body, operation=operation_of(response.request))

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
        body_error = _body_error(body, operation=operation)
        if body_error is not None:
            raise body_error
        return response, body

    def _send(
        self, operation: str, path: str, params: Mapping[str, str | int] | None = None
    ) -> tuple[httpx.Response, RateLimitSignal]:
        """One GET through the process's request gate: announced with its token cost before,
        and its rate-limit signal reported after (a 429 included)."""
        gate = ratelimit.current_gate()
        token = self._settings.api_token
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


# A body that is JSON but not the documented shape is, like malformed JSON, a vendor fault and
# nothing our request could fix: VendorUnavailableError (bounded retries, then a dead letter)
# rather than VendorValidationError, which means "the vendor refused our payload".


def _body_error(body: object, *, operation: str) -> SyncError | None:
    if isinstance(body, dict) and body.get("success") is False:
        _, message = error_fields(body)
        detail = "success: false" + (f": {message}" if message else "")
        return VendorUnavailableError(VENDOR, operation, detail)
    return None


def _records(body: Mapping[str, Any], *, operation: str) -> list[Record]:
    data = body.get("data")
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise VendorUnavailableError(VENDOR, operation, "`data` is not a list of objects")
    return data


def _next_cursor(body: Mapping[str, Any], *, operation: str) -> str | None:
    additional = body.get("additional_data") or {}
    if not isinstance(additional, dict):
        raise VendorUnavailableError(VENDOR, operation, "`additional_data` is not an object")
    cursor = additional.get("next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise VendorUnavailableError(VENDOR, operation, "`next_cursor` is not a string")
    return cursor or None
