"""Contact attributes the sandbox account has: Brevo's defaults plus any created over the API.

Brevo only stores attributes that exist in the account, written in capitals; anything else in a
payload is silently dropped ("Any contact attribute that doesn't exist in your account will be
ignored", POST /contacts/import). The fake drops them too and counts them in `ignored`, so a test
can notice a mapping that writes to `firstname` or to an attribute nobody created.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

CATEGORIES = ("normal", "transactional", "category", "calculated", "global")
#: Attributes that identify a contact rather than describe it.
IDENTIFIER_ATTRIBUTES = frozenset({"EMAIL", "SMS", "EXT_ID"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Attribute:
    name: str
    category: str = "normal"
    type: str = "text"
    enumeration: tuple[tuple[int, str], ...] = ()

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "category": self.category, "type": self.type}
        if self.enumeration:
            body["enumeration"] = [{"value": v, "label": label} for v, label in self.enumeration]
        return body

    def accepts(self, value: Any) -> bool:
        """Whether Brevo keeps this value (type mismatches are ignored, not rejected)."""
        if value is None or value == "":
            return True
        if self.type == "float":
            return isinstance(value, int | float) and not isinstance(value, bool)
        if self.type == "boolean":
            return isinstance(value, bool)
        if self.type == "date":
            return isinstance(value, str) and bool(_DATE.match(value))
        if self.type == "category":
            return value in {v for v, _ in self.enumeration} or value in {
                label for _, label in self.enumeration
            }
        return isinstance(value, str | int | float | bool | list)


DEFAULT_ATTRIBUTES = (
    Attribute("EMAIL"),
    Attribute("FIRSTNAME"),
    Attribute("LASTNAME"),
    Attribute("SMS"),
    Attribute("EXT_ID"),
    Attribute("WHATSAPP"),
    Attribute("LANDLINE_NUMBER"),
    Attribute("OPT_IN", type="boolean"),
)


class AttributeExists(ValueError):
    pass


@dataclass
class AttributeRegistry:
    _attributes: dict[str, Attribute] = field(
        default_factory=lambda: {a.name: a for a in DEFAULT_ATTRIBUTES}
    )
    ignored: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self, attribute: Attribute) -> None:
        with self._lock:
            if attribute.name in self._attributes:
                raise AttributeExists(attribute.name)
            self._attributes[attribute.name] = attribute

    def all(self) -> list[Attribute]:
        with self._lock:
            return list(self._attributes.values())

    def keep_known(self, attributes: dict[str, Any]) -> dict[str, Any]:
        """The attributes Brevo would store (identifiers excluded); counts what it drops."""
        kept: dict[str, Any] = {}
        with self._lock:
            for name, value in attributes.items():
                if name in IDENTIFIER_ATTRIBUTES:
                    continue
                attribute = self._attributes.get(name)
                if attribute is None:
                    self.ignored[name] += 1
                elif attribute.accepts(value):
                    kept[name] = value
                else:
                    self.ignored[f"{name} (value of the wrong type)"] += 1
        return kept
