"""Shopify records in one documented shape per resource, whichever API they came from.

A record is read from the GraphQL Admin API (camelCase, gids, MoneyV2, enums in capitals) or
arrives as a REST-shaped webhook body (snake_case, numeric ids, money strings, lower-case
states). Both are presented by the same function into the same record, so a mapping reads
them identically and both spellings of the connector docs' `field_mapping` work:

- ids are numeric strings taken from the gid (`gid://shopify/Customer/207119551` ->
  `"207119551"`), for the record and every related record (customer, product, variant);
  the gid itself is kept as `admin_graphql_api_id`, as REST bodies carry it;
- timestamps are UTC RFC 3339 with a `Z` (`2024-03-13T16:09:54Z`), so two of them compare as
  text, whatever offset the shop's REST bodies used;
- money is the amount as Shopify writes it, a decimal string (`"199.65"`), with `currency`;
- tags are a list of strings (REST sends one comma-separated string);
- enum-like states are lower case, as REST spells them (`subscribed`, `paid`, `active`).

Customers (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Customer):
  `id`, `admin_graphql_api_id`, `email`, `phone`, `first_name`/`firstName`,
  `last_name`/`lastName`, `state`, `verified_email`/`verifiedEmail`, `note`, `locale`, `tags`,
  `total_spent`/`totalSpent` (amount string) and `amountSpent` (`{amount, currencyCode}`),
  `currency`, `orders_count`/`numberOfOrders`/`totalOrders` (int), `last_order_id`,
  `last_order_name`, `last_order_date`/`lastOrderDate`, `created_at`/`createdAt`,
  `updated_at`/`updatedAt`, `email_marketing_consent` and `sms_marketing_consent`
  (`{state, opt_in_level, consent_updated_at}`, SMS also `consent_collected_from`) with their
  GraphQL twins `emailMarketingConsent`/`smsMarketingConsent`
  (`{marketingState, marketingOptInLevel, consentUpdatedAt}`, capitals as GraphQL writes them),
  `default_address` (REST keys: `address1`, `city`, `province_code`, `country_code`, `zip`...)
  and `defaultAddress` (GraphQL keys: `provinceCode`, `countryCodeV2`...).
Orders (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Order):
  `id`, `admin_graphql_api_id`, `name`, `email`, `phone`, `created_at`, `updated_at`,
  `processed_at`, `cancelled_at`, `closed_at` (and `createdAt`/`updatedAt`),
  `financial_status`, `fulfillment_status` (REST values: `paid`, `fulfilled`, `partial`, None
  while unfulfilled), `total_price`, `subtotal_price`, `currency`, `tags`,
  `discount_codes` (`[{code}]`), `billing_address` (REST keys), `customer`
  (`{id, email, first_name, last_name, phone}` or None) and `line_items`
  (`[{id, product_id, variant_id, title, sku, quantity, price}]`).
Products (https://shopify.dev/docs/api/admin-graphql/2025-01/objects/Product):
  `id`, `admin_graphql_api_id`, `title`, `handle`, `status`, `vendor`, `product_type`, `tags`,
  `url`, `image_url`, `min_price`, `max_price`, `currency`, `created_at`, `updated_at`,
  `published_at` (and `createdAt`/`updatedAt`).
Carts, Shopify's abandoned checkouts
(https://shopify.dev/docs/api/admin-graphql/2025-01/objects/AbandonedCheckout):
  `id`, `admin_graphql_api_id`, `name`, `email`, `phone` (the checkout's, else its customer's),
  `abandoned_checkout_url` (the recovery URL; `recovery_url` and `abandonedCheckoutUrl` too),
  `created_at`, `updated_at`, `completed_at`, `total_price`, `subtotal_price`, `currency`,
  `discount_codes`, `billing_address`, `customer` and `line_items`, shaped as on orders.

Bad vendor data never raises here: a value of the wrong type is passed on as it came (an email
that is a number stays a number), for the mapper to report and dead-letter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Final

from connectors.core.records import Record

GID_PREFIX: Final = "gid://shopify/"
#: The key a record that was not even an object is passed on under.
MALFORMED: Final = "_malformed"


def numeric_id(value: object) -> str | None:
    """The numeric id of a gid (`gid://shopify/Order/5` -> `"5"`), an int or a digit string;
    None for anything else. A gid may carry a query (`.../Checkout/5?key=...`): it is dropped."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if value >= 0 else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith(GID_PREFIX):
        text = text.rsplit("/", 1)[-1].split("?", 1)[0]
    return text if text.isascii() and text.isdigit() else None


def gid(node_type: str, object_id: str) -> str:
    """The GraphQL id of a numeric id: `gid("Customer", "5")` -> `gid://shopify/Customer/5`."""
    return f"{GID_PREFIX}{node_type}/{object_id}"


