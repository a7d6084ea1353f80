"""E-commerce products of the fake account, keyed by product id: a later upsert replaces it."""

from __future__ import annotations

import threading
from typing import Any


class ProductStore:
    def __init__(self) -> None:
        self._products: dict[str, dict[str, Any]] = {}
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
            for product_id, product in zip(ids, products, strict=True):
                self._products[product_id] = {**self._products.get(product_id, {}), **product}
            return created, len(ids) - created

    def get(self, product_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._products.get(product_id)
            return None if found is None else dict(found)

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(product) for product in self._products.values()]
