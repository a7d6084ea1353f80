"""The compiled mapper of a resource whose records are not contacts (deals, organizations,
orders, webhook payloads): a fixed tuple of parts run for every record.

`map_operations(record)` is the same call on this and on `ContactMapper`, so the page tasks, the
webhook path and `tajo mapping preview` treat every resource alike (`Mapper` is either).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from mapping.contact import MAX_RECORD_BYTES, ContactMapper
from mapping.errors import MappingError, Reason, SpecError
from mapping.hashing import canonical_json, content_hash
from mapping.operations import Operation
from mapping.parts import RecordPart
from mapping.paths import SourcePath, compile_getter, parse_dotted
from mapping.previews import kind_of
from mapping.record_ids import UNKNOWN, checked_id, singular, source_id

#: Bumped when the same parts start producing different operations (part of `version`).
_ENGINE_VERSION: Final = 1


@dataclass(frozen=True, slots=True)
class RecordMapper:
    """Maps one record to its operations, or raises `MappingError`. Build it with
    `compile_record_mapping`."""

    vendor: str
    resource: str
    parts: tuple[RecordPart, ...]
    id_path: SourcePath
    #: short stable hash of the effective spec; stored on dead letters and in the write ledger
    version: str
    _noun: str = field(init=False, repr=False, compare=False)
    _read_id: Callable[[Mapping[str, object]], object] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_noun", singular(self.resource))
        object.__setattr__(self, "_read_id", compile_getter(self.id_path))

    def map_operations(self, record: object) -> list[Operation]:
        """Every operation `record` becomes (maybe none); any other input than a usable record
        is a `MappingError`."""
        noun = self._noun
        if not isinstance(record, Mapping):
            raise MappingError(
                Reason.UNSUPPORTED_RECORD,
                f"a {noun} record must be a JSON object, not a {kind_of(record)}",
            )
        record_id = source_id(self._read_id(record), path=self.id_path.text, noun=noun)
        operations: list[Operation] = []
        try:
            for part in self.parts:
                operations.extend(part.operations(record, record_id))
        except MappingError as exc:
            raise MappingError(
                exc.reason, f"{noun} {record_id}: {exc.message}", exc.field
            ) from None
        except RecursionError:
            raise MappingError(
                Reason.UNSUPPORTED_RECORD, f"{noun} {record_id} is nested too deeply"
            ) from None
        size = sum(len(canonical_json(op.to_json())) for op in operations)
        if size > MAX_RECORD_BYTES:
            raise MappingError(
                Reason.PAYLOAD_TOO_LARGE,
                f"{noun} {record_id} maps to {size} bytes; the limit is {MAX_RECORD_BYTES}",
            )
        return operations

    def source_id_of(self, record: object) -> str:
        """The record's id for messages and dead letters, `unknown` when it has none."""
        if not isinstance(record, Mapping):
            return UNKNOWN
        return checked_id(self.id_path.get(record)) or UNKNOWN


#: What `tasks` and the CLI hold: a contact mapper or a record mapper, both with
#: `map_operations`, `source_id_of` and `version`.
Mapper = ContactMapper | RecordMapper


def compile_record_mapping(
    parts: Sequence[RecordPart], *, vendor: str, resource: str, id_path: str = "id"
) -> RecordMapper:
    """A mapper running `parts` (already compiled, so already checked) for every record."""
    if not parts:
        raise SpecError("", f"nothing to map {resource} to")
    path = parse_dotted(id_path)
    effective = {
        "engine": _ENGINE_VERSION,
        "kind": "record",
        "vendor": vendor,
        "resource": resource,
        "id_path": path.text,
        "parts": [part.describe() for part in parts],
    }
    version = content_hash(_jsonable(effective))[:12]  # type: ignore[arg-type]
    return RecordMapper(vendor, resource, tuple(parts), path, version)


def _jsonable(value: object) -> object:
    """The effective spec with any YAML value (dates, sets) spelled as JSON."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)
