"""Webhook bodies: Shopify sends the REST Admin API's resource JSON, not the GraphQL shape.

snake_case keys, numeric ids (plus `admin_graphql_api_id`), prices as two-decimal strings,
`orders_count`/`total_spent` on customers, lowercase enum values.
https://shopify.dev/docs/api/webhooks?reference=toml (payload examples per topic)
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.shopify.gids import parse_gid
from sandbox.shopify.nested import Lazy, NestedList

Record = dict[str, Any]


def _numeric(gid_text: object) -> int | None:
    parsed = parse_gid(gid_text)
    return None if parsed is None else parsed[1]


def _price(money: object) -> object:
    """`{"shopMoney": {"amount": "12.5"}}` -> `"12.50"`; a broken amount is passed on as is."""
    amount = money.get("shopMoney", money) if isinstance(money, dict) else None
    raw = amount.get("amount") if isinstance(amount, dict) else None
    if not isinstance(raw, str):
        return raw
    try:
        return f"{Decimal(raw):.2f}"
    except InvalidOperation:
        return raw


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _resolve(value: object) -> Any:
    return value() if isinstance(value, Lazy) else value


def _items(value: object) -> list[Record]:
    return value.items if isinstance(value, NestedList) else []


def customer_body(record: Record) -> Record:
    address = record.get("defaultAddress") or None
    rest_address = None
    if isinstance(address, dict):
        rest_address = {
            "id": _numeric(address.get("id")),
            "customer_id": _numeric(record.get("id")),
            "first_name": address.get("firstName"),
            "last_name": address.get("lastName"),
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "province": address.get("province"),
            "country": address.get("country"),
            "zip": address.get("zip"),
            "phone": address.get("phone"),
            "name": address.get("name"),
            "country_code": address.get("countryCodeV2"),
            "default": True,
        }
    email_consent = record.get("emailMarketingConsent")
    sms_consent = record.get("smsMarketingConsent")
    last_order = record.get("lastOrder")
    spent = record.get("amountSpent")
    return {
        "id": _numeric(record.get("id")),
        "email": record.get("email"),
        "created_at": record.get("createdAt"),
        "updated_at": record.get("updatedAt"),
        "first_name": record.get("firstName"),
        "last_name": record.get("lastName"),
        "orders_count": _count(record.get("numberOfOrders")),
        "state": _lower(record.get("state")),
        "total_spent": _price(spent),
        "last_order_id": _numeric(last_order.get("id")) if isinstance(last_order, dict) else None,
        "note": record.get("note"),
        "verified_email": record.get("verifiedEmail"),
        "multipass_identifier": None,
        "tax_exempt": record.get("taxExempt"),
        "tags": ", ".join(record.get("tags") or []),
        "last_order_name": last_order.get("name") if isinstance(last_order, dict) else None,
        "currency": spent.get("currencyCode") if isinstance(spent, dict) else None,
        "phone": record.get("phone"),
        "addresses": [rest_address] if rest_address else [],
        "tax_exemptions": [],
        "email_marketing_consent": (
            {
                "state": _lower(email_consent.get("marketingState")),
                "opt_in_level": _lower(email_consent.get("marketingOptInLevel")),
                "consent_updated_at": email_consent.get("consentUpdatedAt"),
            }
            if isinstance(email_consent, dict)
            else None
        ),
        "sms_marketing_consent": (
            {
                "state": _lower(sms_consent.get("marketingState")),
                "opt_in_level": _lower(sms_consent.get("marketingOptInLevel")),
                "consent_updated_at": sms_consent.get("consentUpdatedAt"),
                "consent_collected_from": sms_consent.get("consentCollectedFrom"),
            }
            if isinstance(sms_consent, dict)
            else None
        ),
        "admin_graphql_api_id": record.get("id"),
        "default_address": rest_address,
    }


def _count(value: object) -> object:
    return int(value) if isinstance(value, str) and value.isdigit() else value


def _line_items(record: Record) -> list[Record]:
    lines = []
    for item in _items(record.get("lineItems")):
        variant, product = item.get("variant") or {}, item.get("product") or {}
        lines.append(
            {
                "id": _numeric(item.get("id")),
                "admin_graphql_api_id": item.get("id"),
                "title": item.get("title"),
                "quantity": item.get("quantity"),
                "sku": item.get("sku"),
                "variant_id": _numeric(variant.get("id")),
                "product_id": _numeric(product.get("id")),
                "price": _price(item.get("originalUnitPriceSet")),
            }
        )
    return lines


def _customer_summary(value: object) -> Record | None:
    customer = _resolve(value)
    if not isinstance(customer, dict):
        return None
    return {
        "id": _numeric(customer.get("id")),
        "email": customer.get("email"),
        "first_name": customer.get("firstName"),
        "last_name": customer.get("lastName"),
        "phone": customer.get("phone"),
        "state": _lower(customer.get("state")),
        "admin_graphql_api_id": customer.get("id"),
    }


def order_body(record: Record) -> Record:
    order_id = _numeric(record.get("id"))
    fulfillment = record.get("displayFulfillmentStatus")
    return {
        "id": order_id,
        "admin_graphql_api_id": record.get("id"),
        "name": record.get("name"),
        "order_number": None if order_id is None else 1000 + order_id,
        "email": record.get("email"),
        "phone": record.get("phone"),
        "created_at": record.get("createdAt"),
        "updated_at": record.get("updatedAt"),
        "processed_at": record.get("processedAt"),
        "cancelled_at": record.get("cancelledAt"),
        "financial_status": _lower(record.get("displayFinancialStatus")),
        "fulfillment_status": "fulfilled" if fulfillment == "FULFILLED" else None,
        "currency": record.get("currencyCode"),
        "total_price": _price(record.get("totalPriceSet")),
        "subtotal_price": _price(record.get("subtotalPriceSet")),
        "customer": _customer_summary(record.get("customer")),
        "line_items": _line_items(record),
    }


def product_body(record: Record) -> Record:
    product_id = _numeric(record.get("id"))
    image = record.get("featuredImage")
    return {
        "id": product_id,
        "admin_graphql_api_id": record.get("id"),
        "title": record.get("title"),
        "handle": record.get("handle"),
        "status": _lower(record.get("status")),
        "vendor": record.get("vendor"),
        "product_type": record.get("productType"),
        "body_html": record.get("descriptionHtml"),
        "created_at": record.get("createdAt"),
        "updated_at": record.get("updatedAt"),
        "tags": ", ".join(record.get("tags") or []),
        "variants": [
            {
                "id": _numeric(variant.get("id")),
                "product_id": product_id,
                "title": variant.get("title"),
                "sku": variant.get("sku"),
                "price": variant.get("price"),
                "admin_graphql_api_id": variant.get("id"),
            }
            for variant in _items(record.get("variants"))
        ],
        "image": {"src": image.get("url")} if isinstance(image, dict) else None,
    }


def checkout_body(record: Record) -> Record:
    customer = _customer_summary(record.get("customer"))
    return {
        "id": _numeric(record.get("id")),
        "token": record.get("_token"),
        "email": None if customer is None else customer.get("email"),
        "created_at": record.get("createdAt"),
        "updated_at": record.get("updatedAt"),
        "completed_at": record.get("completedAt"),
        "abandoned_checkout_url": record.get("abandonedCheckoutUrl"),
        "currency": "EUR",
        "total_price": _price(record.get("totalPriceSet")),
        "subtotal_price": _price(record.get("subtotalPriceSet")),
        "customer": customer,
        "line_items": _line_items(record),
    }
