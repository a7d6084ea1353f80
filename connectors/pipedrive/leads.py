"""How leads stay incremental although v1 `GET /v1/leads` has no `updated_since`.

Every scan, full or incremental, reads leads newest change first (`sort=update_time DESC`,
`start`/`limit` offset paging) and an incremental scan stops at the first lead older than
`updated_since`: the leads changed since the last run are exactly the head of that order.

Why newest first: with offset paging, a lead updated while we page moves to the head of the
order. Newest first, that only shifts leads we have not read yet one place down (we may read
one twice, never skip one); oldest first, it would shift them up and skip one. A lead updated
after the scan began is left for the next run, whose `updated_since` is at most its new time.

Why the high-water mark waits for the last page: the first page holds the newest change, but
the task layer moves the stream's cursor after every page. Were the first page to report it, a
scan that failed half way would leave the cursor past changes it never read. So pages report
no high-water mark, and the cursor carries the scan's mark (`"<start>"` or
`"<start>@<high water>"`) to the last page, which reports it.

A lead deleted while we page shifts the leads after it one place up, so one of them can be
missed by that scan (offset paging cannot tell); the next full scan reads it.
https://developers.pipedrive.com/docs/api/v1/Leads#getLeads
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.core.paging import high_water_mark, parse_timestamp
from connectors.core.records import Record

#: The order every lead scan reads in, and `archived_status=all`: archived leads are leads too
#: (the mapping decides what they become), and the list would leave them out otherwise.
LEAD_LIST_PARAMS: dict[str, str] = {"sort": "update_time DESC", "archived_status": "all"}
_SEPARATOR = "@"


@dataclass(frozen=True)
class ScanPosition:
    start: int
    #: the newest update_time the scan has read so far (reported by its last page)
    high_water: str | None = None


def decode_cursor(cursor: str | None) -> ScanPosition:
    """The position a leads cursor names; ValueError for a cursor this client did not write."""
    if not cursor:
        return ScanPosition(0)
    start_text, _, high_water = cursor.partition(_SEPARATOR)
    if not start_text.isascii() or not start_text.isdigit():
        raise ValueError("not a leads cursor: it starts with the next `start`")
    return ScanPosition(int(start_text), high_water or None)


def encode_cursor(position: ScanPosition) -> str:
    if position.high_water is None:
        return str(position.start)
    return f"{position.start}{_SEPARATOR}{position.high_water}"


@dataclass(frozen=True)
class ScanStep:
    records: list[Record]
    next_cursor: str | None
    high_water: str | None


def next_step(
    position: ScanPosition,
    records: list[Record],
    *,
    more: bool,
    next_start: object,
    updated_since: str | None,
) -> ScanStep:
    """One page of a newest-first scan: the leads to keep, where the scan goes on, and the
    high-water mark (only on the last page)."""
    since = parse_timestamp(updated_since)
    kept = list(_until_older(records, since))
    reached_older = len(kept) < len(records)
    high_water = _later(position.high_water, high_water_mark(kept, "update_time"))
    if not more or reached_older or not records:
        return ScanStep(kept, None, high_water)
    start = position.start + len(records)
    if (
        isinstance(next_start, int)
        and not isinstance(next_start, bool)
        and next_start > position.start
    ):
        start = next_start
    return ScanStep(kept, encode_cursor(ScanPosition(start, high_water)), None)


def _until_older(records: Iterable[Record], since: datetime | None) -> Iterable[Record]:
    for record in records:
        when = parse_timestamp(record.get("update_time"))
        # A lead whose update_time cannot be read is passed on (the mapper dead-letters it);
        # it does not end the scan.
        if since is not None and when is not None and when < since:
            return
        yield record


def _later(a: str | None, b: str | None) -> str | None:
    candidates: list[dict[str, Any]] = [{"t": t} for t in (a, b) if t is not None]
    return high_water_mark(candidates, "t")
