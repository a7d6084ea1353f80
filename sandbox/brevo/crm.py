"""CRM records of the fake account: companies and deals, keyed by Brevo-style 24-hex ids.

A company's name lives in `attributes.name` and a deal's in `attributes.deal_name`, as Brevo
returns them (spec schemas `Company` and `Deal`). Linked ids are replaced, not merged, when an
update gives them ("Using PATCH on linkedContactsIds replaces the list").
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from sandbox.common.timefmt import to_brevo_time, utc_now

#: Ids look like the MongoDB object ids Brevo hands out; a fixed prefix keeps them readable.
_ID_BASE = 0x65A1B2C3 << 64


@dataclass
class CrmRecord:
    id: str
    attributes: dict[str, Any]
    #: link name (`linkedContactsIds`, `linkedDealsIds`, `linkedCompaniesIds`) -> ids
    links: dict[str, list[Any]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "attributes": dict(self.attributes), **self.links}


class CrmStore:
    """Companies or deals: `name_attribute` says where the record's name is kept."""

    def __init__(self, name_attribute: str, link_names: tuple[str, ...]) -> None:
        self._name_attribute = name_attribute
        self._link_names = link_names
        self._records: dict[str, CrmRecord] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def create(self, name: str, attributes: dict[str, Any], links: dict[str, Any]) -> CrmRecord:
        with self._lock:
            now = to_brevo_time(utc_now())
            record = CrmRecord(
                id=f"{_ID_BASE + next(self._ids):024x}",
                attributes={
                    **attributes,
                    self._name_attribute: name,
                    "created_at": now,
                    "last_updated_at": now,
                },
                links={link: list(links.get(link) or []) for link in self._link_names},
            )
            self._records[record.id] = record
            return record

    def update(
        self, record_id: str, name: str | None, attributes: dict[str, Any], links: dict[str, Any]
    ) -> CrmRecord | None:
        """None when there is no such record. Empty values unset an attribute."""
        with self._lock:
            record = self._records.get(record_id)
            if record is None:
                return None
            for key, value in attributes.items():
                if value is None or value == "":
                    record.attributes.pop(key, None)
                else:
                    record.attributes[key] = value
            if name:
                record.attributes[self._name_attribute] = name
            for link in self._link_names:
                if links.get(link) is not None:
                    record.links[link] = list(links[link])
            record.attributes["last_updated_at"] = to_brevo_time(utc_now())
            return record

    def get(self, record_id: str) -> dict[str, Any] | None:
        with self._lock:
            record = self._records.get(record_id)
            return None if record is None else record.as_json()

    def all(self) -> list[dict[str, Any]]:
        """Every record, oldest first."""
        with self._lock:
            return [record.as_json() for record in self._records.values()]

    def find_by_name(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            for record in self._records.values():
                if record.attributes.get(self._name_attribute) == name:
                    return record.as_json()
            return None

    def count(self) -> int:
        with self._lock:
            return len(self._records)


def company_store() -> CrmStore:
    return CrmStore("name", ("linkedContactsIds", "linkedDealsIds"))


def deal_store() -> CrmStore:
    return CrmStore("deal_name", ("linkedContactsIds", "linkedCompaniesIds"))
