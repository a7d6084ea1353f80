"""Brevo e-commerce products: `POST /v3/products/batch` with `updateEnabled`, 100 products a call.

https://developers.brevo.com/reference/create-update-batch-products: the `products` array takes
up to 100 products (more only on accounts with a raised limit), each with our `id` and a `name`;
with `updateEnabled: true` an id Brevo knows is updated and a new one created, so a resend is
harmless. Duplicate ids in one request are refused, so a batch never carries an id twice. Brevo
answers 201 `{"createdCount", "updatedCount"}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.brevo.api import BrevoApi

PRODUCTS_PER_CALL = 100
#: Brevo caps a product's metaInfo at 1,000 KB; the request as a whole stays far below that.
MAX_BODY_BYTES = 5 * 1024 * 1024


def product_of(body: dict[str, Any]) -> dict[str, Any]:
    """A product.upsert body, checked; ValueError naming the first missing field."""
    for name in ("id", "name"):
        value = body.get(name)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} is required in a product")
    return dict(body)


def send_batch(api: BrevoApi, products: Sequence[dict[str, Any]]) -> int:
    """One batch call (the caller keeps it within the caps); how many products Brevo took."""
    payload = {"products": list(products), "updateEnabled": True}
    body = api.call("POST", "/products/batch", "upsert_products", body=payload)
    if not isinstance(body, dict):
        return 0
    return sum(v for k in ("createdCount", "updatedCount") if isinstance(v := body.get(k), int))
