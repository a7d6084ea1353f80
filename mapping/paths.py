"""Source paths: where in a vendor record a mapped value is read from.

A path is parsed once, when the spec is compiled, into a tuple of segments; reading it is then a
short loop that never raises, whatever the record looks like. Dotted paths (`org_id.name`) are the
only syntax today; JSON Pointers (`/org_id/name`) will get their own parser that returns the same
`SourcePath`, which is why a leading `/` is refused for now instead of being read as a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final

from mapping.errors import SpecError


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

        Only JSON objects are walked into: a list, a scalar or a null half-way down the path
        means the value is absent (not an error: v1 and v2 Pipedrive records differ exactly
        there, e.g. `org_id` is an object in v1 and a plain id in v2).
        """
        current = record
        for segment in self.segments:
            if not isinstance(current, Mapping):
                return ABSENT
            current = current.get(segment, ABSENT)
            if current is ABSENT:
                return ABSENT
        return current


def parse_dotted(text: str) -> SourcePath:
    """Parse `a.b.c` into a `SourcePath`, or raise `SpecError` naming the path."""
    if not isinstance(text, str):
        raise SpecError(repr(text), "a source path must be a string")
    if not text.strip():
        raise SpecError(repr(text), "a source path cannot be empty")
    if text.startswith("/"):
        raise SpecError(text, "JSON Pointer paths are not supported yet; use a dotted path")
    segments = tuple(text.split("."))
    if any(not segment.strip() for segment in segments):
        raise SpecError(text, "a dotted path cannot have an empty segment")
    return SourcePath(text=text, segments=segments)
