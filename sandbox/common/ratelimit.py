"""Fixed-window request budgets, one window per key (a token, an API key), as vendors count them."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class WindowVerdict:
    """The outcome of taking one request from a window, with what the headers must say."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int


class FixedWindowLimiter:
    """`limit` requests per `window_seconds` per key; `limit=None` turns the budget off.

    The window opens at a key's first request and closes `window_seconds` later, which is how
    Pipedrive's 2-second burst window and Brevo's per-second buckets behave from outside.
    """

    def __init__(self, limit: int | None, window_seconds: float) -> None:
        self._limit = limit
        self._window_seconds = window_seconds
        self._windows: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    @property
    def limit(self) -> int | None:
        return self._limit

    @property
    def window_seconds(self) -> float:
        return self._window_seconds

    def configure(self, limit: int | None) -> None:
        """Change the budget at runtime; open windows start over."""
        if limit is not None and limit < 1:
            raise ValueError("a rate limit must allow at least one request")
        with self._lock:
            self._limit = limit
            self._windows.clear()

    def take(self, key: str) -> WindowVerdict | None:
        """Spend one request of `key`'s window; None when no limit is configured."""
        now = time.monotonic()
        with self._lock:
            if self._limit is None:
                return None
            opened, used = self._windows.get(key, (now, 0))
            if now - opened >= self._window_seconds:
                opened, used = now, 0
            allowed = used < self._limit
            if allowed:
                used += 1
            self._windows[key] = (opened, used)
            return WindowVerdict(
                allowed=allowed,
                limit=self._limit,
                remaining=self._limit - used,
                reset_seconds=self._reset_seconds(opened, now),
            )

    def exhausted(self, key: str) -> WindowVerdict:
        """What the headers say when a failure switch forces a 429 (budget shown as spent)."""
        now = time.monotonic()
        with self._lock:
            opened, _ = self._windows.get(key, (now, 0))
            if now - opened >= self._window_seconds:
                opened = now
            limit = self._limit if self._limit is not None else 0
            return WindowVerdict(False, limit, 0, self._reset_seconds(opened, now))

    def _reset_seconds(self, opened: float, now: float) -> int:
        # Vendors send whole seconds; never 0 while a window is still open.
        return max(1, math.ceil(opened + self._window_seconds - now))
