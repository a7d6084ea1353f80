"""One page through the mapper and the write ledger: what to write, what to skip, what to park."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from deadletter.redact import redact
from mapping.contact import ContactMapper
from mapping.errors import MappingError, Reason
from mapping.hashing import content_hash


@dataclass
class MappedPage:
    writes: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0


def source_id_of(record: Any) -> str:
    if isinstance(record, Mapping):
        value = record.get("id")
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            return str(value)
    return "unknown"


def map_page(
    records: Sequence[Any],
    mapper: ContactMapper,
    known: Callable[[list[str]], dict[str, str]],
) -> MappedPage:
    """Map every record; `known(ext_ids)` returns the hashes Brevo already holds for them."""
    out = MappedPage()
    candidates: list[dict[str, Any]] = []
    for record in records:
        try:
            operation = mapper.map(record).to_json()
        except MappingError as exc:
            out.dead_letters.append(
                {
                    "source_id": source_id_of(record),
                    "reason": exc.reason.value,
                    "message": exc.message,
                    "mapping_version": mapper.version,
                    "payload": redact(record)
                    if isinstance(record, Mapping)
                    else {"record": record},
                }
            )
            continue
        except Exception as exc:
            out.dead_letters.append(
                {
                    "source_id": source_id_of(record),
                    "reason": Reason.TRANSFORM_FAILED.value,
                    "message": f"mapping raised {type(exc).__name__}",
                    "mapping_version": mapper.version,
                    "payload": redact(record)
                    if isinstance(record, Mapping)
                    else {"record": record},
                }
            )
            continue
        candidates.append(
            {
                "ext_id": operation["ext_id"],
                "content_hash": content_hash(operation),
                "mapping_version": mapper.version,
                "operation": operation,
            }
        )
    previous = known([c["ext_id"] for c in candidates])
    for candidate in candidates:
        if previous.get(candidate["ext_id"]) == candidate["content_hash"]:
            out.unchanged += 1
        else:
            out.writes.append(candidate)
    return out
