"""Shopify's leaky bucket of query-cost points, one per access token (app + shop).

A query runs only when its *requested* cost fits in what is available; the bucket refills at
`restore_rate` points per second up to `maximum`. The default is the Standard plan's figure,
100 points per second (Shopify documents the rate; the bucket holds 20 seconds of it, as the
`maximumAvailable` its responses report).
https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

DEFAULT_RESTORE_RATE = 100.0
DEFAULT_MAXIMUM = 2000.0


@dataclass(frozen=True)
class ThrottleStatus:
    maximum_available: float
    currently_available: float
    restore_rate: float

    def as_json(self) -> dict[str, float]:
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": self.currently_available,
            "restoreRate": self.restore_rate,
        }


@dataclass(frozen=True)
class Spend:
    allowed: bool
    status: ThrottleStatus


class CostBucket:
    def __init__(
        self, maximum: float = DEFAULT_MAXIMUM, restore_rate: float = DEFAULT_RESTORE_RATE
    ) -> None:
        self._lock = threading.Lock()
        self._levels: dict[str, tuple[float, float]] = {}
        self.maximum = maximum
        self.restore_rate = restore_rate

    def configure(self, maximum: float, restore_rate: float) -> None:
        """New size and rate; every token starts over with a full bucket."""
        if maximum <= 0 or restore_rate <= 0:
            raise ValueError("bucket size and restore rate must be positive")
        with self._lock:
            self.maximum, self.restore_rate = float(maximum), float(restore_rate)
            self._levels.clear()

    def reset(self) -> None:
        with self._lock:
            self._levels.clear()

    def spend(self, token: str, points: int) -> Spend:
        """Take `points` if they fit; a query that does not fit takes nothing."""
        with self._lock:
            available = self._available(token)
            allowed = points <= available
            if allowed:
                available -= points
            self._levels[token] = (available, time.monotonic())
            return Spend(allowed, self._status(available))

    def refund(self, token: str, points: int) -> ThrottleStatus:
        with self._lock:
            available = min(self.maximum, self._available(token) + max(0, points))
            self._levels[token] = (available, time.monotonic())
            return self._status(available)

    def status(self, token: str) -> ThrottleStatus:
        with self._lock:
            return self._status(self._available(token))

    def _available(self, token: str) -> float:
        level = self._levels.get(token)
        if level is None:
            return self.maximum
        available, at = level
        return min(self.maximum, available + (time.monotonic() - at) * self.restore_rate)

    def _status(self, available: float) -> ThrottleStatus:
        return ThrottleStatus(self.maximum, round(available, 1), self.restore_rate)