def utc_timestamp(value: object) -> object:
    """An RFC 3339 timestamp in UTC with `Z`; None stays None, anything unreadable as it came."""
    if not isinstance(value, str) or not value.strip():
        return value if value != "" else None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    pattern = "%Y-%m-%dT%H:%M:%S.%fZ" if parsed.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return parsed.strftime(pattern)


def _pick(raw: Mapping[str, Any], *keys: str) -> Any:
    """The first of `keys` that `raw` holds with a value other than None."""
    for key in keys:
        value = raw.get(key)
        if value is not None:
            return value
    return None


def _path(raw: object, *keys: str) -> Any:
    for key in keys:
        if not isinstance(raw, Mapping):
            return None
        raw = raw.get(key)
    return raw


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _upper(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


def _count(value: object) -> object:
    """GraphQL writes UnsignedInt64 as a string ("5"); REST as a number."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return value


def _tags(value: object) -> object:
    if value is None:
        return []
    if isinstance(value, str):
        return [tag.strip() for tag in value.split(",") if tag.strip()]
    if isinstance(value, list) and all(isinstance(tag, str) for tag in value):
        return [tag.strip() for tag in value if tag.strip()]
    return value


def _related_id(value: object) -> object:
    """A related record's id: numeric from a gid or an int, else as it came."""
    found = numeric_id(value)
    return found if found is not None else value


def _own_gid(raw: Mapping[str, Any], node_type: str, record_id: object) -> str | None:
    given = raw.get("admin_graphql_api_id")
    if isinstance(given, str) and given:
        return given
    raw_id = raw.get("id")
    if isinstance(raw_id, str) and raw_id.startswith(GID_PREFIX):
        return raw_id
    return gid(node_type, record_id) if isinstance(record_id, str) else None


def _money(raw: Mapping[str, Any], rest_key: str, gql_key: str) -> tuple[object, object]:
    """(amount, currency) from REST `total_price` + `currency` or GraphQL `totalPriceSet`
    (MoneyBag: `shopMoney`) / `amountSpent` (MoneyV2)."""
    bag = raw.get(gql_key)
    money = bag.get("shopMoney", bag) if isinstance(bag, Mapping) else None
    if isinstance(money, Mapping):
        return money.get("amount"), money.get("currencyCode")
    return raw.get(rest_key), None


_ADDRESS_KEYS: Final = (
    # (REST key, GraphQL key)
    ("first_name", "firstName"),
    ("last_name", "lastName"),
    ("company", "company"),
    ("address1", "address1"),
    ("address2", "address2"),
    ("city", "city"),
    ("province", "province"),
    ("province_code", "provinceCode"),
    ("country", "country"),
    ("country_code", "countryCodeV2"),
    ("zip", "zip"),
    ("phone", "phone"),
)


def _address(value: object) -> tuple[object, object]:
    """(REST-keyed, GraphQL-keyed) copies of a mailing address; a non-object passes as is."""
    if value is None or not isinstance(value, Mapping):
        return value, value
    canonical = {rest: _pick(value, rest, gql) for rest, gql in _ADDRESS_KEYS}
    if canonical["country_code"] is None:
        canonical["country_code"] = value.get("countryCode")
    return canonical, {gql: canonical[rest] for rest, gql in _ADDRESS_KEYS}


def _consent(rest: object, gql: object, *, sms: bool) -> tuple[object, object]:
    """(REST, GraphQL) spellings of one channel's marketing consent."""
    if isinstance(gql, Mapping):
        state = _lower(gql.get("marketingState"))
        level = _lower(gql.get("marketingOptInLevel"))
        updated = gql.get("consentUpdatedAt")
        collected = gql.get("consentCollectedFrom")
    elif isinstance(rest, Mapping):
        state = _lower(rest.get("state"))
        level = _lower(rest.get("opt_in_level"))
        updated = rest.get("consent_updated_at")
        collected = rest.get("consent_collected_from")
    else:
        odd = gql if gql is not None else rest
        return odd, odd
    snake: dict[str, Any] = {
        "state": state,
        "opt_in_level": level,
        "consent_updated_at": utc_timestamp(updated),
    }
    camel: dict[str, Any] = {
        "marketingState": _upper(state),
        "marketingOptInLevel": _upper(level),
        "consentUpdatedAt": snake["consent_updated_at"],
    }
    if sms:
        snake["consent_collected_from"] = _upper(collected)
        camel["consentCollectedFrom"] = _upper(collected)
    return snake, camel


def _nodes(value: object) -> object:
    """The items of a GraphQL connection (`nodes` or `edges[].node`), a REST list, or the
    value as it came when it is neither."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        if isinstance(value.get("nodes"), list):
            return value["nodes"]
        edges = value.get("edges")
        if isinstance(edges, list):
            return [edge.get("node") if isinstance(edge, Mapping) else edge for edge in edges]
    return value


def _line_item(raw: object) -> object:
    if not isinstance(raw, Mapping):
        return raw
    price, _ = _money(raw, "price", "originalUnitPriceSet")
    return {
        "id": _related_id(raw.get("id")),
        "product_id": _related_id(_pick(raw, "product_id") or _path(raw, "product", "id")),
        "variant_id": _related_id(_pick(raw, "variant_id") or _path(raw, "variant", "id")),
        "title": raw.get("title"),
        "sku": raw.get("sku"),
        "quantity": raw.get("quantity"),
        "price": price,
    }


def _line_items(raw: Mapping[str, Any]) -> object:
    items = _nodes(_pick(raw, "line_items", "lineItems"))
    return [_line_item(item) for item in items] if isinstance(items, list) else items


def _customer_ref(value: object) -> object:
    if not isinstance(value, Mapping):
        return value
    return {
        "id": _related_id(value.get("id")),
        "email": value.get("email"),
        "first_name": _pick(value, "first_name", "firstName"),
        "last_name": _pick(value, "last_name", "lastName"),
        "phone": value.get("phone"),
    }


def _discount_codes(value: object) -> object:
    if value is None:
        return []
    if not isinstance(value, list):
        return value
    return [{"code": code} if isinstance(code, str) else code for code in value]


def _base(raw: Mapping[str, Any], node_type: str) -> Record:
    record_id = _related_id(raw.get("id"))
    created = utc_timestamp(_pick(raw, "created_at", "createdAt"))
    updated = utc_timestamp(_pick(raw, "updated_at", "updatedAt"))
    return {
        "id": record_id,
        "admin_graphql_api_id": _own_gid(raw, node_type, record_id),
        "created_at": created,
        "updated_at": updated,
        "createdAt": created,
        "updatedAt": updated,
    }


def present_customer(raw: Mapping[str, Any]) -> Record:
    """A customer from GraphQL or a REST body, in the documented shape (module docstring)."""
    record = _base(raw, "Customer")
    amount, currency = _money(raw, "total_spent", "amountSpent")
    if amount is None:
        amount = raw.get("totalSpent")
    currency = currency if currency is not None else raw.get("currency")
    orders = _count(_pick(raw, "orders_count", "numberOfOrders"))
    last_order = raw.get("lastOrder")
    last_order = last_order if isinstance(last_order, Mapping) else {}
    last_order_date = utc_timestamp(
        _pick(raw, "last_order_date", "lastOrderDate") or last_order.get("createdAt")
    )
    email_consent, email_consent_gql = _consent(
        raw.get("email_marketing_consent"), raw.get("emailMarketingConsent"), sms=False
    )
    sms_consent, sms_consent_gql = _consent(
        raw.get("sms_marketing_consent"), raw.get("smsMarketingConsent"), sms=True
    )
    address, address_gql = _address(_pick(raw, "default_address", "defaultAddress"))
    first_name = _pick(raw, "first_name", "firstName")
    last_name = _pick(raw, "last_name", "lastName")
    verified = _pick(raw, "verified_email", "verifiedEmail")
    record.update(
        {
            "email": raw.get("email"),
            "phone": raw.get("phone"),
            "first_name": first_name,
            "last_name": last_name,
            "firstName": first_name,
            "lastName": last_name,
            "state": _lower(raw.get("state")),
            "verified_email": verified,
            "verifiedEmail": verified,
            "note": raw.get("note"),
            "locale": raw.get("locale"),
            "tags": _tags(raw.get("tags")),
            "total_spent": amount,
            "totalSpent": amount,
            "amountSpent": {"amount": amount, "currencyCode": currency},
            "currency": currency,
            "orders_count": orders,
            "numberOfOrders": orders,
            "totalOrders": orders,
            "last_order_id": _related_id(_pick(raw, "last_order_id") or last_order.get("id")),
            "last_order_name": _pick(raw, "last_order_name") or last_order.get("name"),
            "last_order_date": last_order_date,
            "lastOrderDate": last_order_date,
            "email_marketing_consent": email_consent,
            "emailMarketingConsent": email_consent_gql,
            "sms_marketing_consent": sms_consent,
            "smsMarketingConsent": sms_consent_gql,
            "default_address": address,
            "defaultAddress": address_gql,
        }
    )
    return record


#: GraphQL's display enums -> the REST values (REST leaves an unfulfilled order at None).
_FULFILLMENT: Final[Mapping[str, str | None]] = {
    "unfulfilled": None,
    "partially_fulfilled": "partial",
}


def _fulfillment(raw: Mapping[str, Any]) -> object:
    if "fulfillment_status" in raw:
        return _lower(raw.get("fulfillment_status"))
    value = _lower(raw.get("displayFulfillmentStatus"))
    return _FULFILLMENT.get(value, value) if isinstance(value, str) else value


def _checkout_parts(raw: Mapping[str, Any], record: Record) -> None:
    """What orders and carts share: money, customer, addresses, codes and line items."""
    total, currency = _money(raw, "total_price", "totalPriceSet")
    subtotal, _ = _money(raw, "subtotal_price", "subtotalPriceSet")
    address, _ = _address(_pick(raw, "billing_address", "billingAddress"))
    record.update(
        {
            "total_price": total,
            "subtotal_price": subtotal,
            "currency": _pick(raw, "currency", "currencyCode") or currency,
            "customer": _customer_ref(raw.get("customer")),
            "billing_address": address,
            "discount_codes": _discount_codes(_pick(raw, "discount_codes", "discountCodes")),
            "line_items": _line_items(raw),
        }
    )


def present_order(raw: Mapping[str, Any]) -> Record:
    """An order from GraphQL or a REST body, in the documented shape (module docstring)."""
    record = _base(raw, "Order")
    record.update(
        {
            "name": raw.get("name"),
            "email": raw.get("email"),
            "phone": raw.get("phone"),
            "processed_at": utc_timestamp(_pick(raw, "processed_at", "processedAt")),
            "cancelled_at": utc_timestamp(_pick(raw, "cancelled_at", "cancelledAt")),
            "closed_at": utc_timestamp(_pick(raw, "closed_at", "closedAt")),
            "financial_status": _lower(_pick(raw, "financial_status", "displayFinancialStatus")),
            "fulfillment_status": _fulfillment(raw),
            "tags": _tags(raw.get("tags")),
        }
    )
    _checkout_parts(raw, record)
    return record


def present_product(raw: Mapping[str, Any]) -> Record:
    """A product from GraphQL or a REST body, in the documented shape (module docstring)."""
    record = _base(raw, "Product")
    low, currency = _money(_path(raw, "priceRangeV2") or {}, "", "minVariantPrice")
    high, _ = _money(_path(raw, "priceRangeV2") or {}, "", "maxVariantPrice")
    variants = _nodes(raw.get("variants"))
    if low is None and isinstance(variants, list):
        # REST bodies carry the variants' prices instead of a price range.
        prices = [v.get("price") for v in variants if isinstance(v, Mapping)]
        amounts = sorted((p for p in prices if isinstance(p, str)), key=_as_number)
        low, high = (amounts[0], amounts[-1]) if amounts else (None, None)
    image = _pick(raw, "featuredImage", "image")
    record.update(
        {
            "title": raw.get("title"),
            "handle": raw.get("handle"),
            "status": _lower(raw.get("status")),
            "vendor": raw.get("vendor"),
            "product_type": _pick(raw, "product_type", "productType"),
            "tags": _tags(raw.get("tags")),
            "url": _pick(raw, "url", "onlineStoreUrl"),
            "image_url": _pick(image, "url", "src") if isinstance(image, Mapping) else None,
            "min_price": low,
            "max_price": high,
            "currency": currency,
            "published_at": utc_timestamp(_pick(raw, "published_at", "publishedAt")),
        }
    )
    return record


def _as_number(amount: str) -> float:
    try:
        return float(amount)
    except ValueError:
        return float("inf")


def present_cart(raw: Mapping[str, Any]) -> Record:
    """An abandoned checkout from GraphQL or a REST `checkouts/*` body (module docstring)."""
    record = _base(raw, "AbandonedCheckout")
    _checkout_parts(raw, record)
    customer = record["customer"] if isinstance(record["customer"], Mapping) else {}
    url = _pick(raw, "abandoned_checkout_url", "abandonedCheckoutUrl")
    record.update(
        {
            "name": raw.get("name"),
            "email": _pick(raw, "email") or customer.get("email"),
            "phone": _pick(raw, "phone") or customer.get("phone"),
            "abandoned_checkout_url": url,
            "abandonedCheckoutUrl": url,
            "recovery_url": url,
            "completed_at": utc_timestamp(_pick(raw, "completed_at", "completedAt")),
        }
    )
    return record


Presenter = Callable[[Mapping[str, Any]], Record]

PRESENTERS: Final[Mapping[str, Presenter]] = {
    "customers": present_customer,
    "orders": present_order,
    "products": present_product,
    "carts": present_cart,
}


def present(resource: str, raw: object) -> Record:
    """One record of `resource` in its documented shape. A node that is not even an object is
    wrapped as `{"id": None, "_malformed": <it>}`, so the mapper dead-letters it."""
    if not isinstance(raw, Mapping):
        return {"id": None, MALFORMED: raw}
    return PRESENTERS[resource](raw)
