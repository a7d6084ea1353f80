"""The pieces a compiled mapper is made of, and the operations they share.

A mapper runs a fixed tuple of parts per record. A *record part* turns a record into operations of
its own (a deal upsert, the list moves of a deal's stage); a *contact part* adds operations that
amend the contact a record became (consent: list membership, the blocklist). Every part is
compiled once and describes itself for the mapping version.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal, Protocol

from mapping.errors import SpecError
from mapping.operations import BrevoOperation, ContactUpsert

Membership = Literal["list.add", "list.remove"]
#: Brevo list ids are positive integers; anything past a BIGINT is not one.
_MAX_LIST_ID: Final = 2**63 - 1


class RecordPart(Protocol):
    def operations(self, record: Mapping[str, object], source_id: str) -> list[BrevoOperation]:
        """The part's operations for one record; `MappingError` when it cannot make them."""
        ...

    def describe(self) -> object:
        """What the part does, as JSON: it is hashed into the mapping version."""
        ...


class ContactPart(Protocol):
    def apply(
        self, record: Mapping[str, object], contact: ContactUpsert
    ) -> tuple[ContactUpsert, list[BrevoOperation]]:
        """The contact as this part amends it (lists, blocklist flags), and any operations
        that follow from it."""
        ...

    def describe(self) -> object: ...


def membership(op: Membership, list_id: int, ext_id: str, source_id: str) -> BrevoOperation:
    """Add the contact keyed `ext_id` to a list, or take it out. Both share one ledger key."""
    return BrevoOperation(
        op,
        f"list:{list_id}:{ext_id}",
        source_id,
        {"listId": list_id, "identifier": {"ext_id": ext_id}},
    )


def check_list_id(key_path: str, value: object) -> int:
    """A Brevo list id from a spec, or `SpecError` naming the key."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= _MAX_LIST_ID:
        raise SpecError(key_path, f"{value!r} is not a Brevo list id (a positive integer)")
    return value
