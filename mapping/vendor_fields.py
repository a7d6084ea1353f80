"""Pipedrive custom fields: names users write, resolved to the account's 40-character keys.

Pipedrive keys custom fields by a hash that differs per account, and returns option ids for
single- and multiple-option fields (https://pipedrive.readme.io/docs/core-api-concepts-custom-fields).
A spec may name a field by its key or by its name (`custom_fields.lead_source` matches "Lead
source"); the tasks read the field list (`GET /v1/personFields`) at job start and hand it here.
Mapping by key keeps working when someone renames the field in Pipedrive, and so does mapping by
name when the caller hands back the keys names resolved to before (`FieldCatalog.resolve`); option
ids always come out as the labels of the current field list.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

_KEY = re.compile(r"[0-9a-f]{40}")
_SEPARATORS = re.compile(r"[\s_\-]+")
#: Pipedrive field types whose values are option ids.
_OPTION_TYPES: Final = frozenset({"enum", "set"})


@dataclass(frozen=True, slots=True)
class VendorField:
    key: str
    name: str
    field_type: str
    #: option id (as text) -> label
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def multiple(self) -> bool:
        return self.field_type == "set"

    @property
    def has_options(self) -> bool:
        return self.field_type in _OPTION_TYPES and bool(self.options)


def looks_like_key(text: str) -> bool:
    return bool(_KEY.fullmatch(text))


def normalise_name(text: str) -> str:
    return _SEPARATORS.sub("_", text.strip().lower())


@dataclass(frozen=True)
class FieldCatalog:
    """The vendor's field list, indexed by key and by normalised name."""

    by_key: Mapping[str, VendorField]
    by_name: Mapping[str, VendorField]

    def find(self, key_or_name: str) -> VendorField | None:
        return self.by_key.get(key_or_name) or self.by_name.get(normalise_name(key_or_name))

    def resolve(self, key_or_name: str, remembered: Mapping[str, str]) -> VendorField | None:
        """`find`, and when the name is gone, the key it resolved to before (`remembered`:
        normalised name -> key) if the account still has that field: someone renamed it."""
        found = self.find(key_or_name)
        if found is not None:
            return found
        key = remembered.get(normalise_name(key_or_name))
        return None if key is None else self.by_key.get(key)


def field_catalog(items: Sequence[Mapping[str, object]]) -> FieldCatalog:
    """Index Pipedrive's `personFields` items (`key`, `name`, `field_type`, `options`)."""
    by_key: dict[str, VendorField] = {}
    by_name: dict[str, VendorField] = {}
    for item in items:
        key, name = item.get("key"), item.get("name")
        if not isinstance(key, str) or not isinstance(name, str):
            continue
        options: dict[str, str] = {}
        raw_options = item.get("options")
        if isinstance(raw_options, list):
            for option in raw_options:
                if isinstance(option, Mapping) and "id" in option:
                    options[str(option["id"])] = str(option.get("label"))
        kind = item.get("field_type")
        found = VendorField(key, name, kind if isinstance(kind, str) else "", options)
        by_key[key] = found
        by_name.setdefault(normalise_name(name), found)
    return FieldCatalog(by_key, by_name)


def option_labels(vendor_field: VendorField, value: object) -> object:
    """Option ids as labels: one label for `enum`, a list for `set` (ids or "17,18")."""
    if vendor_field.multiple:
        ids = value.split(",") if isinstance(value, str) else value
        if not isinstance(ids, list):
            ids = [ids]
        return [vendor_field.options.get(str(i).strip(), str(i).strip()) for i in ids]
    if isinstance(value, bool) or not isinstance(value, int | str):
        return value
    return vendor_field.options.get(str(value), value)
