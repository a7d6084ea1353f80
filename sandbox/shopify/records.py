"""Records in the GraphQL Admin API's shape, rebuilt from (seed, id) whenever asked for.

Field names are Shopify's; nested connections are `NestedList`s. The mix is what a sync must
cope with: some customers without email or phone, mixed-case emails, accented names, consent in
every marketing state, cancelled and refunded orders, draft products without a store URL.
"""

from __future__ import annotations

import random
from typing import Any

from sandbox.common.timefmt import to_rfc3339
from sandbox.shopify.catalog import Catalog, LineSpec, mix, money_text
from sandbox.shopify.gids import gid
from sandbox.shopify.nested import Lazy, NestedList

Record = dict[str, Any]

SHOP_DOMAIN = "tajo-sandbox.myshopify.com"
SHOP_CURRENCY = "EUR"

FIRST_NAMES = (
    "José", "Zoë", "Jürgen", "Renée", "Núria", "Søren", "François", "Iñaki", "Chloé", "Björn",
    "Ana", "Liam", "Emma", "Noah", "Olivia", "Mateo", "Sofía", "Lukas", "Amélie", "Håkon",
)  # fmt: skip
LAST_NAMES = (
    "Müller", "García", "Lefèvre", "Núñez", "Dvořák", "Schäfer", "Peña", "Østergaard", "Smith",
    "Johnson", "Rossi", "Dubois", "Fernández", "Wójcik", "Martin", "O'Brien", "Weiß", "Costa",
)  # fmt: skip
ADDRESSES = (
    ("Paris", "France", "FR", "75001", "+33", "6"),
    ("Berlin", "Germany", "DE", "10115", "+49", "151"),
    ("Madrid", "Spain", "ES", "28013", "+34", "6"),
    ("London", "United Kingdom", "GB", "SW1A 1AA", "+44", "7700"),
    ("Lisbon", "Portugal", "PT", "1100-148", "+351", "91"),
    ("Amsterdam", "Netherlands", "NL", "1012 JS", "+31", "6"),
)
EMAIL_STATES = (
    ("SUBSCRIBED", "SINGLE_OPT_IN"),
    ("SUBSCRIBED", "CONFIRMED_OPT_IN"),
    ("NOT_SUBSCRIBED", "SINGLE_OPT_IN"),
    ("UNSUBSCRIBED", "SINGLE_OPT_IN"),
    ("PENDING", "CONFIRMED_OPT_IN"),
    ("NOT_SUBSCRIBED", "UNKNOWN"),
)
TAGS = ("vip", "newsletter", "wholesale", "returning", "b2b", "summer-sale")
LOCALES = ("fr", "de", "es", "en", "pt-PT", "nl")
PRODUCT_WORDS = ("Linen", "Wool", "Cotton", "Denim", "Leather", "Canvas", "Silk", "Cork")
PRODUCT_KINDS = ("Shirt", "Scarf", "Tote", "Jacket", "Cap", "Wallet", "Socks", "Apron")
VENDORS = ("Atelier Nord", "Casa Sur", "Tajo Goods", "Oeste & Co")


def money(cents: int) -> Record:
    return {"amount": money_text(cents), "currencyCode": SHOP_CURRENCY}


def money_bag(cents: int) -> Record:
    # The shop and the buyer pay in the same currency in this shop.
    return {"shopMoney": money(cents), "presentmentMoney": money(cents)}


def _names(seed: int, customer_id: int) -> tuple[random.Random, str, str]:
    rng = random.Random(mix(seed, 1, customer_id))
    return rng, rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def customer_email(seed: int, customer_id: int) -> str | None:
    """About 3% of customers have no email (phone-only or in-store buyers)."""
    if mix(seed, 2, customer_id) % 100 < 3:
        return None
    _, first, last = _names(seed, customer_id)
    local = f"{first}.{last}.{customer_id}".lower()
    ascii_local = local.encode("ascii", "ignore").decode().replace("'", "")
    domain = ("example.com", "example.org", "example.net")[customer_id % 3]
    address = f"{ascii_local}@{domain}"
    return address.capitalize() if customer_id % 17 == 0 else address


