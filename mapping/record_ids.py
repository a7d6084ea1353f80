"""A record's own id, read and checked the same way by every mapper.

The id becomes the `source_id` of operations and dead letters and part of every `ext_id`
(`<vendor>:<resource>:<id>`), so it must be short, printable and free of spaces.
"""

from __future__ import annotations

from typing import Final

from mapping.errors import MappingError, Reason
from mapping.paths import ABSENT
from mapping.previews import preview

#: A database BIGINT; larger ids are not ids any vendor of ours issues.
MAX_INT_ID: Final = 2**63 - 1
MAX_STR_ID_LENGTH: Final = 255
#: What the preview and dead letters show when a record has no usable id.
UNKNOWN: Final = "unknown"


def checked_id(raw: object) -> str | None:
    """The id as text, or None when `raw` is not a usable id."""
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= MAX_INT_ID:
        return str(raw)
    if (
        isinstance(raw, str)
        and 0 < len(raw) <= MAX_STR_ID_LENGTH
        and raw.isprintable()
        and " " not in raw
    ):
        return raw
    return None


def source_id(raw: object, *, path: str, noun: str) -> str:
    """The id read at `path`, or `MappingError(unsupported_record)` saying what was found."""
    found = checked_id(raw)
    if found is not None:
        return found
    shown = "missing" if raw is ABSENT else preview(raw)
    raise MappingError(
        Reason.UNSUPPORTED_RECORD,
        f"a {noun} record needs an id (a non-negative integer or a short string "
        f"without spaces) at {path}; found {shown}",
        path,
    )


def related_id(raw: object) -> str | None:
    """The id of a related record: a plain id (v2 `person_id: 7`) or an object with `value` or
    `id` (v1 `person_id: {"value": 7, "name": ...}`); None when there is none."""
    if isinstance(raw, dict):
        raw = raw.get("value", raw.get("id"))
    if raw is None or isinstance(raw, bool):
        return None
    return checked_id(raw)


def singular(resource: str) -> str:
    """`persons` -> `person`, `activities` -> `activity`: messages read like operators speak."""
    if resource.endswith("ies"):
        return resource[:-3] + "y"
    if resource.endswith(("sses", "xes", "ches", "shes")):
        return resource[:-2]
    if resource.endswith("s") and not resource.endswith("ss"):
        return resource[:-1]
    return resource
