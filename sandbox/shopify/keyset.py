"""Ids of one resource in sort order after a cursor key, inside a search window, lazily.

Sort keys are `(created_epoch, id)` (ID, CREATED_AT and PROCESSED_AT all follow the id: ids are
handed out in creation order) or `(updated_epoch, id)`. Untouched records form a stream whose
keys never decrease with the id, so its bounds are computed, not searched; touched and added
records form a second, small stream; the two are merged. Nothing is listed in full, so a
scan over a million records costs memory for one page only.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterator
from dataclasses import dataclass

from sandbox.shopify.timeline import Timeline

Key = tuple[int, int]
Keyed = tuple[Key, int]

UPDATED = "updated"
CREATED = "created"


@dataclass(frozen=True)
class Window:
    """Inclusive bounds from a search query (`updated_at:>=...`, `id:>N`); None is open."""

    updated_min: int | None = None
    updated_max: int | None = None
    created_min: int | None = None
    created_max: int | None = None
    id_min: int | None = None
    id_max: int | None = None
    #: a query that can match nothing (`id:>5 AND id:<3`, an unknown field's value)
    empty: bool = False


def sort_key(timeline: Timeline, order: str, record_id: int) -> Key:
    if order == UPDATED:
        return (timeline.update_epoch(record_id), record_id)
    return (timeline.created_epoch(record_id), record_id)


def scan(
    timeline: Timeline,
    order: str,
    window: Window,
    *,
    descending: bool = False,
    after: Key | None = None,
) -> Iterator[Keyed]:
    """Every matching (key, id) strictly after `after` in the scan direction."""
    if window.empty:
        return iter(())
    base = _base_stream(timeline, order, window, descending, after)
    touched = _touched_stream(timeline, order, window, descending, after)
    return heapq.merge(base, touched, key=lambda item: item[0], reverse=descending)


def _matches(timeline: Timeline, window: Window, record_id: int) -> bool:
    if window.id_min is not None and record_id < window.id_min:
        return False
    if window.id_max is not None and record_id > window.id_max:
        return False
    updated = timeline.update_epoch(record_id)
    if window.updated_min is not None and updated < window.updated_min:
        return False
    if window.updated_max is not None and updated > window.updated_max:
        return False
    created = timeline.created_epoch(record_id)
    if window.created_min is not None and created < window.created_min:
        return False
    return window.created_max is None or created <= window.created_max


def _beyond(key: Key, after: Key | None, descending: bool) -> bool:
    if after is None:
        return True
    return key < after if descending else key > after


def _base_bounds(timeline: Timeline, window: Window) -> tuple[int, int]:
    low, high = 1, timeline.count
    if window.id_min is not None:
        low = max(low, window.id_min)
    if window.id_max is not None:
        high = min(high, window.id_max)
    if window.updated_min is not None:
        low = max(low, timeline.first_base_id_updated_at_or_after(window.updated_min))
    if window.updated_max is not None:
        high = min(high, timeline.first_base_id_updated_at_or_after(window.updated_max + 1) - 1)
    return low, high


def _base_stream(
    timeline: Timeline, order: str, window: Window, descending: bool, after: Key | None
) -> Iterator[Keyed]:
    low, high = _base_bounds(timeline, window)
    if after is not None:
        # Narrow by arithmetic; the exact comparison below drops the few ties left over.
        if order == UPDATED:
            if descending:
                first_later = timeline.first_base_id_updated_at_or_after(after[0] + 1)
                high = min(high, first_later - 1)
            else:
                low = max(low, timeline.first_base_id_updated_at_or_after(after[0]))
        elif descending:
            high = min(high, after[1] - 1)
        else:
            low = max(low, after[1] + 1)
    ids = range(high, low - 1, -1) if descending else range(low, high + 1)
    for record_id in ids:
        if not timeline.is_base(record_id):
            continue
        key = sort_key(timeline, order, record_id)
        if _beyond(key, after, descending) and _matches(timeline, window, record_id):
            yield key, record_id


def _touched_stream(
    timeline: Timeline, order: str, window: Window, descending: bool, after: Key | None
) -> Iterator[Keyed]:
    if order == UPDATED:
        yield from _touched_by_update(timeline, window, descending, after)
        return
    touched = timeline.touched_ids
    if descending:
        stop = len(touched) if after is None else bisect.bisect_left(touched, after[1])
        candidates: Iterator[int] = (touched[i] for i in range(stop - 1, -1, -1))
    else:
        start = 0 if after is None else bisect.bisect_right(touched, after[1])
        candidates = (touched[i] for i in range(start, len(touched)))
    for record_id in candidates:
        if timeline.exists(record_id) and _matches(timeline, window, record_id):
            yield sort_key(timeline, order, record_id), record_id


def _touched_by_update(
    timeline: Timeline, window: Window, descending: bool, after: Key | None
) -> Iterator[Keyed]:
    length = timeline.touch_log_length
    if descending:
        stop = length if after is None else timeline.touch_log_bisect(after, right=False)
        entries = timeline.touch_log_slice(stop - 1, -1, -1)
    else:
        start = timeline.touch_log_bisect((window.updated_min or 0, 0), right=False)
        if after is not None:
            start = max(start, timeline.touch_log_bisect(after, right=True))
        entries = timeline.touch_log_slice(start, length, 1)
    for epoch, record_id in entries:
        if _matches(timeline, window, record_id):
            yield (epoch, record_id), record_id
