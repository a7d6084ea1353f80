"""Splitting items into Brevo batch requests, and what a batch request says about each item. Pure.

Every Brevo batch endpoint caps both the items and the bytes of one request (events 200 and
512 KB, object records 1,000 and 1 MB, orders 1,000 and 5 MB, list calls 150 identifiers); a
batch is measured as the bytes we send, so a cap is never found out by a 400.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from connectors.core.http import encode_json

T = TypeVar("T")

#: Bytes kept in every batch body for what surrounds the items (`{"events": [...]}` and so on).
ENVELOPE_BYTES = 256


@dataclass(frozen=True)
class Chunk:
    """Positions (in the caller's sequence) of the items one request carries."""

    indices: tuple[int, ...]
    #: True when this single item is over the byte cap alone: refuse it, never send it.
    oversize: bool = False


def chunk_items(
    items: Sequence[T],
    *,
    max_items: int,
    max_bytes: int,
    size: Callable[[T], int] | None = None,
) -> list[Chunk]:
    """Consecutive chunks of at most `max_items` items and `max_bytes` bytes of JSON each.

    Order is kept. An item too big for any request gets a chunk of its own marked `oversize`,
    so the error lands on that item alone and the others go on.
    """
    if max_items < 1:
        raise ValueError("max_items must be at least 1")
    measure = size or _json_size
    budget = max_bytes - ENVELOPE_BYTES
    chunks: list[Chunk] = []
    current: list[int] = []
    used = 0
    for index, item in enumerate(items):
        item_bytes = measure(item) + 1  # a comma between items
        if item_bytes > budget:
            if current:
                chunks.append(Chunk(tuple(current)))
                current, used = [], 0
            chunks.append(Chunk((index,), oversize=True))
            continue
        if current and (len(current) >= max_items or used + item_bytes > budget):
            chunks.append(Chunk(tuple(current)))
            current, used = [], 0
        current.append(index)
        used += item_bytes
    if current:
        chunks.append(Chunk(tuple(current)))
    return chunks


def _json_size(item: Any) -> int:
    return len(encode_json(item))


@dataclass(frozen=True)
class Rejection:
    """Brevo refused one item: its position in the request, Brevo's code and message."""

    index: int
    code: str
    message: str


@dataclass
class BatchAnswer:
    """What one batch request achieved, item by item (positions within that request)."""

    accepted: list[int] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    @classmethod
    def all_accepted(cls, count: int) -> BatchAnswer:
        return cls(accepted=list(range(count)))

    @classmethod
    def all_rejected(cls, count: int, code: str, message: str) -> BatchAnswer:
        return cls(rejected=[Rejection(i, code, message) for i in range(count)])
