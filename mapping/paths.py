"""Source paths: where in a vendor record a mapped value is read from.

Two spellings, one result: a dotted path (`org_id.name`, `addresses.0.phone`) or a JSON Pointer
(RFC 6901, `/customer/addresses/0/phone`, the form Connectif's field mapping uses). Either is parsed
once, when the spec is compiled, into a tuple of segments; reading it is then a short loop that
never raises, whatever the record looks like.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final

from mapping.errors import SpecError

#: A list index: digits without a leading zero (RFC 6901 section 4).
_INDEX = re.compile(r"0|[1-9][0-9]{0,8}")
#: `~` may only start `~0` (a literal ~) or `~1` (a literal /) in a pointer segment.
_BAD_TILDE = re.compile(r"~(?![01])")


class Absent(Enum):
    """The record has nothing at a path: a key is missing or the path runs into a non-object.

    Distinct from a JSON null on purpose: both are omitted today, but a later "clear this
    attribute in Brevo" rule needs to tell an explicit null from a field the vendor never sent.
    """

    ABSENT = "absent"

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Final = Absent.ABSENT


@dataclass(frozen=True, slots=True)
class SourcePath:
    """A parsed source path. `text` is what the user wrote, for error messages."""

    text: str
    segments: tuple[str, ...]

    def get(self, record: object) -> object:
        """The value at this path, or `ABSENT`; never raises.

        Objects are walked by key and lists by index; a scalar or a null half-way down the path
        means the value is absent (not an error: v1 and v2 Pipedrive records differ exactly
        there, e.g. `org_id` is an object in v1 and a plain id in v2).
        """
        current = record
        for segment in self.segments:
            if isinstance(current, Mapping):
                current = current.get(segment, ABSENT)
                if current is ABSENT:
                    return ABSENT
            elif isinstance(current, list) and _INDEX.fullmatch(segment):
                index = int(segment)
                if index >= len(current):
                    return ABSENT
                current = current[index]
            else:
                return ABSENT
        return current


def compile_getter(path: SourcePath) -> Callable[[Mapping[str, object]], object]:
    """`path.get` specialised for a record already known to be an object.

    One and two segments are the common paths (`email`, `org_id.name`); they become a dict lookup
    or two instead of the general loop. The result is always the same as `path.get(record)`.
    """
    segments = path.segments
    if len(segments) == 1:
        (key,) = segments

        def get_one(record: Mapping[str, object]) -> object:
            return record.get(key, ABSENT)

        return get_one
    if len(segments) == 2:
        first, second = segments
        general = path.get

        def get_two(record: Mapping[str, object]) -> object:
            inner = record.get(first, ABSENT)
            if type(inner) is dict:
                return inner.get(second, ABSENT)
            if inner is ABSENT or inner is None:
                return ABSENT
            return general(record)  # a list or another kind of mapping: the general walk

        return get_two
    return path.get


def parse_source(text: object) -> SourcePath:
    """A dotted path or a JSON Pointer (leading `/`), or `SpecError` naming the path."""
    if isinstance(text, str) and text.startswith("/"):
        return parse_pointer(text)
    return parse_dotted(text)


def parse_dotted(text: object) -> SourcePath:
    """Parse `a.b.c` into a `SourcePath`, or raise `SpecError` naming the path."""
    if not isinstance(text, str):
        raise SpecError(repr(text) if not isinstance(text, int) else str(text), _NOT_A_STRING)
    if not text.strip():
        raise SpecError(repr(text), "a source path cannot be empty")
    segments = tuple(text.split("."))
    if any(not segment.strip() for segment in segments):
        raise SpecError(text, "a dotted path cannot have an empty segment")
    return SourcePath(text=text, segments=segments)


def parse_pointer(text: str) -> SourcePath:
    """Parse a JSON Pointer (`/a/0/b`, with `~1` for / and `~0` for ~) into a `SourcePath`."""
    if text == "/":
        raise SpecError(text, "a JSON Pointer must name at least one key")
    raw = text[1:].split("/")
    for segment in raw:
        if not segment:
            raise SpecError(text, "a JSON Pointer cannot have an empty segment")
        if _BAD_TILDE.search(segment):
            raise SpecError(text, "in a JSON Pointer `~` must be followed by 0 or 1 (RFC 6901)")
    segments = tuple(s.replace("~1", "/").replace("~0", "~") for s in raw)
    return SourcePath(text=text, segments=segments)


_NOT_A_STRING: Final = "a source path must be a string"