def customer_record(catalog: Catalog, customer_id: int, orders: list[Record]) -> Record:
    """`orders` are this customer's orders (oldest first), for the aggregates."""
    seed, timeline = catalog.seed, catalog.customer_timeline
    rng, first, last = _names(seed, customer_id)
    email = customer_email(seed, customer_id)
    city, country, country_code, zip_code, dial, mobile = rng.choice(ADDRESSES)
    has_phone = rng.random() < 0.4 or email is None
    phone = f"{dial}{mobile}{rng.randrange(10**7):07d}" if has_phone else None
    email_state, opt_in = rng.choice(EMAIL_STATES)
    created = to_rfc3339(timeline.created_epoch(customer_id))
    updated = to_rfc3339(timeline.update_epoch(customer_id))
    spent = sum(order["_totalCents"] for order in orders if order["cancelledAt"] is None)
    last_order = orders[-1] if orders else None
    return {
        "__typename": "Customer",
        "id": gid("Customer", customer_id),
        "legacyResourceId": str(customer_id),
        "firstName": first,
        "lastName": last,
        "displayName": f"{first} {last}",
        "email": email,
        "defaultEmailAddress": (
            None if email is None else {"emailAddress": email, "marketingState": email_state}
        ),
        "phone": phone,
        "numberOfOrders": str(len(orders)),
        "amountSpent": money(spent),
        "createdAt": created,
        "updatedAt": updated,
        "state": rng.choice(("ENABLED", "ENABLED", "DISABLED", "INVITED", "DECLINED")),
        "tags": sorted(rng.sample(TAGS, rng.randint(0, 2))),
        "locale": rng.choice(LOCALES),
        "note": None,
        "verifiedEmail": email is not None,
        "taxExempt": False,
        "emailMarketingConsent": (
            None
            if email is None
            else {
                "marketingState": email_state,
                "marketingOptInLevel": opt_in,
                "consentUpdatedAt": created if email_state != "NOT_SUBSCRIBED" else None,
            }
        ),
        "smsMarketingConsent": (
            None
            if phone is None
            else {
                "marketingState": rng.choice(("SUBSCRIBED", "NOT_SUBSCRIBED")),
                "marketingOptInLevel": "SINGLE_OPT_IN",
                "consentUpdatedAt": created,
                "consentCollectedFrom": "OTHER",
            }
        ),
        "defaultAddress": {
            "__typename": "MailingAddress",
            "id": gid("MailingAddress", customer_id),
            "address1": f"{rng.randint(1, 200)} Main Street",
            "address2": None,
            "city": city,
            "company": None,
            "country": country,
            "countryCodeV2": country_code,
            "firstName": first,
            "lastName": last,
            "name": f"{first} {last}",
            "phone": phone,
            "province": None,
            "provinceCode": None,
            "zip": zip_code,
        },
        "lastOrder": last_order,
        "orders": NestedList(orders),
    }


def line_item(spec: LineSpec, kind: str) -> Record:
    title = product_title(spec.product_id)
    return {
        "__typename": kind,
        "id": gid(kind, spec.line_id),
        "title": title,
        "name": title,
        "quantity": spec.quantity,
        "sku": f"SKU-{spec.variant_id}",
        "variant": {"__typename": "ProductVariant", "id": gid("ProductVariant", spec.variant_id)},
        "product": {"__typename": "Product", "id": gid("Product", spec.product_id)},
        "originalUnitPriceSet": money_bag(spec.unit_cents),
    }


def order_record(
    catalog: Catalog, order_id: int, email: str | None, customer: Lazy | None
) -> Record:
    """`customer` builds the owner's record when a query asks for it."""
    seed, timeline = catalog.seed, catalog.order_timeline
    specs = catalog.line_specs(1, order_id)
    subtotal = sum(spec.quantity * spec.unit_cents for spec in specs)
    total = catalog.total_cents(subtotal)
    created = to_rfc3339(timeline.created_epoch(order_id))
    cancelled = catalog.order_cancelled(order_id)
    roll = mix(seed, 41, order_id) % 100
    financial = "REFUNDED" if cancelled else ("PENDING" if roll < 5 else "PAID")
    fulfillment = "FULFILLED" if roll < 80 and not cancelled else "UNFULFILLED"
    lines = [line_item(spec, "LineItem") for spec in specs]
    return {
        "__typename": "Order",
        "id": gid("Order", order_id),
        "legacyResourceId": str(order_id),
        "name": f"#{1000 + order_id}",
        "email": email,
        "phone": None,
        "createdAt": created,
        "updatedAt": to_rfc3339(timeline.update_epoch(order_id)),
        "processedAt": created,
        "cancelledAt": (
            to_rfc3339(timeline.created_epoch(order_id) + 86_400) if cancelled else None
        ),
        "closed": fulfillment == "FULFILLED",
        "displayFinancialStatus": financial,
        "displayFulfillmentStatus": fulfillment,
        "currencyCode": SHOP_CURRENCY,
        "totalPriceSet": money_bag(total),
        "subtotalPriceSet": money_bag(subtotal),
        "customer": customer,
        "tags": [],
        "lineItems": NestedList(lines),
        "_totalCents": total,
    }


