"""Shopify orders -> Brevo e-commerce orders (`order.upsert`) and an `order_placed` event.

One order of `POST /v3/orders/status/batch` (https://developers.brevo.com/reference/create-batch-order):
`id`, `createdAt`, `updatedAt` (UTC, `YYYY-MM-DDTHH:mm:ssZ`), `status`, `amount`, `products`
(`productId`, `quantity`, `price`, `variantId`), `identifiers`, and `billing`, `coupons`,
`metaInfo` when the order has them. Both Shopify spellings are read (see `mapping.commerce`).

The order is linked to the contact the customers stream writes (`ext_id`
`shopify:customers:<customer id>`), else to the order's email, else to its phone; an order with
none of them is `missing_identifier`, since Brevo could not attach it to anyone.

Brevo's e-commerce orders feed its revenue reports but trigger no automation; the
`order_placed` event (keyed by the order, so it is tracked once however often the order changes)
is what a workflow starts on (https://developers.brevo.com/docs/track-events).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mapping.commerce import (
    CREATED,
    DEFAULT_CUSTOMER_PREFIX,
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
from mapping.values import encodable

#: The event a new order is tracked as (the name the connector docs' webhooks use).
ORDER_PLACED: Final = "order_placed"

_NAME = paths("name")
_CANCELLED = paths("cancelled_at", "cancelledAt")
_FINANCIAL = paths("financial_status", "displayFinancialStatus")
_FULFILLMENT = paths("fulfillment_status", "displayFulfillmentStatus")
_BILLING = paths("billing_address", "billingAddress")
#: Brevo billing key -> the Shopify address fields it is read from (REST, GraphQL).
_BILLING_FIELDS: Final = {
    "address": paths("address1"),
    "city": paths("city"),
    "countryCode": paths("country_code", "countryCodeV2", "countryCode"),
    "country": paths("country"),
    "phone": paths("phone"),
    "postCode": paths("zip"),
    "region": paths("province", "province_code", "provinceCode"),
}


@dataclass(frozen=True, slots=True)
class OrderUpsert:
    """A record part for Shopify orders."""

    customer_prefix: str = DEFAULT_CUSTOMER_PREFIX

    def describe(self) -> object:
        return {"part": "order.upsert", "customer": self.customer_prefix, "shape": 1}

    def operations(self, record: Mapping[str, object], source_id: str) -> list[BrevoOperation]:
        created = moment(record, CREATED, required=True)
        body: dict[str, Any] = {
            "id": source_id,
            "createdAt": created,
            "updatedAt": moment(record, UPDATED, required=False) or created,
            "status": _status(record),
            "amount": amount(record),
            "products": line_items(record),
            "identifiers": contact_identifiers(record, self.customer_prefix),
        }
        billing = _billing(record)
        if billing:
            body["billing"] = billing
        coupons = _coupons(record)
        if coupons:
            body["coupons"] = coupons
        meta = {
            key: value
            for key, value in (
                ("order_name", text_at(record, _NAME)),
                ("currency", currency(record)),
            )
            if value is not None
        }
        if meta:
            body["metaInfo"] = meta
        return [BrevoOperation("order.upsert", f"shopify:orders:{source_id}", source_id, body)]


@dataclass(frozen=True, slots=True)
class OrderPlacedEvent:
    """A record part for Shopify orders: one `order_placed` event per order, ever (its ledger
    key is the order's, so later changes to the order send no second event)."""

    event_name: str = ORDER_PLACED
    customer_prefix: str = DEFAULT_CUSTOMER_PREFIX

    def describe(self) -> object:
        return {"part": "order_placed", "event": self.event_name, "customer": self.customer_prefix}

    def operations(self, record: Mapping[str, object], source_id: str) -> list[BrevoOperation]:
        properties: dict[str, Any] = {
            "order_id": source_id,
            "amount": amount(record),
            "items": len(line_items(record)),
        }
        for key, value in (("order_name", text_at(record, _NAME)), ("currency", currency(record))):
            if value is not None:
                properties[key] = value
        body: dict[str, Any] = {
            "event_name": self.event_name,
            "identifiers": contact_identifiers(record, self.customer_prefix),
            "event_date": moment(record, CREATED, required=True),
            "event_properties": properties,
        }
        key = f"event:{self.event_name}:shopify:orders:{source_id}"
        return [BrevoOperation("event.track", key, source_id, body)]


def _status(record: Mapping[str, object]) -> str:
    """Brevo's status is free text; the order's life in one word, worst news first."""
    if first(record, _CANCELLED) is not None:
        return "cancelled"
    financial = first(record, _FINANCIAL)
    financial = financial.lower() if isinstance(financial, str) else None
    if financial in ("refunded", "voided"):
        return financial
    fulfillment = first(record, _FULFILLMENT)
    if isinstance(fulfillment, str) and fulfillment.lower() == "fulfilled":
        return "completed"
    if financial is not None and financial.isascii() and financial.replace("_", "").isalpha():
        return financial
    return "pending"


def _billing(record: Mapping[str, object]) -> dict[str, str]:
    address = first(record, _BILLING)
    if not isinstance(address, Mapping):
        return {}
    billing: dict[str, str] = {}
    for key, candidates in _BILLING_FIELDS.items():
        value = text_at(address, candidates)
        if value is not None:
            billing[key] = value
    street2 = text_at(address, paths("address2"))
    if street2 and "address" in billing:
        billing["address"] = f"{billing['address']}, {street2}"
    return billing


def _coupons(record: Mapping[str, object]) -> list[str]:
    codes = first(record, paths("discount_codes", "discountCodes"))
    if not isinstance(codes, list):
        return []
    found: list[str] = []
    for code in codes:
        text = code.get("code") if isinstance(code, Mapping) else code
        if isinstance(text, str) and text.strip() and encodable(text) and len(text) <= 255:
            found.append(text.strip())
    return found
