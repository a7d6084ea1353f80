"""Compiled field steps: one per spec entry, each a fixed pipeline built once at compile time.

read (path, several paths, or an aggregate) -> default -> option labels -> transforms ->
Brevo type -> checked value. Every failure is a `MappingError` naming the target and the source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from mapping.brevo_types import BrevoAttribute, coerce
from mapping.computed import Aggregate
from mapping.errors import MappingError, Reason
from mapping.paths import ABSENT, SourcePath
from mapping.transforms import Transform, TransformError
from mapping.values import AttributeValue, to_attribute_value, to_choice_list
from mapping.vendor_fields import VendorField, option_labels

_NOTHING: Final = object()


@dataclass(frozen=True, slots=True)
class ReadStep:
    """Everything up to (not including) the final value check; shared by identifiers and
    attributes."""

    label: str
    source: SourcePath
    sources: tuple[SourcePath, ...]
    aggregate: Aggregate | None
    default: object
    required: bool
    vendor_field: VendorField | None
    transforms: tuple[Transform, ...]
    #: the fallback path for Pipedrive v1 records (custom field keys at the top level)
    fallback: SourcePath | None = None

    @property
    def path(self) -> str:
        return self.source.text

    def read(self, record: Mapping[str, object]) -> object:
        """The value after transforms; None when there is none (and none is required)."""
        if len(self.sources) > 1:
            value: object = [s.get(record) for s in self.sources]
            value = [v for v in value if v is not ABSENT and v is not None] or None  # type: ignore[attr-defined]
        else:
            value = self.source.get(record)
            if value is ABSENT and self.fallback is not None:
                value = self.fallback.get(record)
        if value is ABSENT and self.aggregate is not None:
            try:
                value = self.aggregate.compute(record)
            except TransformError as exc:
                raise self.error(exc.reason, exc.problem) from None
        if value is ABSENT or value is None:
            if self.default is not _NOTHING:
                value = self.default
            elif self.required:
                raise self.error(Reason.UNSUPPORTED_RECORD, "is required but missing")
            else:
                return None
        if self.vendor_field is not None and self.vendor_field.has_options:
            value = option_labels(self.vendor_field, value)
        try:
            for transform in self.transforms:
                value = transform(value)
                if value is None:
                    return None
        except TransformError as exc:
            raise self.error(exc.reason, exc.problem) from None
        except RecursionError:
            raise self.error(Reason.TRANSFORM_FAILED, "is nested too deeply") from None
        return value

    def error(self, reason: Reason, problem: str) -> MappingError:
        return MappingError(reason, f"{self.label} from {self.path} {problem}", self.path)


@dataclass(frozen=True, slots=True)
class AttributeStep:
    """Read one field and set one Brevo attribute (or leave it out when there is no value)."""

    source: SourcePath
    attribute: str
    reader: ReadStep
    brevo: BrevoAttribute | None
    #: False when the account's attributes are known and this one is not among them
    known: bool = True
    #: True when a transform, the vendor field or the Brevo type makes a list of choices; a
    #: list straight from the record is otherwise a type mismatch
    allows_list: bool = False

    def apply(self, record: Mapping[str, object], attributes: dict[str, AttributeValue]) -> None:
        value = self.reader.read(record)
        if value is None:
            return
        if not self.known:
            raise self.reader.error(
                Reason.UNKNOWN_ATTRIBUTE,
                f"has a value, but the Brevo account has no attribute {self.attribute}",
            )
        if self.brevo is not None:
            try:
                value = coerce(self.brevo, value)
            except TransformError as exc:
                raise self.reader.error(exc.reason, exc.problem) from None
        if isinstance(value, list) and self.allows_list:
            converted: AttributeValue | None = to_choice_list(
                value, attribute=self.attribute, path=self.source.text
            )
        else:
            converted = to_attribute_value(value, attribute=self.attribute, path=self.source.text)
        if converted is not None:
            attributes[self.attribute] = converted


@dataclass(frozen=True, slots=True)
class IdentifierStep:
    """Read an identifier (email or SMS) and normalise it: a value, None, or `MappingError`."""

    source: SourcePath
    reader: ReadStep
    normalise: Callable[[object, str], str | None]

    def read(self, record: Mapping[str, object]) -> str | None:
        value = self.reader.read(record)
        if value is None:
            return None
        return self.normalise(value, self.source.text)


@dataclass(frozen=True, slots=True)
class FlagStep:
    """A consent field feeding one of Brevo's blocklist flags (True or nothing)."""

    target: str
    reader: ReadStep

    def read(self, record: Mapping[str, object]) -> bool | None:
        value = self.reader.read(record)
        if value is None or value is False:
            return None
        if value is not True:
            raise self.reader.error(Reason.TYPE_MISMATCH, "is not a consent state")
        return True


NOTHING: Final = _NOTHING
