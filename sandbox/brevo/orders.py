"""E-commerce orders of the fake account, keyed by order id: a later status replaces it."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any


class OrderStore:
    def __init__(self) -> None:
        self._orders: dict[str, dict[str, Any]] = {}
        self._batches = itertools.count(1)
        self._lock = threading.Lock()

    def record_batch(self, orders: list[dict[str, Any]], *, historical: bool) -> int:
        """Keep every order of one batch; the batch id."""
        with self._lock:
            for order in orders:
                self._orders[str(order["id"])] = {
                    **order,
                    "historical": historical,
                    "received_at": time.time(),
                }
            return next(self._batches)

    def get(self, order_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._orders.get(order_id)
            return None if found is None else dict(found)

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(order) for order in self._orders.values()]
