"""Bulk query operations: one running per shop, CREATED -> RUNNING -> COMPLETED (or FAILED).

`bulkOperationRunQuery` freezes a snapshot of the data and starts a thread that writes the
result once to count it (objects, roots, bytes) without keeping it; the file is regenerated from
the snapshot whenever it is downloaded, so a million orders cost memory for one line at a time.
That counting pass also notes a checkpoint (byte offset, sort key) every `CHECKPOINT_ROOTS`
roots, so a `Range: bytes=N-` download resumes near N instead of from the start.
https://shopify.dev/docs/api/usage/bulk-operations/queries
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLSchema

from sandbox.common.timefmt import to_rfc3339
from sandbox.shopify.gids import gid
from sandbox.shopify.jsonl import BulkPlan, BulkQueryError, plan_bulk_query, root_lines
from sandbox.shopify.keyset import Key
from sandbox.shopify.store import Shop

CHECKPOINT_ROOTS = 1000
CHUNK_BYTES = 64 * 1024
RESULT_PATH = "/_bulk_results/{id}.jsonl"
ACTIVE = frozenset({"CREATED", "RUNNING", "CANCELING"})


@dataclass(frozen=True)
class Checkpoint:
    offset: int
    #: the sort key of the last root written before `offset` (None: the very start)
    after: Key | None


@dataclass
class BulkOperation:
    number: int
    query: str
    plan: BulkPlan
    shop: Shop
    created_wall: float
    started: float
    delay_seconds: float
    fail: bool
    object_count: int = 0
    root_count: int = 0
    file_size: int = 0
    checkpoints: list[Checkpoint] = field(default_factory=lambda: [Checkpoint(0, None)])
    counted: threading.Event = field(default_factory=threading.Event)
    cancel_requested: bool = False
    completed_wall: float | None = None

    @property
    def gid(self) -> str:
        return gid("BulkOperation", self.number)

    def status(self) -> str:
        if self.cancel_requested:
            return "CANCELED"
        elapsed = time.monotonic() - self.started
        if elapsed < min(0.05, self.delay_seconds / 4):
            return "CREATED"
        if elapsed < self.delay_seconds or not self.counted.is_set():
            return "RUNNING"
        if self.completed_wall is None:
            self.completed_wall = time.time()
        return "FAILED" if self.fail else "COMPLETED"

    # -- the file --------------------------------------------------------------------------------

    def count(self) -> None:
        """Write the file once without keeping it: sizes and checkpoints (worker thread)."""
        offset = 0
        for roots, (key, chunk, objects) in enumerate(root_lines(self.shop, self.plan), 1):
            if self.cancel_requested:
                break
            offset += len(chunk)
            self.object_count += objects
            self.root_count = roots
            if roots % CHECKPOINT_ROOTS == 0:
                self.checkpoints.append(Checkpoint(offset, key))
        self.file_size = offset
        self.counted.set()

    def stream(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        """Bytes `start`..`stop` (exclusive; None: to the end), in chunks of about 64 KiB."""
        offsets = [c.offset for c in self.checkpoints]
        checkpoint = self.checkpoints[bisect.bisect_right(offsets, start) - 1]
        position, skip = checkpoint.offset, start - checkpoint.offset
        end = self.file_size if stop is None else min(stop, self.file_size)
        buffer: list[bytes] = []
        buffered = 0
        for _, chunk, _ in root_lines(self.shop, self.plan, after=checkpoint.after):
            if position >= end:
                break
            piece = chunk[skip:] if skip else chunk
            position += len(chunk)
            skip = max(0, skip - len(chunk))
            if position > end:
                piece = piece[: len(piece) - (position - end)]
            if piece:
                buffer.append(piece)
                buffered += len(piece)
            if buffered >= CHUNK_BYTES:
                yield b"".join(buffer)
                buffer, buffered = [], 0
        if buffer:
            yield b"".join(buffer)


class BulkOperations:
    """Every bulk operation of the shop, and the switches tests use on them."""

    def __init__(self, schema: GraphQLSchema, delay_seconds: float = 0.5) -> None:
        self._schema = schema
        self._lock = threading.Lock()
        self._operations: dict[int, BulkOperation] = {}
        self._next_number = 1
        self.delay_seconds = delay_seconds
        self.fail_next = False
        self.base_url = ""

    def reset(self) -> None:
        with self._lock:
            for operation in self._operations.values():
                operation.cancel_requested = True
            self._operations.clear()
            self.fail_next = False

    def run(
        self, query: str, shop: Shop, base_url: str
    ) -> tuple[BulkOperation | None, list[dict[str, Any]]]:
        """Start an operation, or Shopify's userErrors for why not."""
        with self._lock:
            self.base_url = base_url
            running = self._current()
            if running is not None and running.status() in ACTIVE:
                message = (
                    "A bulk query operation for this app and shop is already in progress: "
                    f"{running.gid}."
                )
                return None, [{"field": None, "message": message, "code": "OPERATION_IN_PROGRESS"}]
            try:
                plan = plan_bulk_query(self._schema, query)
            except BulkQueryError as exc:
                return None, [{"field": ["query"], "message": str(exc), "code": "INVALID"}]
            operation = BulkOperation(
                number=self._next_number,
                query=query,
                plan=plan,
                shop=shop,
                created_wall=time.time(),
                started=time.monotonic(),
                delay_seconds=self.delay_seconds,
                fail=self.fail_next,
            )
            self.fail_next = False
            self._next_number += 1
            self._operations[operation.number] = operation
        threading.Thread(
            target=operation.count, name=f"shopify-bulk-{operation.number}", daemon=True
        ).start()
        return operation, []

    def cancel(self, number: int) -> tuple[BulkOperation | None, list[dict[str, Any]]]:
        with self._lock:
            operation = self._operations.get(number)
        if operation is None:
            return None, [{"field": ["id"], "message": "Bulk operation does not exist"}]
        status = operation.status()
        if status not in ACTIVE:
            message = f"A bulk operation cannot be canceled when it is {status.lower()}"
            return operation, [{"field": None, "message": message}]
        operation.cancel_requested = True
        return operation, []

    def get(self, number: int) -> BulkOperation | None:
        with self._lock:
            return self._operations.get(number)

    def current(self) -> BulkOperation | None:
        with self._lock:
            return self._current()

    def _current(self) -> BulkOperation | None:
        return self._operations[max(self._operations)] if self._operations else None

    def wait(self, number: int, timeout: float = 30.0) -> str:
        """Block until the operation leaves CREATED/RUNNING (tests); returns its status."""
        deadline = time.monotonic() + timeout
        operation = self.get(number)
        while operation is not None and operation.status() in ACTIVE:
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        return "" if operation is None else operation.status()

    # -- GraphQL view -----------------------------------------------------------------------------

    def graphql_record(self, number: int) -> dict[str, Any] | None:
        operation = self.get(number)
        return None if operation is None else self.describe(operation)

    def describe(self, operation: BulkOperation) -> dict[str, Any]:
        status = operation.status()
        finished = status in ("COMPLETED", "FAILED")
        has_file = status == "COMPLETED" and operation.object_count > 0
        return {
            "__typename": "BulkOperation",
            "id": operation.gid,
            "status": status,
            "errorCode": "INTERNAL_SERVER_ERROR" if status == "FAILED" else None,
            "createdAt": to_rfc3339(int(operation.created_wall)),
            "completedAt": (
                to_rfc3339(int(operation.completed_wall or time.time())) if finished else None
            ),
            "objectCount": str(operation.object_count),
            "rootObjectCount": str(operation.root_count),
            "fileSize": str(operation.file_size) if has_file else None,
            "url": self.result_url(operation) if has_file else None,
            "partialDataUrl": None,
            "query": operation.query,
            "type": "QUERY",
        }

    def result_url(self, operation: BulkOperation) -> str:
        return self.base_url.rstrip("/") + RESULT_PATH.format(id=operation.number)
