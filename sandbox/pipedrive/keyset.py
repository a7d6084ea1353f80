"""Keyset pages over a `Timeline`: ids in sort order after a cursor key, without listing them all.

Sort keys are `(id,)`, `(add_epoch, id)` or `(update_epoch, id)`. Untouched ids form one stream
whose keys grow with the id (so its start is computed, not searched); touched ids form a second,
small stream; the two are merged. A page holds the items strictly after the cursor's key, so
paging to the end neither skips nor repeats a record while nothing changes; a record touched
mid-scan moves to the end of an `update_time` scan, as on Pipedrive.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sandbox.pipedrive.timeline import Timeline

SORT_FIELDS = ("id", "update_time", "add_time")

Key = tuple[int, ...]
Keyed = tuple[Key, int]


@dataclass(frozen=True)
class PageRequest:
    sort_by: str = "id"
    descending: bool = False
    after: Key | None = None
    limit: int = 100
    updated_since: int | None = None
    updated_until: int | None = None
    ids: Sequence[int] | None = None
    #: keep only the ids this says yes to (a `status=won` or `person_id=7` filter)
    where: Callable[[int], bool] | None = None


@dataclass(frozen=True)
class PageOfIds:
    ids: list[int]
    #: key of the last id on this page when more follow, else None
    next_after: Key | None


def page_ids(timeline: Timeline, request: PageRequest) -> PageOfIds:
    if request.sort_by not in SORT_FIELDS:
        raise ValueError(f"cannot sort by {request.sort_by!r}")
    stream: Iterator[Keyed] = (
        _explicit_ids(timeline, request) if request.ids is not None else _merged(timeline, request)
    )
    if request.where is not None:
        keep = request.where
        stream = (item for item in stream if keep(item[1]))
    window = list(itertools.islice(stream, request.limit + 1))
    more = len(window) > request.limit
    window = window[: request.limit]
    next_after = window[-1][0] if more and window else None
    return PageOfIds([record_id for _, record_id in window], next_after)


def sort_key(timeline: Timeline, sort_by: str, record_id: int) -> Key:
    if sort_by == "id":
        return (record_id,)
    if sort_by == "add_time":
        return (timeline.add_epoch(record_id), record_id)
    return (timeline.update_epoch(record_id), record_id)


def _in_window(timeline: Timeline, request: PageRequest, record_id: int) -> bool:
    updated = timeline.update_epoch(record_id)
    if request.updated_since is not None and updated < request.updated_since:
        return False
    return request.updated_until is None or updated < request.updated_until


def _is_after(request: PageRequest, key: Key) -> bool:
    if request.after is None:
        return True
    return key < request.after if request.descending else key > request.after


def _explicit_ids(timeline: Timeline, request: PageRequest) -> Iterator[Keyed]:
    assert request.ids is not None
    wanted = {i for i in request.ids if timeline.exists(i) and _in_window(timeline, request, i)}
    keyed = [(sort_key(timeline, request.sort_by, i), i) for i in wanted]
    keyed = [item for item in keyed if _is_after(request, item[0])]
    keyed.sort(reverse=request.descending)
    return iter(keyed)


def _merged(timeline: Timeline, request: PageRequest) -> Iterator[Keyed]:
    base = _base_stream(timeline, request)
    touched = _touched_stream(timeline, request)
    return heapq.merge(base, touched, key=lambda item: item[0], reverse=request.descending)


def _base_stream(timeline: Timeline, request: PageRequest) -> Iterator[Keyed]:
    """Untouched ids in key order: a contiguous id range, because their keys grow with the id."""
    low = (
        timeline.first_base_id_updated_at_or_after(request.updated_since)
        if request.updated_since is not None
        else 1
    )
    high = (
        timeline.first_base_id_updated_at_or_after(request.updated_until) - 1
        if request.updated_until is not None
        else timeline.count
    )
    if request.descending:
        if request.after is not None:
            high = min(high, _last_base_id_before(timeline, request.sort_by, request.after))
        ids: range = range(high, low - 1, -1)
    else:
        if request.after is not None:
            low = max(low, _first_base_id_after(timeline, request.sort_by, request.after))
        ids = range(low, high + 1)
    for record_id in ids:
        if not timeline.is_touched(record_id) and timeline.exists(record_id):
            yield sort_key(timeline, request.sort_by, record_id), record_id


def _first_base_id_after(timeline: Timeline, sort_by: str, after: Key) -> int:
    if sort_by != "update_time":
        # id and add_time keys both grow with the id and end in it.
        return after[-1] + 1
    after_epoch, after_id = after
    candidate = timeline.first_base_id_updated_at_or_after(after_epoch)
    if (
        candidate <= timeline.count
        and timeline.base_update_epoch(candidate) == after_epoch
        and candidate <= after_id
    ):
        candidate += 1
    return candidate


def _last_base_id_before(timeline: Timeline, sort_by: str, before: Key) -> int:
    if sort_by != "update_time":
        return before[-1] - 1
    before_epoch, before_id = before
    candidate = timeline.first_base_id_updated_at_or_after(before_epoch)
    if (
        candidate <= timeline.count
        and timeline.base_update_epoch(candidate) == before_epoch
        and candidate < before_id
    ):
        return candidate
    return candidate - 1


def _touched_stream(timeline: Timeline, request: PageRequest) -> Iterator[Keyed]:
    if request.sort_by == "update_time":
        yield from _touched_by_update_time(timeline, request)
        return
    touched_ids = timeline.touched_ids
    if request.descending:
        stop = (
            len(touched_ids)
            if request.after is None
            else bisect.bisect_left(touched_ids, request.after[-1])
        )
        candidates: Iterator[int] = (touched_ids[i] for i in range(stop - 1, -1, -1))
    else:
        start = 0 if request.after is None else bisect.bisect_right(touched_ids, request.after[-1])
        candidates = (touched_ids[i] for i in range(start, len(touched_ids)))
    for record_id in candidates:
        if timeline.exists(record_id) and _in_window(timeline, request, record_id):
            yield sort_key(timeline, request.sort_by, record_id), record_id


def _touched_by_update_time(timeline: Timeline, request: PageRequest) -> Iterator[Keyed]:
    lower: tuple[int, int] = (request.updated_since or 0, 0)
    if request.descending:
        stop = timeline.touch_log_length
        if request.after is not None:
            stop = timeline.touch_log_bisect((request.after[0], request.after[1]), right=False)
        entries = timeline.touched_by_time(stop - 1, -1, -1)
    else:
        start = timeline.touch_log_bisect(lower, right=False)
        if request.after is not None:
            start = max(
                start, timeline.touch_log_bisect((request.after[0], request.after[1]), right=True)
            )
        entries = timeline.touched_by_time(start, timeline.touch_log_length, 1)
    for epoch, record_id in entries:
        if not timeline.exists(record_id):
            continue
        if request.updated_since is not None and epoch < request.updated_since:
            if request.descending:
                return
            continue
        if request.updated_until is not None and epoch >= request.updated_until:
            if request.descending:
                continue
            return
        yield (epoch, record_id), record_id
