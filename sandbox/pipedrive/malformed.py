"""Broken person records, for the "malformed" failure switch: the id stays, the types do not.

Each corruption is one a mapper must survive (and dead-letter) rather than crash on.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

Record = dict[str, Any]


def _emails_as_string(record: Record) -> None:
    record["emails"] = "not-a-list@example.com"


def _emails_as_number(record: Record) -> None:
    record["emails"] = 42


def _email_value_as_number(record: Record) -> None:
    record["emails"] = [{"value": 12345, "primary": True, "label": "work"}]


def _phones_as_string(record: Record) -> None:
    record["phones"] = "+33 6 12 34 56 78"


def _name_as_number(record: Record) -> None:
    record["first_name"] = 7
    record["name"] = 7


def _custom_fields_as_list(record: Record) -> None:
    record["custom_fields"] = ["unexpected"]


def _update_time_garbled(record: Record) -> None:
    record["update_time"] = "yesterday-ish"


CORRUPTIONS: tuple[Callable[[Record], None], ...] = (
    _emails_as_string,
    _emails_as_number,
    _email_value_as_number,
    _phones_as_string,
    _name_as_number,
    _custom_fields_as_list,
    _update_time_garbled,
)


def corrupt_some(records: list[Record], share: float, rng: random.Random) -> list[int]:
    """Corrupt about `share` of `records` in place (at least one when share > 0); their ids."""
    if not records or share <= 0:
        return []
    how_many = max(1, round(len(records) * share))
    chosen = rng.sample(range(len(records)), min(how_many, len(records)))
    for index in chosen:
        rng.choice(CORRUPTIONS)(records[index])
    return sorted(records[index]["id"] for index in chosen)
