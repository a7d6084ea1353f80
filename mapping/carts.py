"""Shopify abandoned checkouts (carts) -> a `cart_abandoned` Brevo event per cart.

The event carries what a recovery email needs: the recovery URL Shopify made for the checkout
(`abandoned_checkout_url`, GraphQL `abandonedCheckoutUrl`), the total and currency, and the
line items (product, variant, title, quantity, price, sku), as event properties Brevo templates
can loop over (https://developers.brevo.com/docs/track-events). The contact is the customer's
(`shopify:customers:<id>`), else the checkout's email or phone.

A checkout that was completed is no longer abandoned: it maps to nothing. The event is keyed by
the cart, so the write ledger sends it once; a cart that changes later (more items, a new total)
is reported again with its new contents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mapping.commerce import (
    CREATED,
    DEFAULT_CUSTOMER_PREFIX,
    LINES,
    UPDATED,
    amount,
    contact_identifiers,
    currency,
    first,
    line_items,
    moment,
    paths,
    text_at,
)
from mapping.operations import BrevoOperation

CART_ABANDONED: Final = "cart_abandoned"

_COMPLETED = paths("completed_at", "completedAt")
_RECOVERY_URL = paths("abandoned_checkout_url", "abandonedCheckoutUrl")
_TITLE = paths("title", "name")
_SKU = paths("sku", "variant.sku")


@dataclass(frozen=True, slots=True)
class CartAbandonedEvent:
    """A record part for Shopify abandoned checkouts."""

    event_name: str = CART_ABANDONED
    customer_prefix: str = DEFAULT_CUSTOMER_PREFIX

    def describe(self) -> object:
        return {
            "part": "cart_abandoned",
            "event": self.event_name,
            "customer": self.customer_prefix,
        }

    def operations(self, record: Mapping[str, object], source_id: str) -> list[BrevoOperation]:
        if first(record, _COMPLETED) is not None:
            return []
        properties: dict[str, Any] = {
            "cart_id": source_id,
            "amount": amount(record),
            "items": _items(record),
        }
        for key, value in (
            ("recovery_url", text_at(record, _RECOVERY_URL)),
            ("currency", currency(record)),
        ):
            if value is not None:
                properties[key] = value
        body: dict[str, Any] = {
            "event_name": self.event_name,
            "identifiers": contact_identifiers(record, self.customer_prefix),
            "event_date": moment(record, UPDATED, required=False)
            or moment(record, CREATED, required=True),
            "event_properties": properties,
        }
        key = f"event:{self.event_name}:shopify:carts:{source_id}"
        return [BrevoOperation("event.track", key, source_id, body)]


def _items(record: Mapping[str, object]) -> list[dict[str, Any]]:
    """The line items as Brevo products, each with its title and sku where the cart has them."""
    products = line_items(record)
    lines = first(record, LINES)
    raw = lines if isinstance(lines, list) else []
    items: list[dict[str, Any]] = []
    for product, line in zip(products, raw, strict=False):
        if isinstance(line, Mapping) and isinstance(line.get("node"), Mapping):
            line = line["node"]
        item = dict(product)
        for key, candidates in (("title", _TITLE), ("sku", _SKU)):
            value = text_at(line, candidates)
            if value is not None:
                item[key] = value
        items.append(item)
    return items
