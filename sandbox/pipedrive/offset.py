"""v1 offset paging (`start`/`limit`) over a `Timeline`, without listing the records before `start`.

In `update_time` order the records nobody touched come first, in id order (their base update
times grow with the id), then the touched ones in touch order; in `add_time` or `id` order it is
simply every existing id. Either way, the record at position k is found with a little
arithmetic over the few touched or deleted ids, so a deep page costs what a shallow one does.
Like Pipedrive's own offset paging, a record that moves while someone pages (it is updated, or
one before it is deleted) shifts the positions after it.
https://pipedrive.readme.io/docs/core-api-concepts-pagination
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sandbox.pipedrive.timeline import Timeline

OFFSET_SORT_FIELDS = ("update_time", "add_time", "id")


@dataclass(frozen=True)
class OffsetRequest:
    sort_by: str = "id"
    descending: bool = False
    start: int = 0
    limit: int = 100
    #: keep only the records this says yes to (pages then cost what the skipped records do)
    where: Callable[[int], bool] | None = None


@dataclass(frozen=True)
class OffsetPage:
    ids: list[int]
    more: bool


class _Order:
    """The existing ids of a timeline in one sort order, addressable by position."""

    def __init__(self, timeline: Timeline, sort_by: str, descending: bool) -> None:
        if sort_by not in OFFSET_SORT_FIELDS:
            raise ValueError(f"cannot sort by {sort_by!r}")
        self._count = timeline.count
        self._descending = descending
        deleted = timeline.deleted_ids
        if sort_by == "update_time":
            self._tail = [i for _, i in timeline.touched_by_time(0, timeline.touch_log_length, 1)]
            self._tail = [i for i in self._tail if timeline.exists(i)]
            self._excluded = sorted({*deleted, *timeline.touched_ids})
        else:
            self._tail = []
            self._excluded = deleted
        self._base_length = self._count - len(self._excluded)

    def __len__(self) -> int:
        return self._base_length + len(self._tail)

    def at(self, position: int) -> int:
        base, tail = self._base_length, len(self._tail)
        if not self._descending:
            return self._nth_base(position) if position < base else self._tail[position - base]
        if position < tail:
            return self._tail[tail - 1 - position]
        return self._nth_base(base - 1 - (position - tail))

    def _nth_base(self, k: int) -> int:
        """The (k+1)-th id of 1..count that is not excluded: the fixed point of
        x = k + 1 + (excluded ids <= x), reached from below in a few steps."""
        x = k + 1
        while True:
            nxt = k + 1 + bisect.bisect_right(self._excluded, x)
            if nxt == x:
                return x
            x = nxt

    def __iter__(self) -> Iterator[int]:
        return (self.at(i) for i in range(len(self)))


def offset_page(timeline: Timeline, request: OffsetRequest) -> OffsetPage:
    order = _Order(timeline, request.sort_by, request.descending)
    if request.where is not None:
        keep = request.where
        kept = (i for i in order if keep(i))
        window = list(itertools.islice(kept, request.start, request.start + request.limit + 1))
        return OffsetPage(window[: request.limit], len(window) > request.limit)
    stop = min(len(order), request.start + request.limit)
    ids = [order.at(position) for position in range(request.start, stop)]
    return OffsetPage(ids, stop < len(order))
