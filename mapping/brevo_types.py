"""Brevo attribute types: the account's attributes, and values checked against them.

Brevo ignores a value whose type does not fit its attribute, and an attribute it does not know
("Values that don't match the attribute type ... will be ignored", createContact in
https://developers.brevo.com/reference/createcontact). The tasks read the account's attributes
once per job (`GET /contacts/attributes`) and hand them here as plain data, so both cases become a
`MappingError` instead of a silent loss.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from mapping.errors import Reason
from mapping.transforms import TransformError, to_boolean, to_brevo_date, to_choices, to_number

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: Attribute types whose values we do not check (ids and user attributes are Brevo-managed).
_UNCHECKED: Final = frozenset({"id", "user", ""})


@dataclass(frozen=True)
class BrevoAttribute:
    name: str
    type: str = "text"
    #: category attributes: label -> value id
    enumeration: Mapping[str, int] = field(default_factory=dict)


def attributes_from_api(items: Iterable[Mapping[str, object]]) -> dict[str, BrevoAttribute]:
    """Brevo's `GET /contacts/attributes` items, keyed by name (normal and category only)."""
    found: dict[str, BrevoAttribute] = {}
    for item in items:
        name, kind = item.get("name"), item.get("type")
        if not isinstance(name, str):
            continue
        enumeration: dict[str, int] = {}
        raw_enum = item.get("enumeration")
        if isinstance(raw_enum, list):
            for entry in raw_enum:
                if isinstance(entry, Mapping) and isinstance(entry.get("value"), int):
                    enumeration[str(entry.get("label"))] = int(entry["value"])
        category = item.get("category")
        if category == "category" and not isinstance(kind, str):
            kind = "category"
        found[name] = BrevoAttribute(name, kind if isinstance(kind, str) else "text", enumeration)
    return found


def coerce(attribute: BrevoAttribute, value: object) -> object:
    """`value` as `attribute` stores it, or `TransformError(type_mismatch)`."""
    kind = attribute.type
    try:
        if kind == "float":
            return to_number(value)
        if kind == "boolean":
            return to_boolean(value)
        if kind == "date":
            return (
                value if isinstance(value, str) and _DATE.fullmatch(value) else to_brevo_date(value)
            )
        if kind == "multiple-choice":
            return to_choices(value)
        if kind == "category":
            return _category(attribute, value)
    except TransformError as exc:
        raise TransformError(
            Reason.TYPE_MISMATCH, f"{exc.problem} ({attribute.name} is {kind})"
        ) from None
    if kind == "text" and isinstance(value, list):
        raise TransformError(
            Reason.TYPE_MISMATCH, f"is a list, not text ({attribute.name} is text)"
        )
    if kind in _UNCHECKED or kind == "text":
        return value
    return value


def _category(attribute: BrevoAttribute, value: object) -> object:
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value in attribute.enumeration.values()
    ):
        return value
    if isinstance(value, str) and value in attribute.enumeration:
        return attribute.enumeration[value]
    raise TransformError(Reason.TYPE_MISMATCH, "is not one of the category's values")
