"""When each record was added and last updated, computed from its id, plus the ids touched since.

Records 1..count are never materialised: record i was added at `start + (i-1)*step` and last
updated a deterministic `jitter(i) < step` seconds later, so base update times strictly increase
with the id and "first id updated at or after t" is arithmetic. Touching a record moves its
update time past every existing one; only touched (and deleted) ids are stored.

An id may also be a gap: `present(id)` says whether a record was ever created under it (deals
and activities are laid out in fixed slots per person, and most slots stay empty), and a
deleted id exists no more.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable

#: 2020-01-01T00:00:00Z: the base data set is spread over the five years after it.
BASE_START_EPOCH = 1_577_836_800
BASE_WINDOW_SECONDS = 5 * 365 * 24 * 3600

_KNUTH_MULTIPLIER = 2_654_435_761


class Timeline:
    def __init__(self, count: int, seed: int, present: Callable[[int], bool] | None = None) -> None:
        if count < 0:
            raise ValueError("count must be >= 0")
        self.count = count
        self._present = present
        self._deleted: set[int] = set()
        self.step = max(1, BASE_WINDOW_SECONDS // max(count, 1))
        self._seed_mix = (seed * 40_503 + 12_345) & 0xFFFFFFFF
        self._touched: dict[int, int] = {}
        # (update_epoch, id) in touch order, which is time order; entries of ids touched again
        # later are left in place and skipped when read (see `touched_by_time`).
        self._touch_log: list[tuple[int, int]] = []
        self._touched_ids: list[int] = []
        self._last_touch_epoch = 0

    # -- times --------------------------------------------------------------------------------

    def add_epoch(self, record_id: int) -> int:
        return BASE_START_EPOCH + (record_id - 1) * self.step

    def base_update_epoch(self, record_id: int) -> int:
        jitter = ((record_id * _KNUTH_MULTIPLIER) ^ self._seed_mix) & 0xFFFFFFFF
        return self.add_epoch(record_id) + jitter % self.step

    def update_epoch(self, record_id: int) -> int:
        touched = self._touched.get(record_id)
        return touched if touched is not None else self.base_update_epoch(record_id)

    def exists(self, record_id: int) -> bool:
        return (
            1 <= record_id <= self.count
            and record_id not in self._deleted
            and (self._present is None or self._present(record_id))
        )

    # -- deletions ----------------------------------------------------------------------------

    def delete(self, record_ids: Iterable[int]) -> list[int]:
        """Delete the records that exist among `record_ids`; returns them, ascending."""
        gone = sorted({i for i in record_ids if self.exists(i)})
        self._deleted.update(gone)
        return gone

    @property
    def deleted_ids(self) -> list[int]:
        return sorted(self._deleted)

    def first_base_id_updated_at_or_after(self, epoch: int) -> int:
        """Smallest id whose *base* update time is >= epoch (count + 1 when there is none)."""
        if epoch <= BASE_START_EPOCH:
            return 1
        candidate = (epoch - BASE_START_EPOCH) // self.step + 1
        if candidate > self.count:
            return self.count + 1
        if self.base_update_epoch(candidate) < epoch:
            candidate += 1
        return candidate

    # -- touches ------------------------------------------------------------------------------

    def next_touch_epoch(self, now_epoch: int) -> int:
        """A time later than every update so far: updated_since on it returns exactly the touch."""
        latest_base = self.base_update_epoch(self.count) if self.count else BASE_START_EPOCH
        return max(now_epoch, latest_base + 1, self._last_touch_epoch + 1)

    def touch(self, record_ids: Iterable[int], epoch: int) -> list[int]:
        ids = sorted({i for i in record_ids if self.exists(i)})
        newly_touched = [i for i in ids if i not in self._touched]
        for record_id in ids:
            self._touched[record_id] = epoch
            self._touch_log.append((epoch, record_id))
        if newly_touched:
            self._touched_ids = sorted([*self._touched_ids, *newly_touched])
        self._last_touch_epoch = max(self._last_touch_epoch, epoch)
        return ids

    def is_touched(self, record_id: int) -> bool:
        return record_id in self._touched

    @property
    def touched_count(self) -> int:
        return len(self._touched)

    def touched_by_time(self, start: int, stop: int, step: int) -> Iterable[tuple[int, int]]:
        """Current (update_epoch, id) touch entries from `_touch_log[start:stop:step]`."""
        for index in range(start, stop, step):
            epoch, record_id = self._touch_log[index]
            if self._touched.get(record_id) == epoch:
                yield epoch, record_id

    def touch_log_bisect(self, key: tuple[int, int], right: bool) -> int:
        if right:
            return bisect.bisect_right(self._touch_log, key)
        return bisect.bisect_left(self._touch_log, key)

    @property
    def touch_log_length(self) -> int:
        return len(self._touch_log)

    @property
    def touched_ids(self) -> list[int]:
        """Touched ids in ascending order (do not mutate)."""
        return self._touched_ids
