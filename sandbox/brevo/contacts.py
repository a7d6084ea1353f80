"""The fake account's contacts, indexed by each identifier Brevo matches on, thread-safe.

An identifier may belong to one contact only. An upsert finds its contact by EXT_ID, else email,
else SMS number (the first one some contact holds); any other identifier it carries that a
*different* contact holds is a conflict, which Brevo reports naming the clashing identifiers in
`metadata.duplicate_identifiers` (`duplicate_parameter` when creating, `invalid_parameter` or
`duplicate_parameter` when updating).
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sandbox.common.timefmt import to_brevo_time, utc_now

IdentifierKind = Literal["email", "ext_id", "sms", "id"]
UpsertOutcome = Literal["created", "updated", "skipped"]

#: How each identifier is named in `metadata.duplicate_identifiers`.
DUPLICATE_NAMES: dict[str, str] = {"email": "email", "ext_id": "ext_id", "sms": "SMS"}
#: Brevo's `identifierType` values and the identifier each one means.
IDENTIFIER_TYPES: dict[str, IdentifierKind] = {
    "email_id": "email",
    "contact_id": "id",
    "ext_id": "ext_id",
    "phone_id": "sms",
}


class DuplicateIdentifiers(Exception):
    def __init__(self, kinds: list[IdentifierKind], *, updating: bool) -> None:
        self.kinds = kinds
        #: the names Brevo puts in `metadata.duplicate_identifiers`
        self.names = [DUPLICATE_NAMES[kind] for kind in kinds]
        #: whether a contact was found and its update clashed (else a creation clashed)
        self.updating = updating
        super().__init__(", ".join(self.names))


@dataclass
class Contact:
    id: int
    email: str | None
    ext_id: str | None
    sms: str | None
    attributes: dict[str, Any]
    list_ids: set[int]
    email_blacklisted: bool
    sms_blacklisted: bool
    created_at: datetime
    modified_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The contact in the shape of `GET /contacts/{identifier}` (without statistics)."""
        attributes = dict(self.attributes)
        if self.ext_id is not None:
            attributes["EXT_ID"] = self.ext_id
        if self.sms is not None:
            attributes["SMS"] = self.sms
        body: dict[str, Any] = {
            "id": self.id,
            "emailBlacklisted": self.email_blacklisted,
            "smsBlacklisted": self.sms_blacklisted,
            "createdAt": to_brevo_time(self.created_at),
            "modifiedAt": to_brevo_time(self.modified_at),
            "listIds": sorted(self.list_ids),
            "listUnsubscribed": [],
            "attributes": attributes,
        }
        if self.email is not None:
            body = {"email": self.email, **body}
        return body


@dataclass(frozen=True)
class ContactChange:
    """What a create, update or import row asks for; identifiers already normalised."""

    email: str | None = None
    ext_id: str | None = None
    sms: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    #: whether empty values ("" or null) erase the attribute instead of being skipped
    empty_values_erase: bool = False
    list_ids: frozenset[int] = frozenset()
    unlink_list_ids: frozenset[int] = frozenset()
    email_blacklisted: bool | None = None
    sms_blacklisted: bool | None = None

    def identifiers(self) -> list[tuple[IdentifierKind, str]]:
        """Given identifiers in the order Brevo names them (email, EXT_ID, SMS)."""
        pairs: list[tuple[IdentifierKind, str | None]] = [
            ("email", self.email),
            ("ext_id", self.ext_id),
            ("sms", self.sms),
        ]
        return [(kind, value) for kind, value in pairs if value]

    def lookup_order(self) -> list[tuple[IdentifierKind, str]]:
        """Given identifiers in the order an upsert looks its contact up: the stable external
        id first, then email, then SMS."""
        ranked = {"ext_id": 0, "email": 1, "sms": 2}
        return sorted(self.identifiers(), key=lambda pair: ranked[pair[0]])


