"""Shopify orders -> Brevo e-commerce orders (`order.upsert`).

One order of `POST /v3/orders/status/batch` (https://developers.brevo.com/reference/create-batch-order):
`id`, `createdAt`, `updatedAt` (UTC, `YYYY-MM-DDTHH:mm:ssZ`), `status`, `amount`, `products`
(`productId`, `quantity`, `price`, `variantId`), `identifiers`, and `billing`, `coupons`,
`metaInfo` when the order has them. Both Shopify spellings are read: REST (`total_price`,
`line_items`, https://shopify.dev/docs/api/admin-rest/latest/resources/order) and GraphQL Admin
(`totalPriceSet.shopMoney.amount`, `lineItems.nodes`).

The order is linked to the contact the customers stream writes (`ext_id`
`shopify:customers:<customer id>`), else to the order's email, else to its phone; an order with
none of them is `missing_identifier`, since Brevo could not attach it to anyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from mapping.errors import MappingError, Reason
from mapping.identifiers import normalise_email, normalise_phone
from mapping.operations import BrevoOperation
from mapping.paths import ABSENT, SourcePath, parse_dotted
from mapping.previews import kind_of, preview
from mapping.record_ids import related_id
from mapping.transforms import TransformError, parse_timestamp, split_money
from mapping.values import MAX_TEXT_LENGTH, encodable

DEFAULT_CUSTOMER_PREFIX: Final = "shopify:customers:"
#: Line items per order we send; Shopify caps an order far below this.
MAX_PRODUCTS: Final = 1000


def _paths(*texts: str) -> tuple[SourcePath, ...]:
    return tuple(parse_dotted(text) for text in texts)


_CREATED = _paths("created_at", "createdAt")
_UPDATED = _paths("updated_at", "updatedAt")
_AMOUNT = _paths("total_price", "totalPriceSet.shopMoney", "totalPrice", "current_total_price")
_CURRENCY = _paths("currency", "currencyCode", "totalPriceSet.shopMoney.currencyCode")
_NAME = _paths("name")
_CUSTOMER_ID = _paths("customer.id", "customer_id")
_EMAIL = _paths("email", "customer.email", "contact_email")
_PHONE = _paths("phone", "customer.phone", "billing_address.phone")
_CANCELLED = _paths("cancelled_at", "cancelledAt")
_FINANCIAL = _paths("financial_status", "displayFinancialStatus")
_FULFILLMENT = _paths("fulfillment_status", "displayFulfillmentStatus")
_LINES = _paths("line_items", "lineItems.nodes", "lineItems.edges", "lineItems")
_BILLING = _paths("billing_address", "billingAddress")
#: Brevo billing key -> the Shopify address fields it is read from (REST, GraphQL).
_BILLING_FIELDS: Final = {
    "address": _paths("address1"),
    "city": _paths("city"),
    "countryCode": _paths("country_code", "countryCodeV2", "countryCode"),
    "country": _paths("country"),
    "phone": _paths("phone"),
    "postCode": _paths("zip"),
    "region": _paths("province", "province_code", "provinceCode"),
}


@dataclass(frozen=True, slots=True)
class OrderUpsert:
    """A record part for Shopify orders."""

    customer_prefix: str = DEFAULT_CUSTOMER_PREFIX

    def describe(self) -> object:
        return {"part": "order.upsert", "customer": self.customer_prefix, "shape": 1}

    def operations(self, record: Mapping[str, object], source_id: str) -> list[BrevoOperation]:
        created = _moment(record, _CREATED, required=True)
        body: dict[str, Any] = {
            "id": source_id,
            "createdAt": created,
            "updatedAt": _moment(record, _UPDATED, required=False) or created,
            "status": _status(record),
            "amount": _amount(record),
            "products": _products(record),
            "identifiers": self._identifiers(record),
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
                ("order_name", _text_at(record, _NAME)),
                ("currency", _currency(record)),
            )
            if value is not None
        }
        if meta:
            body["metaInfo"] = meta
        return [BrevoOperation("order.upsert", f"shopify:orders:{source_id}", source_id, body)]

    def _identifiers(self, record: Mapping[str, object]) -> dict[str, str]:
        customer = related_id(_first(record, _CUSTOMER_ID))
        if customer is not None:
            return {"ext_id": self.customer_prefix + customer}
        for path in _EMAIL:
            try:
                email = normalise_email(_none_if_absent(path.get(record)), path=path.text)
            except MappingError:
                continue  # a bad email is no identifier; the phone may still be one
            if email is not None:
                return {"email_id": email}
        for path in _PHONE:
            try:
                phone = normalise_phone(_none_if_absent(path.get(record)), path=path.text)
            except MappingError:
                continue
            if phone is not None:
                return {"phone_id": phone}
        raise MappingError(
            Reason.MISSING_IDENTIFIER,
            "has no customer id, email or phone: Brevo could not attach it to a contact",
        )


def _first(record: object, paths: tuple[SourcePath, ...]) -> object:
    for path in paths:
        value = path.get(record)
        if value is not ABSENT and value is not None:
            return value
    return None


def _none_if_absent(value: object) -> object:
    return None if value is ABSENT else value


def _moment(
    record: Mapping[str, object], paths: tuple[SourcePath, ...], *, required: bool
) -> str | None:
    value = _first(record, paths)
    if value is None:
        if required:
            raise MappingError(Reason.UNSUPPORTED_RECORD, f"has no {paths[0].text}", paths[0].text)
        return None
    try:
        moment = parse_timestamp(value)
        if not isinstance(moment, datetime):
            moment = datetime(moment.year, moment.month, moment.day, tzinfo=UTC)
        elif moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TransformError, OverflowError, ValueError):
        raise MappingError(
            Reason.TRANSFORM_FAILED,
            f"{paths[0].text} = {preview(value)} is not a date and time",
            paths[0].text,
        ) from None


def _number(value: object, where: str) -> float:
    try:
        return float(split_money(value)[0])
    except TransformError as exc:
        raise MappingError(exc.reason, f"{where} {exc.problem}", where) from None


def _amount(record: Mapping[str, object]) -> float:
    value = _first(record, _AMOUNT)
    if value is None:
        raise MappingError(Reason.UNSUPPORTED_RECORD, "has no total_price", "total_price")
    return _number(value, "total_price")


def _currency(record: Mapping[str, object]) -> str | None:
    value = _first(record, _CURRENCY)
    if isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha():
        return value.upper()
    return None


def _status(record: Mapping[str, object]) -> str:
    """Brevo's status is free text; the order's life in one word, worst news first."""
    if _first(record, _CANCELLED) is not None:
        return "cancelled"
    financial = _first(record, _FINANCIAL)
    financial = financial.lower() if isinstance(financial, str) else None
    if financial in ("refunded", "voided"):
        return financial
    fulfillment = _first(record, _FULFILLMENT)
    if isinstance(fulfillment, str) and fulfillment.lower() == "fulfilled":
        return "completed"
    if financial is not None and financial.isascii() and financial.replace("_", "").isalpha():
        return financial
    return "pending"


def _products(record: Mapping[str, object]) -> list[dict[str, Any]]:
    lines = _first(record, _LINES)
    if lines is None:
        return []
    if not isinstance(lines, list):
        raise MappingError(
            Reason.TYPE_MISMATCH, f"line_items is a {kind_of(lines)}, not a list", "line_items"
        )
    if len(lines) > MAX_PRODUCTS:
        raise MappingError(
            Reason.PAYLOAD_TOO_LARGE,
            f"has {len(lines)} line items; the limit is {MAX_PRODUCTS}",
            "line_items",
        )
    products: list[dict[str, Any]] = []
    for index, line in enumerate(lines):
        if isinstance(line, Mapping) and isinstance(line.get("node"), Mapping):
            line = line["node"]  # GraphQL edges
        where = f"line_items[{index}]"
        if not isinstance(line, Mapping):
            raise MappingError(Reason.TYPE_MISMATCH, f"{where} is not an object", where)
        product = related_id(line.get("product_id")) or related_id(line.get("product"))
        product = product or related_id(line.get("id"))
        if product is None:
            raise MappingError(Reason.UNSUPPORTED_RECORD, f"{where} has no product id", where)
        item: dict[str, Any] = {
            "productId": product,
            "quantity": _quantity(line.get("quantity"), where),
            "price": _number(
                _first(line, _paths("price", "originalUnitPriceSet.shopMoney")) or 0,
                f"{where}.price",
            ),
        }
        variant = related_id(line.get("variant_id")) or related_id(line.get("variant"))
        if variant is not None:
            item["variantId"] = variant
        products.append(item)
    return products


def _quantity(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**9:
        raise MappingError(
            Reason.TYPE_MISMATCH,
            f"{where}.quantity = {preview(value)} is not a whole number",
            f"{where}.quantity",
        )
    return value


def _billing(record: Mapping[str, object]) -> dict[str, str]:
    address = _first(record, _BILLING)
    if not isinstance(address, Mapping):
        return {}
    billing: dict[str, str] = {}
    for key, paths in _BILLING_FIELDS.items():
        value = _text_at(address, paths)
        if value is not None:
            billing[key] = value
    street2 = _text_at(address, _paths("address2"))
    if street2 and "address" in billing:
        billing["address"] = f"{billing['address']}, {street2}"
    return billing


def _coupons(record: Mapping[str, object]) -> list[str]:
    codes = _first(record, _paths("discount_codes", "discountCodes"))
    if not isinstance(codes, list):
        return []
    found: list[str] = []
    for code in codes:
        text = code.get("code") if isinstance(code, Mapping) else code
        if isinstance(text, str) and text.strip() and encodable(text) and len(text) <= 255:
            found.append(text.strip())
    return found


def _text_at(record: object, paths: tuple[SourcePath, ...]) -> str | None:
    """Optional text: kept when it is plain text of a sane length, else left out."""
    value = _first(record, paths)
    if (
        isinstance(value, str)
        and value.strip()
        and len(value) <= MAX_TEXT_LENGTH
        and encodable(value)
    ):
        return value.strip()
    return None
