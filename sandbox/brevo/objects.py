"""Custom object records (`POST /objects/{type}/batch/upsert`), upserted in the background.

Per brevo-python 5.x's description of the endpoint: the object type must exist first; a record
with an existing `ext_id` or `id` is updated, one with a new `ext_id` (or none) is created; an
`id` that matches nothing is rejected during the background run (the HTTP answer was already
202); unknown attribute keys are ignored; a record needs at least one attribute; a link needs
the associated record to exist, an unlink of a missing association is a no-op.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

OBJECT_UPSERT_PROCESS_NAME = "OBJECT_RECORDS_UPSERT"


@dataclass
class ObjectRecord:
    id: int
    ext_id: str | None
    attributes: dict[str, Any]
    #: associated object type -> ids of its records
    associations: dict[str, set[int]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ext_id": self.ext_id,
            "attributes": dict(self.attributes),
            "associations": {k: sorted(v) for k, v in self.associations.items() if v},
        }


class ObjectTypeMissing(LookupError):
    pass


class ObjectStore:
    def __init__(self) -> None:
        #: type -> allowed attribute keys (None: any key is kept)
        self._types: dict[str, frozenset[str] | None] = {}
        self._records: dict[str, dict[int, ObjectRecord]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()

    def define(self, object_type: str, attributes: list[str] | None = None) -> None:
        with self._lock:
            self._types[object_type] = None if attributes is None else frozenset(attributes)
            self._records.setdefault(object_type, {})

    def exists(self, object_type: str) -> bool:
        with self._lock:
            return object_type in self._types

    def records(self, object_type: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r.as_json() for r in self._records.get(object_type, {}).values()]

    def upsert(self, object_type: str, record: dict[str, Any]) -> str | None:
        """Apply one record of an upsert body; why it was rejected, or None."""
        with self._lock:
            if object_type not in self._types:
                return "invalid object type"
            identifiers = record.get("identifiers") or {}
            target = self._find(object_type, identifiers)
            if identifiers.get("id") is not None and target is None:
                return f"record id {identifiers['id']} does not exist"
            allowed = self._types[object_type]
            attributes = {
                k: v
                for k, v in (record.get("attributes") or {}).items()
                if allowed is None or k in allowed
            }
            if target is None and not attributes:
                return "at least one known attribute is required"
            links = self._resolve_links(record.get("associations") or [])
            if isinstance(links, str):
                return links
            if target is None:
                target = ObjectRecord(next(self._ids), identifiers.get("ext_id"), {})
                self._records[object_type][target.id] = target
            target.attributes.update(attributes)
            for other_type, (linked, unlinked) in links.items():
                current = target.associations.setdefault(other_type, set())
                current |= linked
                current -= unlinked
            return None

    def _find(self, object_type: str, identifiers: dict[str, Any]) -> ObjectRecord | None:
        records = self._records.get(object_type, {})
        if identifiers.get("id") is not None:
            return records.get(int(identifiers["id"]))
        ext_id = identifiers.get("ext_id")
        if ext_id is None:
            return None
        return next((r for r in records.values() if r.ext_id == ext_id), None)

    def _resolve_links(
        self, associations: list[dict[str, Any]]
    ) -> dict[str, tuple[set[int], set[int]]] | str:
        """`{type: (ids to link, ids to unlink)}`, or why an association cannot be made."""
        resolved: dict[str, tuple[set[int], set[int]]] = {}
        for association in associations:
            other_type = association["object_type"]
            linked, unlinked = resolved.setdefault(other_type, (set(), set()))
            unlinking = association.get("action") == "unlink"
            for item in association.get("records") or []:
                found = self._find(other_type, item.get("identifiers") or {})
                if found is not None:
                    (unlinked if unlinking else linked).add(found.id)
                elif not unlinking:
                    return f"associated {other_type} record does not exist"
        return resolved


@dataclass
class ObjectUpsert:
    object_type: str
    records: list[dict[str, Any]]
    store: ObjectStore
    name: str = OBJECT_UPSERT_PROCESS_NAME
    notify_url: str | None = None
    upserted: int = 0
    #: (index in the request, reason) of each rejected record
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def run(self, process_id: int) -> dict[str, Any] | None:
        for index, record in enumerate(self.records):
            reason = self.store.upsert(self.object_type, record)
            if reason is None:
                self.upserted += 1
            else:
                self.rejected.append((index, reason))
        self.records = []
        return None
