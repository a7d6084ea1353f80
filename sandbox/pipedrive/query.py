"""Query parameters of the v2 list endpoints, checked the way Pipedrive checks them.

https://developers.pipedrive.com/docs/api/v1/Persons#getPersons (v2: cursor, limit <= 500,
updated_since / updated_until RFC 3339, sort_by id|update_time|add_time, ids <= 100).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping

from sandbox.common.timefmt import parse_rfc3339
from sandbox.pipedrive.keyset import SORT_FIELDS, Key, PageRequest
from sandbox.pipedrive.offset import OFFSET_SORT_FIELDS, OffsetRequest

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
MAX_IDS = 100


class BadQuery(ValueError):
    """A parameter Pipedrive would answer 400 for; the message is Pipedrive-like."""


def encode_cursor(sort_by: str, descending: bool, after: Key) -> str:
    payload = {"sort_by": sort_by, "desc": descending, "after": list(after)}
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort_by: str, descending: bool) -> Key:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        after = tuple(int(part) for part in payload["after"])
        same_order = payload["sort_by"] == sort_by and bool(payload["desc"]) == descending
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise BadQuery("Invalid cursor") from exc
    if not same_order or len(after) != (1 if sort_by == "id" else 2):
        raise BadQuery("Cursor does not match sort_by and sort_direction")
    return after


def parse_limit(params: Mapping[str, str], maximum: int = MAX_LIMIT) -> int:
    raw = params.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError as exc:
        raise BadQuery("Validation failed: limit: Parameter 'limit' must be an integer") from exc
    if limit < 1:
        raise BadQuery("Validation failed: limit: Parameter 'limit' must be at least 1")
    if limit > maximum:
        raise BadQuery(
            f"Validation failed: limit: Parameter 'limit' must be less than or equal to {maximum}"
        )
    return limit


def parse_page_request(params: Mapping[str, str]) -> PageRequest:
    sort_by = params.get("sort_by") or "id"
    if sort_by not in SORT_FIELDS:
        raise BadQuery(f"Validation failed: sort_by: must be one of {', '.join(SORT_FIELDS)}")
    direction = params.get("sort_direction") or "asc"
    if direction not in ("asc", "desc"):
        raise BadQuery("Validation failed: sort_direction: must be one of asc, desc")
    descending = direction == "desc"
    cursor = params.get("cursor")
    return PageRequest(
        sort_by=sort_by,
        descending=descending,
        after=decode_cursor(cursor, sort_by, descending) if cursor else None,
        limit=parse_limit(params),
        updated_since=_optional_time(params, "updated_since"),
        updated_until=_optional_time(params, "updated_until"),
        ids=_optional_ids(params),
    )


ARCHIVED_STATUSES = ("archived", "not_archived", "all")


def parse_offset_request(params: Mapping[str, str]) -> tuple[OffsetRequest, str]:
    """v1 `start`, `limit` and `sort` ("update_time DESC"; later keys only break ties, which
    the fake always breaks by id in the first key's direction), and leads' `archived_status`.
    https://developers.pipedrive.com/docs/api/v1/Leads#getLeads"""
    try:
        start = int(params.get("start") or 0)
    except ValueError as exc:
        raise BadQuery("Validation failed: start: Parameter 'start' must be an integer") from exc
    if start < 0:
        raise BadQuery("Validation failed: start: Parameter 'start' must be at least 0")
    first = (params.get("sort") or "id ASC").split(",")[0].split()
    field = first[0] if first else "id"
    direction = (first[1] if len(first) > 1 else "ASC").upper()
    if field not in OFFSET_SORT_FIELDS or direction not in ("ASC", "DESC"):
        raise BadQuery("Validation failed: sort: must be a field name and ASC or DESC")
    archived = params.get("archived_status") or "all"
    if archived not in ARCHIVED_STATUSES:
        raise BadQuery(
            f"Validation failed: archived_status: must be one of {', '.join(ARCHIVED_STATUSES)}"
        )
    request = OffsetRequest(field, direction == "DESC", start, parse_limit(params))
    return request, archived


def _optional_time(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return parse_rfc3339(raw)
    except ValueError as exc:
        raise BadQuery(f"Validation failed: {name}: must be an RFC 3339 date-time") from exc


def _optional_ids(params: Mapping[str, str]) -> list[int] | None:
    raw = params.get("ids")
    if not raw:
        return None
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise BadQuery("Validation failed: ids: must be a comma-separated list of ids") from exc
    if len(ids) > MAX_IDS:
        raise BadQuery(f"Validation failed: ids: must contain at most {MAX_IDS} ids")
    return ids