class ContactStore:
    def __init__(self) -> None:
        self._contacts: dict[int, Contact] = {}
        self._index: dict[IdentifierKind, dict[str, int]] = {"email": {}, "ext_id": {}, "sms": {}}
        self._next_id = 1
        self._lock = threading.RLock()

    # -- reading ------------------------------------------------------------------------------

    def count(self) -> int:
        with self._lock:
            return len(self._contacts)

    def find(self, kind: IdentifierKind, value: str) -> Contact | None:
        with self._lock:
            if kind == "id":
                return self._contacts.get(int(value)) if value.isdigit() else None
            contact_id = self._index[kind].get(value)
            return None if contact_id is None else self._contacts[contact_id]

    def snapshot(self, kind: IdentifierKind, value: str) -> dict[str, Any] | None:
        with self._lock:
            contact = self.find(kind, value)
            return None if contact is None else contact.as_json()

    def page(
        self,
        *,
        limit: int,
        offset: int,
        descending: bool,
        modified_since: datetime | None = None,
        created_since: datetime | None = None,
        list_ids: frozenset[int] = frozenset(),
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of contacts (creation order) and how many match in all."""
        with self._lock:
            ordered: Iterator[Contact] = (
                reversed(self._contacts.values()) if descending else iter(self._contacts.values())
            )
            if modified_since or created_since or list_ids:
                matching = [
                    c
                    for c in ordered
                    if (modified_since is None or c.modified_at >= modified_since)
                    and (created_since is None or c.created_at >= created_since)
                    and (not list_ids or c.list_ids & list_ids)
                ]
                window = matching[offset : offset + limit]
                return [c.as_json() for c in window], len(matching)
            window = list(itertools.islice(ordered, offset, offset + limit))
            return [c.as_json() for c in window], len(self._contacts)

    def list_sizes(self) -> tuple[Counter[int], Counter[int]]:
        """Per list: members, and members blacklisted for email."""
        members: Counter[int] = Counter()
        blacklisted: Counter[int] = Counter()
        with self._lock:
            for contact in self._contacts.values():
                members.update(contact.list_ids)
                if contact.email_blacklisted:
                    blacklisted.update(contact.list_ids)
        return members, blacklisted

    # -- writing ------------------------------------------------------------------------------

    def create(self, change: ContactChange) -> Contact:
        """A new contact; DuplicateIdentifiers when any identifier is taken."""
        with self._lock:
            taken = [
                kind for kind, value in change.identifiers() if self.find(kind, value) is not None
            ]
            if taken:
                raise DuplicateIdentifiers(taken, updating=False)
            return self._insert(change)

    def upsert(
        self, change: ContactChange, *, update_existing: bool = True
    ) -> tuple[UpsertOutcome, Contact]:
        """Create, or update the contact the change's identifiers find (EXT_ID, email, SMS)."""
        with self._lock:
            if not change.identifiers():
                raise ValueError("a contact needs an email, an EXT_ID or an SMS number")
            target = next(
                (
                    found
                    for kind, value in change.lookup_order()
                    if (found := self.find(kind, value)) is not None
                ),
                None,
            )
            if target is None:
                return "created", self._insert(change)
            self._ensure_free(change, target)
            if not update_existing:
                return "skipped", target
            self._apply(target, change)
            return "updated", target

    def update(self, contact: Contact, change: ContactChange) -> None:
        with self._lock:
            self._ensure_free(change, contact)
            self._apply(contact, change)

    def delete(self, contact: Contact) -> None:
        with self._lock:
            self._contacts.pop(contact.id, None)
            held: list[tuple[IdentifierKind, str | None]] = [
                ("email", contact.email),
                ("ext_id", contact.ext_id),
                ("sms", contact.sms),
            ]
            for kind, value in held:
                if value is not None:
                    self._index[kind].pop(value, None)

    def add_to_list(self, contact: Contact, list_id: int) -> bool:
        """False when the contact already was in the list (Brevo reports it as a failure)."""
        with self._lock:
            if list_id in contact.list_ids:
                return False
            contact.list_ids.add(list_id)
            contact.modified_at = utc_now()
            return True

    def remove_from_list(self, contact: Contact, list_id: int) -> bool:
        """False when the contact was not in the list (Brevo reports it as a failure)."""
        with self._lock:
            if list_id not in contact.list_ids:
                return False
            contact.list_ids.discard(list_id)
            contact.modified_at = utc_now()
            return True

    def members(self, list_id: int) -> list[int]:
        """Ids of the contacts in a list, ascending."""
        with self._lock:
            return sorted(c.id for c in self._contacts.values() if list_id in c.list_ids)

    def _ensure_free(self, change: ContactChange, owner: Contact) -> None:
        clashes: list[IdentifierKind] = []
        for kind, value in change.identifiers():
            holder = self.find(kind, value)
            if holder is not None and holder is not owner:
                clashes.append(kind)
        if clashes:
            raise DuplicateIdentifiers(clashes, updating=True)

    def _insert(self, change: ContactChange) -> Contact:
        now = utc_now()
        contact = Contact(
            id=self._next_id,
            email=None,
            ext_id=None,
            sms=None,
            attributes={},
            list_ids=set(),
            email_blacklisted=bool(change.email_blacklisted),
            sms_blacklisted=bool(change.sms_blacklisted),
            created_at=now,
            modified_at=now,
        )
        self._next_id += 1
        self._contacts[contact.id] = contact
        self._apply(contact, change)
        contact.modified_at = now
        return contact

    def _apply(self, contact: Contact, change: ContactChange) -> None:
        before = contact.as_json()
        for kind, value in change.identifiers():
            self._set_identifier(contact, kind, value)
        for name, value in change.attributes.items():
            if value is None or value == "":
                if change.empty_values_erase:
                    contact.attributes.pop(name, None)
            else:
                contact.attributes[name] = value
        contact.list_ids |= change.list_ids
        contact.list_ids -= change.unlink_list_ids
        if change.email_blacklisted is not None:
            contact.email_blacklisted = change.email_blacklisted
        if change.sms_blacklisted is not None:
            contact.sms_blacklisted = change.sms_blacklisted
        if contact.as_json() != before:
            contact.modified_at = utc_now()

    def _set_identifier(self, contact: Contact, kind: IdentifierKind, value: str) -> None:
        current: str | None = getattr(contact, kind)
        if current == value:
            return
        if current is not None:
            self._index[kind].pop(current, None)
        self._index[kind][value] = contact.id
        setattr(contact, kind, value)
