"""Brevo attribute values: what a record value may become, and why it may not.

Brevo stores text, numbers, booleans and dates (YYYY-MM-DD) in contact attributes, and silently
ignores a value that does not fit the attribute ("Values that don't match the attribute type ...
will be ignored", createContact in https://developers.brevo.com/reference/createcontact).
Silent loss is what dead letters exist to prevent, so anything doubtful is a `MappingError` here.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Final

from mapping.errors import MappingError, Reason
from mapping.previews import kind_of, preview

#: Scalars, or a list of labels for Brevo multiple-choice attributes (only a transform makes one:
#: a list straight from a record is a type mismatch).
AttributeValue = str | int | float | bool | list[str]
#: Most labels a multiple-choice value may carry.
MAX_CHOICES: Final = 100

#: Longest text attribute value we send; longer values are dead-lettered, never truncated.
MAX_TEXT_LENGTH: Final = 5000
#: Integers past 2**53 do not survive a JSON round trip through a double without changing.
MAX_EXACT_INTEGER: Final = 2**53


def to_attribute_value(value: object, *, attribute: str, path: str) -> AttributeValue | None:
    """The value to send for `attribute`, None to omit it, or `MappingError` naming both ends."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_EXACT_INTEGER:
            raise _mismatch(attribute, path, f"= {preview(value)} is too large to store exactly")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _mismatch(attribute, path, f"= {preview(value)} is not a number JSON can carry")
        return value
    if isinstance(value, str):
        return _text(value, attribute=attribute, path=path)
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat()
    raise _mismatch(attribute, path, f"is a {kind_of(value)}, not a text, number, boolean or date")


def to_choice_list(value: list[object], *, attribute: str, path: str) -> list[str] | None:
    """A multiple-choice value produced by a transform: short, valid text labels."""
    if len(value) > MAX_CHOICES:
        raise _mismatch(attribute, path, f"has {len(value)} choices; the limit is {MAX_CHOICES}")
    labels: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise _mismatch(attribute, path, f"has a {kind_of(item)} among its choices")
        labels.append(_text(item, attribute=attribute, path=path))
    return labels or None


def encodable(value: str) -> bool:
    """False for text with a lone surrogate (JSON allows "\\ud800"): it cannot be encoded in a
    request body at all. ASCII text (the common case) is known good without encoding it."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(value: str, *, attribute: str, path: str) -> str:
    if not encodable(value):
        raise _mismatch(attribute, path, "is not valid Unicode text")
    if len(value) > MAX_TEXT_LENGTH:
        raise MappingError(
            Reason.VALUE_TOO_LONG,
            f"{attribute} from {path} has {len(value)} characters; the limit is {MAX_TEXT_LENGTH}",
            path,
        )
    return value


def _mismatch(attribute: str, path: str, problem: str) -> MappingError:
    return MappingError(Reason.TYPE_MISMATCH, f"{attribute} from {path} {problem}", path)
