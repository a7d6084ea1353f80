"""Broken records, for the "malformed" failure switch: the id stays, the types do not.

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


def _related_id_as_text(record: Record) -> None:
    for key in ("person_id", "org_id", "organization_id", "deal_id"):
        if key in record:
            record[key] = "not-an-id"
            return


def _value_as_text(record: Record) -> None:
    record["value"] = "a lot"


def _title_as_list(record: Record) -> None:
    record["title" if "title" in record else "subject" if "subject" in record else "name"] = [1]


def _address_as_number(record: Record) -> None:
    record["address"] = 12


CORRUPTIONS: tuple[Callable[[Record], None], ...] = (
    _emails_as_string,
    _emails_as_number,
    _email_value_as_number,
    _phones_as_string,
    _name_as_number,
    _custom_fields_as_list,
    _update_time_garbled,
)


#: What can go wrong with each resource's records (persons keep their historical set).
CORRUPTIONS_BY_RESOURCE: dict[str, tuple[Callable[[Record], None], ...]] = {
    "persons": CORRUPTIONS,
    "organizations": (
        _name_as_number,
        _address_as_number,
        _custom_fields_as_list,
        _update_time_garbled,
    ),
    "deals": (
        _related_id_as_text,
        _value_as_text,
        _title_as_list,
        _custom_fields_as_list,
        _update_time_garbled,
    ),
    "activities": (_related_id_as_text, _title_as_list, _update_time_garbled),
    "leads": (_related_id_as_text, _value_as_text, _title_as_list, _update_time_garbled),
}


def corrupt_some(
    records: list[Record], share: float, rng: random.Random, resource: str = "persons"
) -> list[Any]:
    """Corrupt about `share` of `records` in place (at least one when share > 0); their ids."""
    if not records or share <= 0:
        return []
    corruptions = CORRUPTIONS_BY_RESOURCE.get(resource, CORRUPTIONS)
    how_many = max(1, round(len(records) * share))
    chosen = rng.sample(range(len(records)), min(how_many, len(records)))
    for index in chosen:
        rng.choice(corruptions)(records[index])
    return sorted(records[index]["id"] for index in chosen)