def product_title(product_id: int) -> str:
    word = PRODUCT_WORDS[product_id % len(PRODUCT_WORDS)]
    kind = PRODUCT_KINDS[(product_id // len(PRODUCT_WORDS)) % len(PRODUCT_KINDS)]
    return f"{word} {kind} {product_id}"


def product_record(catalog: Catalog, product_id: int) -> Record:
    seed, timeline = catalog.seed, catalog.product_timeline
    rng = random.Random(mix(seed, 50, product_id))
    title = product_title(product_id)
    handle = title.lower().replace(" ", "-")
    status = rng.choice(("ACTIVE",) * 17 + ("DRAFT", "DRAFT", "ARCHIVED"))
    variants = []
    for index in range(1, catalog.variant_count(product_id) + 1):
        variant_id = catalog.variant_id(product_id, index)
        variants.append(
            {
                "__typename": "ProductVariant",
                "id": gid("ProductVariant", variant_id),
                "title": ("S", "M", "L")[index - 1],
                "sku": f"SKU-{variant_id}",
                "price": money_text(catalog.unit_cents(product_id, index)),
                "product": {"__typename": "Product", "id": gid("Product", product_id)},
            }
        )
    cents = [catalog.unit_cents(product_id, i) for i in range(1, len(variants) + 1)]
    description = f"{title}, made to last. Care: wash cold."
    return {
        "__typename": "Product",
        "id": gid("Product", product_id),
        "legacyResourceId": str(product_id),
        "title": title,
        "handle": handle,
        "status": status,
        "vendor": rng.choice(VENDORS),
        "productType": PRODUCT_KINDS[(product_id // len(PRODUCT_WORDS)) % len(PRODUCT_KINDS)],
        "description": description,
        "descriptionHtml": f"<p>{description}</p>",
        "onlineStoreUrl": (
            f"https://{SHOP_DOMAIN}/products/{handle}" if status == "ACTIVE" else None
        ),
        "featuredImage": {
            "id": gid("ProductImage", product_id),
            "url": f"https://cdn.shopify.com/s/files/1/0000/0001/products/{handle}.jpg",
            "altText": title,
            "width": 1024,
            "height": 1024,
        },
        "createdAt": to_rfc3339(timeline.created_epoch(product_id)),
        "updatedAt": to_rfc3339(timeline.update_epoch(product_id)),
        "tags": sorted(rng.sample(TAGS, rng.randint(0, 2))),
        "totalInventory": rng.randint(0, 500),
        "priceRangeV2": {
            "minVariantPrice": money(min(cents)),
            "maxVariantPrice": money(max(cents)),
        },
        "variants": NestedList(variants),
    }


def checkout_record(catalog: Catalog, checkout_id: int, customer: Lazy | None) -> Record:
    seed, timeline = catalog.seed, catalog.checkout_timeline
    specs = catalog.line_specs(2, checkout_id)
    subtotal = sum(spec.quantity * spec.unit_cents for spec in specs)
    created_epoch = timeline.created_epoch(checkout_id)
    completed = mix(seed, 60, checkout_id) % 100 < 8
    token = f"{mix(seed, 61, checkout_id):016x}"
    return {
        "__typename": "AbandonedCheckout",
        "id": gid("AbandonedCheckout", checkout_id),
        "name": f"#{checkout_id}",
        "abandonedCheckoutUrl": (
            f"https://{SHOP_DOMAIN}/60000000/checkouts/ac/{token}/recover?key={token[:8]}"
        ),
        "createdAt": to_rfc3339(created_epoch),
        "updatedAt": to_rfc3339(timeline.update_epoch(checkout_id)),
        "completedAt": to_rfc3339(created_epoch + 3_600) if completed else None,
        "customer": customer,
        "totalPriceSet": money_bag(catalog.total_cents(subtotal)),
        "subtotalPriceSet": money_bag(subtotal),
        "lineItems": NestedList([line_item(spec, "AbandonedCheckoutLineItem") for spec in specs]),
        "_token": token,
    }
