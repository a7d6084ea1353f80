"""E-commerce products of the fake account, keyed by product id: a later upsert replaces it.
Brevo's own creation and modification times are kept beside them, for `details`."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any


class ProductStore:
    def __init__(self) -> None:
        self._products: dict[str, dict[str, Any]] = {}
        #: product id -> (createdAt, modifiedAt)
        self._times: dict[str, tuple[str, str]] = {}
        self._lock = threading.Lock()

    def upsert_batch(self, products: list[dict[str, Any]], *, update: bool) -> tuple[int, int]:
        """(created, updated); ValueError when an id repeats, or exists while `update` is off."""
        ids = [str(product["id"]) for product in products]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate product ids in one request")
        with self._lock:
            if not update and any(product_id in self._products for product_id in ids):
                raise ValueError("a product with this id already exists")
            created = sum(product_id not in self._products for product_id in ids)
            now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            for product_id, product in zip(ids, products, strict=True):
                self._products[product_id] = {**self._products.get(product_id, {}), **product}
                self._times[product_id] = (self._times.get(product_id, (now, now))[0], now)
            return created, len(ids) - created

    def get(self, product_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._products.get(product_id)
            return None if found is None else dict(found)

    def details(self, product_id: str) -> dict[str, Any] | None:
        """The product as `GET /v3/products/{id}` shows it, with Brevo's own times."""
        with self._lock:
            found = self._products.get(product_id)
            if found is None:
                return None
            created, modified = self._times[product_id]
            return {**found, "createdAt": created, "modifiedAt": modified}

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(product) for product in self._products.values()]
