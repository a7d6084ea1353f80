"""object.upsert, order.upsert and product.upsert: records Brevo upserts by our own ids, in
large batches.

All sit in Brevo's 100-per-hour bucket, so each request carries as many records as Brevo takes
(1,000 objects in 1 MB, 1,000 orders in 5 MB, 100 products). Brevo applies objects and orders
later (202); a refusal of the request refuses every record in it, with Brevo's code and message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from connectors.brevo import objects, orders, products
from connectors.brevo.batches import chunk_items
from connectors.core.errors import VendorValidationError
from tasks import limits
from tasks.ops_batch import Item, OpsBatch, refusals

Send = Callable[[Sequence[dict[str, Any]]], object]


def write_objects(batch: OpsBatch) -> None:
    by_type: dict[str, list[tuple[Item, dict[str, Any]]]] = {}
    for item in batch.items:
        try:
            parsed = objects.record_of(item.body)
        except ValueError as exc:
            batch.refuse(refusals([item], "invalid_parameter", str(exc)))
            continue
        by_type.setdefault(parsed.object_type, []).append((item, parsed.record))
    for object_type, pairs in by_type.items():
        send = partial(objects.upsert, batch.api, object_type)
        _in_batches(batch, pairs, send, objects.RECORDS_PER_CALL, objects.MAX_BODY_BYTES)


def write_orders(batch: OpsBatch) -> None:
    pairs = _checked(batch, orders.order_of)
    send = partial(orders.send_batch, batch.api)
    _in_batches(batch, pairs, send, orders.ORDERS_PER_CALL, orders.MAX_BODY_BYTES)


def write_products(batch: OpsBatch) -> None:
    pairs = _checked(batch, products.product_of)
    send = partial(products.send_batch, batch.api)
    _in_batches(batch, pairs, send, products.PRODUCTS_PER_CALL, products.MAX_BODY_BYTES)


def _checked(
    batch: OpsBatch, check: Callable[[dict[str, Any]], dict[str, Any]]
) -> list[tuple[Item, dict[str, Any]]]:
    """Each item with its checked body; an item whose body fails the check is refused."""
    pairs: list[tuple[Item, dict[str, Any]]] = []
    for item in batch.items:
        try:
            pairs.append((item, check(item.body)))
        except ValueError as exc:
            batch.refuse(refusals([item], "invalid_parameter", str(exc)))
    return pairs


def _in_batches(
    batch: OpsBatch,
    pairs: Sequence[tuple[Item, dict[str, Any]]],
    send: Send,
    max_items: int,
    max_bytes: int,
) -> None:
    bucket = limits.brevo_other_bucket(batch.settings)
    bodies = [body for _, body in pairs]
    for chunk in chunk_items(bodies, max_items=max_items, max_bytes=max_bytes):
        members = [pairs[i][0] for i in chunk.indices]
        if chunk.oversize:
            message = f"the record is over Brevo's {max_bytes}-byte request limit"
            batch.refuse(refusals(members, "payload_too_large", message))
            continue
        try:
            batch.meter(bucket, partial(send, [bodies[i] for i in chunk.indices]))
        except VendorValidationError as exc:
            batch.refuse(refusals(members, exc.code or "invalid_parameter", exc.detail))
            continue
        batch.accept(members)
