"""When each record of one resource was created and last updated, computed from its id.

Records 1..count are never materialised. Record i was created at `start + (i-1)*step`; its base
`updatedAt` is the end of its *tie group* of `TIE_GROUP` consecutive ids, so every group shares
one `updatedAt` (a client that pages on `updated_at` alone loses records; it must tie-break on
the id, as Shopify's own sort does). Base times never decrease with the id, so "first id updated
at or after t" is arithmetic. Touching records moves their `updatedAt` past every other one
(a whole touch shares one time); only touched, added and deleted ids are stored.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Callable, Iterable

#: 2020-01-01T00:00:00Z: the base data set is spread over the five years after it.
BASE_START_EPOCH = 1_577_836_800
BASE_WINDOW_SECONDS = 5 * 365 * 24 * 3600
TIE_GROUP = 3

Presence = Callable[[int], bool]


def _always(_: int) -> bool:
    return True


class Timeline:
    def __init__(self, count: int, present: Presence = _always) -> None:
        if count < 0:
            raise ValueError("count must be >= 0")
        self.count = count
        self.step = max(1, BASE_WINDOW_SECONDS // max(count, 1))
        self._present = present
        self._touched: dict[int, int] = {}
        # (epoch, id) in touch order, which is time order; stale entries are skipped on read.
        self._touch_log: list[tuple[int, int]] = []
        self._touched_ids: list[int] = []
        self._added_created: dict[int, int] = {}
        self._deleted: set[int] = set()
        self._next_added_id = count + 1
        self._last_touch_epoch = 0

    def snapshot(self) -> Timeline:
        """A frozen copy (what a bulk operation reads while the live data moves on)."""
        frozen = copy.copy(self)
        frozen._touched = dict(self._touched)
        frozen._touch_log = list(self._touch_log)
        frozen._touched_ids = list(self._touched_ids)
        frozen._added_created = dict(self._added_created)
        frozen._deleted = set(self._deleted)
        return frozen

    # -- times --------------------------------------------------------------------------------

    def created_epoch(self, record_id: int) -> int:
        added = self._added_created.get(record_id)
        if added is not None:
            return added
        return BASE_START_EPOCH + (record_id - 1) * self.step

    def base_update_epoch(self, record_id: int) -> int:
        group = (record_id - 1) // TIE_GROUP
        return BASE_START_EPOCH + (group + 1) * TIE_GROUP * self.step - 1

    def update_epoch(self, record_id: int) -> int:
        touched = self._touched.get(record_id)
        return touched if touched is not None else self.base_update_epoch(record_id)

    def is_base(self, record_id: int) -> bool:
        """Untouched, present and not deleted: its place in any sort is arithmetic."""
        return (
            1 <= record_id <= self.count
            and record_id not in self._touched
            and record_id not in self._deleted
            and self._present(record_id)
        )

    def exists(self, record_id: int) -> bool:
        if record_id in self._deleted:
            return False
        if record_id in self._added_created:
            return True
        return 1 <= record_id <= self.count and self._present(record_id)

    def first_base_id_updated_at_or_after(self, epoch: int) -> int:
        """Smallest base id whose base update time is >= epoch (count + 1 when none is)."""
        span = TIE_GROUP * self.step
        groups_before = max(0, -(-(epoch - BASE_START_EPOCH + 1) // span) - 1)
        return min(self.count + 1, groups_before * TIE_GROUP + 1)

    # -- changes ------------------------------------------------------------------------------

    def next_touch_epoch(self, now_epoch: int) -> int:
        latest_base = self.base_update_epoch(self.count) if self.count else BASE_START_EPOCH
        return max(now_epoch, latest_base + 1, self._last_touch_epoch + 1)

    def touch(self, record_ids: Iterable[int], epoch: int) -> list[int]:
        ids = sorted({i for i in record_ids if self.exists(i)})
        newly = [i for i in ids if i not in self._touched]
        for record_id in ids:
            self._touched[record_id] = epoch
            self._touch_log.append((epoch, record_id))
        if newly:
            self._touched_ids = sorted([*self._touched_ids, *newly])
        self._last_touch_epoch = max(self._last_touch_epoch, epoch)
        return ids

    def add(self, how_many: int, epoch: int) -> list[int]:
        ids = list(range(self._next_added_id, self._next_added_id + how_many))
        self._next_added_id += how_many
        for record_id in ids:
            self._added_created[record_id] = epoch
        self.touch(ids, epoch)
        return ids

    def delete(self, record_ids: Iterable[int]) -> list[int]:
        gone = sorted(i for i in set(record_ids) if self.exists(i))
        self._deleted.update(gone)
        return gone

    def is_added(self, record_id: int) -> bool:
        return record_id in self._added_created

    # -- reading the touched stream -------------------------------------------------------------

    @property
    def max_id(self) -> int:
        return self._next_added_id - 1

    @property
    def touched_ids(self) -> list[int]:
        """Touched (and added) ids, ascending; includes deleted ones (filter with `exists`)."""
        return self._touched_ids

    def touch_log_slice(self, start: int, stop: int, step: int) -> Iterable[tuple[int, int]]:
        """Current (epoch, id) entries of the touch log, skipping superseded ones."""
        for index in range(start, stop, step):
            epoch, record_id = self._touch_log[index]
            if self._touched.get(record_id) == epoch and record_id not in self._deleted:
                yield epoch, record_id

    def touch_log_bisect(self, key: tuple[int, int], right: bool) -> int:
        if right:
            return bisect.bisect_right(self._touch_log, key)
        return bisect.bisect_left(self._touch_log, key)

    @property
    def touch_log_length(self) -> int:
        return len(self._touch_log)
