"""Brevo e-commerce orders: `POST /v3/orders/status/batch`, 1,000 orders or 5 MB a call.

https://developers.brevo.com/docs/import-your-orders: the same order `id` sent again updates
that order (its status, amount...), so a resend is harmless. `historical: true` (Brevo's
default) keeps a sync from firing automations meant for live orders. Brevo answers 202
`{"batchId", "count"}` and applies the orders later.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.brevo.api import BrevoApi

ORDERS_PER_CALL = 1000
MAX_BODY_BYTES = 5 * 1024 * 1024
REQUIRED = ("id", "createdAt", "updatedAt", "status", "amount", "products")


def order_of(body: dict[str, Any]) -> dict[str, Any]:
    """An order.upsert body, checked; ValueError naming the first missing field."""
    for name in REQUIRED:
        if body.get(name) is None:
            raise ValueError(f"{name} is required in an order")
    if not isinstance(body["products"], list):
        raise ValueError("products must be a list")
    return dict(body)


def send_batch(api: BrevoApi, orders: Sequence[dict[str, Any]]) -> int | None:
    """One batch call (the caller keeps it within the caps); Brevo's batchId."""
    payload = {"orders": list(orders), "historical": True}
    body = api.call("POST", "/orders/status/batch", "upsert_orders", body=payload)
    batch_id = body.get("batchId") if isinstance(body, dict) else None
    return batch_id if isinstance(batch_id, int) else None
