"""What a mapper emits: Brevo operations that travel as JSON (Celery task arguments).

An operation carries mapped data and ids only, never credentials, and round-trips through JSON
exactly: `ContactUpsert.from_json(op.to_json()) == op`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypedDict

from mapping.values import AttributeValue


class ContactUpsertJson(TypedDict):
    """The wire shape of a `ContactUpsert`."""

    op: Literal["contact.upsert"]
    ext_id: str
    source_id: str
    email: str | None
    attributes: dict[str, AttributeValue]
    list_ids: list[int]


@dataclass(frozen=True, slots=True)
class ContactUpsert:
    """Create or update one Brevo contact, keyed by `ext_id` (`<vendor>:<resource>:<id>`).

    `email` is the normalised email identifier or None; the phone identifier, when there is one,
    is the `SMS` entry of `attributes`. `list_ids` are the Brevo lists to add the contact to.
    """

    OP: ClassVar[Literal["contact.upsert"]] = "contact.upsert"

    ext_id: str
    source_id: str
    email: str | None
    # Excluded from hashing only because dicts are unhashable; still compared for equality.
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict, hash=False)
    list_ids: tuple[int, ...] = ()

    def to_json(self) -> ContactUpsertJson:
        return {
            "op": self.OP,
            "ext_id": self.ext_id,
            "source_id": self.source_id,
            "email": self.email,
            "attributes": dict(self.attributes),
            "list_ids": list(self.list_ids),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ContactUpsert:
        """Rebuild an operation from its JSON shape; `ValueError` if it is not one."""
        if not isinstance(data, Mapping) or data.get("op") != cls.OP:
            raise ValueError(f"not a {cls.OP} operation")
        ext_id, source_id, email = data.get("ext_id"), data.get("source_id"), data.get("email")
        attributes, list_ids = data.get("attributes"), data.get("list_ids")
        if not isinstance(ext_id, str) or not isinstance(source_id, str):
            raise ValueError(f"{cls.OP}: ext_id and source_id must be strings")
        if email is not None and not isinstance(email, str):
            raise ValueError(f"{cls.OP}: email must be a string or null")
        if not isinstance(attributes, Mapping) or not all(
            isinstance(key, str) and isinstance(value, str | int | float | bool)
            for key, value in attributes.items()
        ):
            raise ValueError(f"{cls.OP}: attributes must map names to scalar values")
        if not isinstance(list_ids, list) or not all(
            isinstance(list_id, int) and not isinstance(list_id, bool) for list_id in list_ids
        ):
            raise ValueError(f"{cls.OP}: list_ids must be a list of integers")
        return cls(
            ext_id=ext_id,
            source_id=source_id,
            email=email,
            attributes=dict(attributes),
            list_ids=tuple(list_ids),
        )
