"""Small pure helpers for paging: batching ids for bulk calls, and a page's high-water mark."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")


def chunked(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """Consecutive slices of at most `size` items (vendors cap ids per call: 100, 150, ...)."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def unique(items: Iterable[T]) -> list[T]:
    """Items in first-seen order, duplicates dropped."""
    return list(dict.fromkeys(items))


def parse_timestamp(value: object) -> datetime | None:
    """An ISO-8601 / RFC 3339 timestamp as an aware datetime (naive means UTC), else None.

    Pipedrive v2 writes "2024-01-01T00:00:00Z"; v1 wrote "2024-01-01 00:00:00" in UTC.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def high_water_mark(records: Iterable[dict[str, Any]], field: str) -> str | None:
    """The latest `field` value on a page, as the vendor wrote it; None if no record has one.

    Compared as instants, not as strings, so mixed precision or offsets cannot mis-order them.
    """
    best: tuple[datetime, str] | None = None
    for record in records:
        raw = record.get(field)
        when = parse_timestamp(raw)
        if when is not None and isinstance(raw, str) and (best is None or when > best[0]):
            best = (when, raw)
    return None if best is None else best[1]
