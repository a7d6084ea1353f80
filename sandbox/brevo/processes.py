"""Brevo's background processes (`GET /processes/{id}`): accepted at once, finished later.

Contact imports, company imports and custom-object upserts all answer with a `processId` and do
their work in the background. Here one thread runs them in order: a process is `queued` until
`delay_seconds` after it was accepted, then `in_process` for `processing_seconds`, then its work
runs and it is `completed` (its `info`, if any, is what `GET /processes/{id}` shows from then on).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

QUEUED, IN_PROCESS, COMPLETED = "queued", "in_process", "completed"

logger = logging.getLogger(__name__)


class Job(Protocol):
    #: Brevo's process name, e.g. "IMPORTUSER"
    name: str
    #: where Brevo calls back once the process is completed, if anywhere
    notify_url: str | None

    def run(self, process_id: int) -> dict[str, Any] | None:
        """Do the work; the returned dict becomes the process's `info`."""


@dataclass
class Process:
    id: int
    job: Job
    due: float
    status: str = QUEUED
    info: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        """The `GET /processes/{processId}` body."""
        body: dict[str, Any] = {"id": self.id, "name": self.job.name, "status": self.status}
        # Brevo returns `info` only for completed processes.
        if self.status == COMPLETED and self.info is not None:
            body["info"] = self.info
        return body


@dataclass
class Timing:
    delay_seconds: float
    processing_seconds: float


class ProcessQueue:
    """Processes waiting for, or done by, the one background thread that runs them."""

    def __init__(self, timing: Timing, on_completed: Callable[[Process], None]) -> None:
        self.timing = timing
        self._on_completed = on_completed
        self._processes: dict[int, Process] = {}
        self._waiting: deque[Process] = deque()
        self._running: Process | None = None
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, job: Job) -> Process:
        with self._condition:
            if self._closed:
                raise RuntimeError("the process queue is closed")
            process = Process(
                id=len(self._processes) + 1,
                job=job,
                due=time.monotonic() + self.timing.delay_seconds,
            )
            self._processes[process.id] = process
            self._waiting.append(process)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._work, name="brevo-sandbox-processes", daemon=True
                )
                self._thread.start()
            self._condition.notify_all()
            return process

    def get(self, process_id: int) -> Process | None:
        with self._condition:
            return self._processes.get(process_id)

    def all(self) -> list[Process]:
        with self._condition:
            return list(self._processes.values())

    def pending_count(self) -> int:
        with self._condition:
            return len(self._waiting) + (1 if self._running is not None else 0)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every accepted process is completed; False on timeout."""
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
                # Brevo keeps a process "in_process" for a while; the work lands at its end.
                end = time.monotonic() + self.timing.processing_seconds
                while not self._closed and time.monotonic() < end:
                    self._condition.wait(end - time.monotonic())
            try:
                process.info = process.job.run(process.id)
            except Exception:
                logger.exception("brevo sandbox process %s failed", process.id)
            with self._condition:
                process.status = COMPLETED
            try:
                # Before the queue counts as idle, so `wait_idle` covers the callback too.
                self._on_completed(process)
            except Exception:
                logger.exception("brevo sandbox process %s: completion hook failed", process.id)
            finally:
                with self._condition:
                    self._running = None
                    self._condition.notify_all()

    def _next_due(self) -> Process | None:
        """Wait (holding the condition) for the next process to fall due; None when closed."""
        while not self._closed:
            if self._waiting:
                wait = self._waiting[0].due - time.monotonic()
                if wait <= 0:
                    return self._waiting.popleft()
                self._condition.wait(wait)
            else:
                self._condition.wait()
        return None
