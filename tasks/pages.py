"""One page through the mapper and the write ledger: what to write, what to skip, what to park.

A record maps to any number of operations. Contact upserts go to the staged contact imports
(`writes`), every other Brevo operation to its writer (`operations`, see tasks.brevo_ops). The
write ledger decides for each whether Brevo already holds it unchanged: contacts by ext_id,
other operations by their `key` under their kind (see `ops_ledger.target_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from deadletter.redact import redact
from mapping.errors import MappingError, Reason
from mapping.hashing import content_hash
from mapping.operations import BrevoOperation, ContactUpsert
from tasks.ops_ledger import ledger_key, target_of
from tasks.staging import CONTACT

#: (ledger target, ids) -> the content hash Brevo last accepted for each id it holds.
Known = Callable[[str, list[str]], dict[str, str]]


class PageMapper(Protocol):
    """What a page needs of a compiled mapper: its version, and `map_operations` (or, for a
    contacts-only mapper, `map`)."""

    @property
    def version(self) -> str: ...


@dataclass
class MappedPage:
    #: contact.upsert candidates for the staged imports
    writes: list[dict[str, Any]] = field(default_factory=list)
    #: every other operation: `{"operation", "content_hash", "mapping_version"}`
    operations: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    #: records Brevo already holds exactly as mapped
    unchanged: int = 0
    #: changed records that write no contact (deals, orders, events...): see `map_page`
    op_records: int = 0


def source_id_of(record: Any) -> str:
    if isinstance(record, Mapping):
        value = record.get("id")
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            return str(value)
    return "unknown"


def operations_of(mapper: PageMapper, record: Any) -> list[ContactUpsert | BrevoOperation]:
    """Everything a record becomes (a mapper without `map_operations` makes one contact)."""
    map_operations = getattr(mapper, "map_operations", None)
    if map_operations is not None:
        return list(map_operations(record))
    operation: ContactUpsert = mapper.map(record)  # type: ignore[attr-defined]
    return [operation]


def map_page(records: Sequence[Any], mapper: PageMapper, known: Known) -> MappedPage:
    """Map every record; `known(target, ids)` returns the hashes Brevo already holds for them.

    Counts are per record: a record is unchanged when Brevo holds every operation it maps to;
    one whose contact changed is counted by the contact imports; any other changed record is in
    `op_records` (written once its writers are done).
    """
    out = MappedPage()
    contacts: dict[str, dict[str, Any]] = {}
    others: dict[tuple[str, str], dict[str, Any]] = {}
    #: per mapped record: its contact's ext_id (or None) and the (target, key) of its operations
    footprints: list[tuple[str | None, list[tuple[str, str]]]] = []
    for record in records:
        try:
            operations = operations_of(mapper, record)
        except MappingError as exc:
            out.dead_letters.append(_dead_letter(record, exc.reason.value, exc.message, mapper))
            continue
        except Exception as exc:
            message = f"mapping raised {type(exc).__name__}"
            out.dead_letters.append(
                _dead_letter(record, Reason.TRANSFORM_FAILED.value, message, mapper)
            )
            continue
        contact: str | None = None
        keys: list[tuple[str, str]] = []
        for operation in operations:
            data = operation.to_json()
            candidate = {
                "content_hash": content_hash(data),
                "mapping_version": mapper.version,
                "operation": data,
            }
            # The same target twice on one page: the later record's operation is the one kept.
            if isinstance(operation, ContactUpsert):
                contacts[operation.ext_id] = {"ext_id": operation.ext_id, **candidate}
                contact = operation.ext_id
            else:
                key = (target_of(operation.op), operation.key)
                others[key] = candidate
                keys.append(key)
        footprints.append((contact, keys))
    out.writes, _ = _changed(list(contacts.values()), CONTACT, known, _contact_id)
    by_target: dict[str, list[dict[str, Any]]] = {}
    for (target, _), candidate in others.items():
        by_target.setdefault(target, []).append(candidate)
    changed_ops: set[tuple[str, str]] = set()
    for target, candidates in by_target.items():
        changed, _ = _changed(candidates, target, known, _operation_id)
        out.operations.extend(changed)
        changed_ops.update((target, str(c["operation"]["key"])) for c in changed)
    changed_contacts = {str(w["ext_id"]) for w in out.writes}
    for contact, keys in footprints:
        if contact is not None and contact in changed_contacts:
            continue  # counted when its import reports it written
        if any(key in changed_ops for key in keys):
            out.op_records += 1
        else:
            out.unchanged += 1
    return out


def _contact_id(candidate: Mapping[str, Any]) -> str:
    return str(candidate["ext_id"])


def _operation_id(candidate: Mapping[str, Any]) -> str:
    return ledger_key(str(candidate["operation"]["key"]))


def _changed(
    candidates: list[dict[str, Any]],
    target: str,
    known: Known,
    identity: Callable[[Mapping[str, Any]], str],
) -> tuple[list[dict[str, Any]], int]:
    """The candidates Brevo does not already hold as they are, and how many it does."""
    if not candidates:
        return [], 0
    previous = known(target, [identity(c) for c in candidates])
    changed = [c for c in candidates if previous.get(identity(c)) != c["content_hash"]]
    return changed, len(candidates) - len(changed)


def _dead_letter(record: Any, reason: str, message: str, mapper: PageMapper) -> dict[str, Any]:
    return {
        "source_id": source_id_of(record),
        "reason": reason,
        "message": message,
        "mapping_version": mapper.version,
        "payload": redact(record) if isinstance(record, Mapping) else {"record": record},
    }
