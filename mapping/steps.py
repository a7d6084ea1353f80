"""Compiled field steps: one per spec entry, each a fixed pipeline built once at compile time.

read (path, several paths, or an aggregate) -> default -> option labels -> transforms ->
Brevo type -> checked value. Every failure is a `MappingError` naming the target and the source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from math import isfinite
from typing import Final

from mapping.brevo_types import BrevoAttribute, coerce
from mapping.computed import Aggregate
from mapping.errors import MappingError, Reason
from mapping.paths import ABSENT, SourcePath, compile_getter
from mapping.transforms import Transform, TransformError
from mapping.values import (
    MAX_EXACT_INTEGER,
    MAX_TEXT_LENGTH,
    AttributeValue,
    encodable,
    to_attribute_value,
    to_choice_list,
)
from mapping.vendor_fields import VendorField, option_labels

_NOTHING: Final = object()

#: A compiled read: the record (already known to be an object) -> the value or None.
Reader = Callable[[Mapping[str, object]], object]
#: A compiled attribute step: sets its attribute in the dict, or leaves it out.
Applier = Callable[[Mapping[str, object], dict[str, AttributeValue]], None]


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
    #: `read` specialised at compile time for what this step actually uses (see `_compile`)
    compiled: Reader = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", self._compile())

    @property
    def path(self) -> str:
        return self.source.text

    def read(self, record: Mapping[str, object]) -> object:
        """The value after transforms; None when there is none (and none is required)."""
        return self.compiled(record)

    def _compile(self) -> Reader:
        """The common shapes (one path, maybe transforms, nothing else) as a closure that does
        only their work; every other shape runs the general pipeline. Both give the same values.
        """
        if len(self.sources) != 1 or self.default is not _NOTHING or self.required:
            return self._read_general
        options = self.vendor_field if self.vendor_field and self.vendor_field.has_options else None
        plain = self.fallback is None and self.aggregate is None and options is None
        if plain and not self.transforms and len(self.source.segments) == 1:
            (key,) = self.source.segments

            def read_key(record: Mapping[str, object]) -> object:
                return record.get(key)  # absent and null both read as None

            return read_key
        get = compile_getter(self.source)
        if plain and not self.transforms:

            def read_plain(record: Mapping[str, object]) -> object:
                value = get(record)
                return None if value is ABSENT else value

            return read_plain
        fallback = None if self.fallback is None else compile_getter(self.fallback)
        aggregate, transforms, error = self.aggregate, self.transforms, self.error

        def read_one(record: Mapping[str, object]) -> object:
            value = get(record)
            if value is ABSENT and fallback is not None:
                value = fallback(record)
            if value is ABSENT and aggregate is not None:
                try:
                    value = aggregate.compute(record)
                except TransformError as exc:
                    raise error(exc.reason, exc.problem) from None
            if value is ABSENT or value is None:
                return None
            if options is not None:
                value = option_labels(options, value)
            try:
                for transform in transforms:
                    value = transform(value)
                    if value is None:
                        return None
            except TransformError as exc:
                raise error(exc.reason, exc.problem) from None
            except RecursionError:
                raise error(Reason.TRANSFORM_FAILED, "is nested too deeply") from None
            return value

        return read_one

    def _read_general(self, record: Mapping[str, object]) -> object:
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
    #: `apply` specialised at compile time (see `_compile`)
    compiled: Applier = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "compiled", self._compile())

    def _compile(self) -> Applier:
        """Without an account type to coerce to (the usual case), plain text of a safe length
        is stored as is and everything else goes through the full check in `_apply_general`."""
        if self.brevo is not None or not self.known:
            return self._apply_general
        read, attribute, general = self.reader.compiled, self.attribute, self._finish

        def apply_unchecked(
            record: Mapping[str, object], attributes: dict[str, AttributeValue]
        ) -> None:
            value = read(record)
            if value is None:
                return
            # The commonest values, checked here exactly as `to_attribute_value` would.
            if type(value) is str:
                if len(value) <= MAX_TEXT_LENGTH and (value.isascii() or encodable(value)):
                    attributes[attribute] = value
                    return
            elif type(value) is float:
                if isfinite(value):
                    attributes[attribute] = value
                    return
            elif type(value) is int and -MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER:
                attributes[attribute] = value
                return
            general(value, attributes)

        return apply_unchecked

    def apply(self, record: Mapping[str, object], attributes: dict[str, AttributeValue]) -> None:
        self.compiled(record, attributes)

    def _apply_general(
        self, record: Mapping[str, object], attributes: dict[str, AttributeValue]
    ) -> None:
        value = self.reader.compiled(record)
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
        self._finish(value, attributes)

    def _finish(self, value: object, attributes: dict[str, AttributeValue]) -> None:
        """The final value check, and the attribute set when there is a value."""
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
    #: `read` specialised at compile time
    compiled: Callable[[Mapping[str, object]], str | None] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        read, normalise, path = self.reader.compiled, self.normalise, self.source.text

        def read_identifier(record: Mapping[str, object]) -> str | None:
            value = read(record)
            return None if value is None else normalise(value, path)

        object.__setattr__(self, "compiled", read_identifier)

    def read(self, record: Mapping[str, object]) -> str | None:
        return self.compiled(record)


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
