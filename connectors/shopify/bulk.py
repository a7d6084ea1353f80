"""Bulk exports: the query a backfill runs, and reading its JSONL result a page at a time.

A bulk operation runs one query over the whole shop and writes one JSON object per line:
top-level nodes, and for nested connections one line per child that names its parent in
`__parentId`. With `groupObjects: true` every child line follows its parent's line, so a
reader can join them while streaming and never hold more than one page in memory.
https://shopify.dev/docs/api/usage/bulk-operations/queries

Reading is pure here: byte chunks in (from an HTTP Range request that starts at a parent's
line), at most `limit` top-level records out, with the byte offset of the next parent line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from connectors.shopify.streams import StreamSpec

PARENT_KEY: Final = "__parentId"
#: The key a line that is not JSON is passed on under, for the mapper to dead-letter.
MALFORMED_KEY: Final = "__malformed"
#: How much of a malformed line is kept (dead letters show it; it may be any size).
MALFORMED_PREVIEW: Final = 200


def bulk_query(spec: StreamSpec) -> str:
    """The export of every node of the stream, children included (edges/node: bulk queries
    take connections without `first`)."""
    child = ""
    if spec.child is not None:
        child = f" {spec.child.field} {{ edges {{ node {{ {spec.child.node_fields} }} }} }}"
    return f"{{ {spec.connection} {{ edges {{ node {{ {spec.fields}{child} }} }} }} }}"


@dataclass
class ResultPage:
    """Up to `limit` top-level objects, their children joined under the child field."""

    records: list[dict[str, Any]] = field(default_factory=list)
    #: byte offset of the next top-level line; None when the file ended
    next_offset: int | None = None
    #: child lines whose parent was not on this page (never with grouped output)
    orphans: int = 0
    #: lines that were not JSON objects
    malformed: int = 0


def read_page(
    chunks: Iterable[bytes], *, start: int, limit: int, child_field: str | None
) -> ResultPage:
    """Read lines from `chunks` (the file from byte `start`, which begins a line) until
    `limit` top-level records and all of their children are in, or the file ends."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    page = ResultPage()
    parents: dict[str, dict[str, Any]] = {}
    for line, offset in _lines(chunks, start):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            item = json.loads(stripped)
        except ValueError:
            item = None
        if not isinstance(item, dict):
            page.malformed += 1
            item = {MALFORMED_KEY: stripped[:MALFORMED_PREVIEW].decode("utf-8", "replace")}
        parent_id = item.pop(PARENT_KEY, None)
        if parent_id is not None:
            parent = parents.get(str(parent_id))
            if parent is None or child_field is None:
                page.orphans += 1
                continue
            connection = parent.setdefault(child_field, {"nodes": []})
            connection["nodes"].append(item)
            continue
        if len(page.records) == limit:
            page.next_offset = offset
            return page
        page.records.append(item)
        if isinstance(item.get("id"), str):
            parents[item["id"]] = item
    return page


def _lines(chunks: Iterable[bytes], start: int) -> Iterable[tuple[bytes, int]]:
    """(line, byte offset where it starts) for every line, the last one even without `\\n`."""
    pending = b""
    pending_start = start
    for chunk in chunks:
        pending += chunk
        while True:
            cut = pending.find(b"\n")
            if cut < 0:
                break
            line, pending = pending[:cut], pending[cut + 1 :]
            yield line, pending_start
            pending_start += cut + 1
    if pending:
        yield pending, pending_start
