"""`POST /contacts/import` as Brevo runs it: accepted at once (202 + processId), applied later.

A background thread applies each import `delay_seconds` after it was accepted; until then
`GET /processes/{id}` says `queued`, then `in_process`, then `completed` with row counts in
`info.import` (the newer API's place for them).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.brevo.attributes import AttributeRegistry
from sandbox.brevo.contacts import ContactChange, ContactStore, DuplicateIdentifiers
from sandbox.brevo.identifiers import normalize_email, normalize_sms

QUEUED, IN_PROCESS, COMPLETED = "queued", "in_process", "completed"


@dataclass(frozen=True)
class ImportOptions:
    list_ids: frozenset[int]
    update_existing: bool = True
    empty_values_erase: bool = False
    email_blacklist: bool = False
    sms_blacklist: bool = False


@dataclass
class ImportCounts:
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0
    invalid_emails: int = 0
    missing_identifier: int = 0
    duplicate_identifiers: int = 0

    def as_json(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass
class ImportProcess:
    id: int
    rows: list[dict[str, Any]]
    options: ImportOptions
    due: float
    row_count: int = 0
    status: str = QUEUED
    counts: ImportCounts = field(default_factory=ImportCounts)

    def as_json(self) -> dict[str, Any]:
        """The `GET /processes/{processId}` body."""
        return {
            "id": self.id,
            "status": self.status,
            "name": "import",
            "info": {"import": {"total": self.row_count, **self.counts.as_json()}},
        }


def apply_row(
    store: ContactStore,
    attributes: AttributeRegistry,
    row: dict[str, Any],
    options: ImportOptions,
    counts: ImportCounts,
) -> None:
    """Upsert one row by email, else EXT_ID, else SMS; count what happened to it."""
    raw_attributes = row.get("attributes") or {}
    raw_email = row.get("email")
    email = None
    if isinstance(raw_email, str) and raw_email.strip():
        email = normalize_email(raw_email)
        if email is None:
            counts.failed += 1
            counts.invalid_emails += 1
            return
    raw_ext_id = raw_attributes.get("EXT_ID")
    ext_id = None if raw_ext_id in (None, "") else str(raw_ext_id)
    # An unusable SMS number is dropped like any unusable attribute value.
    sms = normalize_sms(raw_attributes.get("SMS"))
    if not (email or ext_id or sms):
        counts.failed += 1
        counts.missing_identifier += 1
        return
    change = ContactChange(
        email=email,
        ext_id=ext_id,
        sms=sms,
        attributes=attributes.keep_known(raw_attributes),
        empty_values_erase=options.empty_values_erase,
        list_ids=options.list_ids,
        email_blacklisted=True if options.email_blacklist else None,
        sms_blacklisted=True if options.sms_blacklist else None,
    )
    try:
        outcome, _ = store.upsert(change, update_existing=options.update_existing)
    except DuplicateIdentifiers:
        counts.failed += 1
        counts.duplicate_identifiers += 1
        return
    if outcome == "created":
        counts.imported += 1
    elif outcome == "updated":
        counts.updated += 1
    else:
        counts.skipped += 1


class ImportQueue:
    """Imports waiting for, or done by, the one background thread that applies them."""

    def __init__(self, apply: Callable[[ImportProcess], None], delay_seconds: float) -> None:
        self._apply = apply
        self.delay_seconds = delay_seconds
        self._processes: dict[int, ImportProcess] = {}
        self._waiting: deque[ImportProcess] = deque()
        self._running: ImportProcess | None = None
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, rows: list[dict[str, Any]], options: ImportOptions) -> ImportProcess:
        with self._condition:
            if self._closed:
                raise RuntimeError("the import queue is closed")
            process = ImportProcess(
                id=len(self._processes) + 1,
                rows=rows,
                options=options,
                due=time.monotonic() + self.delay_seconds,
                row_count=len(rows),
            )
            self._processes[process.id] = process
            self._waiting.append(process)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="brevo-sandbox-imports", daemon=True
                )
                self._thread.start()
            self._condition.notify_all()
            return process

    def get(self, process_id: int) -> ImportProcess | None:
        with self._condition:
            return self._processes.get(process_id)

    def all(self) -> list[ImportProcess]:
        with self._condition:
            return list(self._processes.values())

    def pending_count(self) -> int:
        with self._condition:
            return len(self._waiting) + (1 if self._running is not None else 0)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every accepted import is completed; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while self._waiting or self._running is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._condition.wait(left)
            return True

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout=10)

    def _work(self) -> None:
        while True:
            with self._condition:
                process = self._next_due()
                if process is None:
                    return
                self._running = process
                process.status = IN_PROCESS
            try:
                self._apply(process)
            finally:
                with self._condition:
                    process.status = COMPLETED
                    process.rows = []  # the rows are applied; keep the counts only
                    self._running = None
                    self._condition.notify_all()

    def _next_due(self) -> ImportProcess | None:
        """Wait (holding the condition) for the next import to fall due; None when closed."""
        while not self._closed:
            if self._waiting:
                wait = self._waiting[0].due - time.monotonic()
                if wait <= 0:
                    return self._waiting.popleft()
                self._condition.wait(wait)
            else:
                self._condition.wait()
        return None
