"""The cursors a Shopify stream hands back: opaque text to everyone but this module.

List cursors (`l1.<base64url JSON>`) are compound:
- `after`: Shopify's own connection cursor, the position to continue from. Shopify sorts
  UPDATED_AT with the id as tie-break, so paging with it never skips records that share one
  timestamp, however many there are;
- `ts` and `id`: the (updatedAt, numeric id) of the last record read. Records at or before it
  in that order are dropped from the next page, so a record Shopify serves again across a
  page boundary (the search index catching up between two reads) is not passed on twice;
- `since`: the lower bound of the job's search (`updated_at:>='<since>'`, already moved back by
  the overlap window), kept so every page of a job runs the same query whatever the caller
  passes later, and so a retried call resumes exactly where its cursor says;
- `high`: for streams Shopify cannot sort by update time (abandoned checkouts, ID order), the
  latest updatedAt read so far; the high-water mark is only reported on the last page.

Bulk cursors (`b1.<base64url JSON>`) name the bulk operation (`op`, its gid) and the byte
offset of the next top-level line of its JSONL result (`offset`; -1 while it runs).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict, dataclass
from typing import Any, Final

LIST_PREFIX: Final = "l1."
BULK_PREFIX: Final = "b1."


class InvalidCursor(ValueError):
    """Text that is not a cursor this connector made (corrupted, or from another stream)."""


@dataclass(frozen=True)
class ListCursor:
    since: str | None = None
    after: str | None = None
    ts: str | None = None
    id: int | None = None
    high: str | None = None

    def encode(self) -> str:
        return LIST_PREFIX + _pack({k: v for k, v in asdict(self).items() if v is not None})


@dataclass(frozen=True)
class BulkCursor:
    op: str
    offset: int = -1

    @property
    def started(self) -> bool:
        """True once the result is being read (the operation completed)."""
        return self.offset >= 0

    def encode(self) -> str:
        return BULK_PREFIX + _pack(asdict(self))


def _pack(fields: dict[str, Any]) -> str:
    raw = json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unpack(text: str, prefix: str) -> dict[str, Any]:
    if not text.startswith(prefix):
        raise InvalidCursor(f"not a Shopify cursor of this kind (expected {prefix!r}...)")
    body = text[len(prefix) :]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursor("the cursor does not decode") from exc
    if not isinstance(decoded, dict):
        raise InvalidCursor("the cursor does not decode to an object")
    return decoded


def _optional(fields: dict[str, Any], key: str, kind: type) -> Any:
    value = fields.get(key)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
        raise InvalidCursor(f"the cursor's {key!r} is not a {kind.__name__}")
    return value


def decode_list(text: str) -> ListCursor:
    fields = _unpack(text, LIST_PREFIX)
    return ListCursor(
        since=_optional(fields, "since", str),
        after=_optional(fields, "after", str),
        ts=_optional(fields, "ts", str),
        id=_optional(fields, "id", int),
        high=_optional(fields, "high", str),
    )


def decode_bulk(text: str) -> BulkCursor:
    fields = _unpack(text, BULK_PREFIX)
    op = _optional(fields, "op", str)
    offset = _optional(fields, "offset", int)
    if not op or offset is None or offset < -1:
        raise InvalidCursor("the bulk cursor needs an operation id and an offset")
    return BulkCursor(op=op, offset=offset)
