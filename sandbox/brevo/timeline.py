"""When each API request reached the fake: tests assert "no request before the reset" on it."""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

KEPT = 100_000


@dataclass(frozen=True)
class TimedRequest:
    method: str
    path: str
    #: the route template (`/v3/contacts/{identifier}`), or the path when no route matched
    route: str
    status: int
    #: time.time() and time.monotonic() when the request arrived
    at: float
    monotonic: float

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


class Timeline:
    def __init__(self, keep: int = KEPT) -> None:
        self._entries: deque[TimedRequest] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def record(self, entry: TimedRequest) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self, route_prefix: str | None = None) -> list[TimedRequest]:
        with self._lock:
            return [
                e for e in self._entries if route_prefix is None or e.route.startswith(route_prefix)
            ]


def arrival() -> tuple[float, float]:
    """(wall clock, monotonic clock) now."""
    return time.time(), time.monotonic()
