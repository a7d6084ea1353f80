"""How deals and activities hang off persons without a table: fixed id slots per person.

Person p owns deal ids `(p-1)*DEAL_SLOTS + 1 ... p*DEAL_SLOTS` and activity ids laid out the
same way; how many of its slots hold a record is drawn from (seed, p). So "the deals of person
7" and "the person of deal 20" are both arithmetic, at any size, and an empty slot is simply an
id Pipedrive never issued (real accounts have such gaps too: deleted records leave them).
"""

from __future__ import annotations

import functools
import random

DEAL_SLOTS = 3
ACTIVITY_SLOTS = 2
#: Share of persons by number of deals: 0, 1, 2, 3 (cumulative).
_DEAL_COUNT_CUTS = (0.40, 0.72, 0.90)
_ACTIVITY_COUNT_CUTS = (0.35, 0.75)


@functools.lru_cache(maxsize=65_536)
def deal_count(seed: int, person_id: int) -> int:
    return _count(
        random.Random(f"pipedrive-deal-count:{seed}:{person_id}").random(), _DEAL_COUNT_CUTS
    )


@functools.lru_cache(maxsize=65_536)
def activity_count(seed: int, person_id: int) -> int:
    draw = random.Random(f"pipedrive-activity-count:{seed}:{person_id}").random()
    return _count(draw, _ACTIVITY_COUNT_CUTS)


def _count(draw: float, cuts: tuple[float, ...]) -> int:
    return next((n for n, cut in enumerate(cuts) if draw < cut), len(cuts))


def owner_of(record_id: int, slots: int) -> int:
    """The person whose slot `record_id` is."""
    return (record_id - 1) // slots + 1


def slot_of(record_id: int, slots: int) -> int:
    return (record_id - 1) % slots


def deal_ids_of(seed: int, person_id: int) -> list[int]:
    """The deal ids person `person_id` was created with (before merges and deletions)."""
    first = (person_id - 1) * DEAL_SLOTS + 1
    return list(range(first, first + deal_count(seed, person_id)))


def activity_ids_of(seed: int, person_id: int) -> list[int]:
    first = (person_id - 1) * ACTIVITY_SLOTS + 1
    return list(range(first, first + activity_count(seed, person_id)))


def deal_slot_used(seed: int, deal_id: int) -> bool:
    return slot_of(deal_id, DEAL_SLOTS) < deal_count(seed, owner_of(deal_id, DEAL_SLOTS))


def activity_slot_used(seed: int, activity_id: int) -> bool:
    owner = owner_of(activity_id, ACTIVITY_SLOTS)
    return slot_of(activity_id, ACTIVITY_SLOTS) < activity_count(seed, owner)
