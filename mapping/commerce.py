"""Readers shared by the Shopify commerce mappings (orders, products, carts): each field is read
from the first of its spellings that is present, REST (`total_price`, `line_items`,
https://shopify.dev/docs/api/admin-rest/latest/resources/order) or GraphQL Admin
(`totalPriceSet.shopMoney.amount`, `lineItems.nodes`), and checked the way Brevo needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

from mapping.errors import MappingError, Reason
from mapping.identifiers import normalise_email, normalise_phone
from mapping.paths import ABSENT, SourcePath, parse_dotted
from mapping.previews import kind_of, preview
from mapping.record_ids import related_id
from mapping.transforms import TransformError, parse_timestamp, split_money
from mapping.values import MAX_TEXT_LENGTH, encodable

#: Line items per order or cart we send; Shopify caps an order far below this.
MAX_PRODUCTS: Final = 1000
#: The contacts the customers stream writes are keyed `shopify:customers:<customer id>`.
DEFAULT_CUSTOMER_PREFIX: Final = "shopify:customers:"


def paths(*texts: str) -> tuple[SourcePath, ...]:
    return tuple(parse_dotted(text) for text in texts)


CREATED: Final = paths("created_at", "createdAt")
UPDATED: Final = paths("updated_at", "updatedAt")
AMOUNT: Final = paths("total_price", "totalPriceSet.shopMoney", "totalPrice", "current_total_price")
CURRENCY: Final = paths("currency", "currencyCode", "totalPriceSet.shopMoney.currencyCode")
LINES: Final = paths("line_items", "lineItems.nodes", "lineItems.edges", "lineItems")
_CUSTOMER_ID: Final = paths("customer.id", "customer_id")
_EMAIL: Final = paths("email", "customer.email", "contact_email")
_PHONE: Final = paths("phone", "customer.phone", "billing_address.phone")


def first(record: object, candidates: tuple[SourcePath, ...]) -> object:
    """The value at the first of `candidates` that holds one (not absent, not null), else None."""
    for path in candidates:
        value = path.get(record)
        if value is not ABSENT and value is not None:
            return value
    return None


def moment(
    record: Mapping[str, object], candidates: tuple[SourcePath, ...], *, required: bool
) -> str | None:
    """A date and time as Brevo's e-commerce API writes them: UTC, `YYYY-MM-DDTHH:mm:ssZ`."""
    value = first(record, candidates)
    if value is None:
        if required:
            where = candidates[0].text
            raise MappingError(Reason.UNSUPPORTED_RECORD, f"has no {where}", where)
        return None
    try:
        parsed = parse_timestamp(value)
        if not isinstance(parsed, datetime):
            parsed = datetime(parsed.year, parsed.month, parsed.day, tzinfo=UTC)
        elif parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TransformError, OverflowError, ValueError):
        raise MappingError(
            Reason.TRANSFORM_FAILED,
            f"{candidates[0].text} = {preview(value)} is not a date and time",
            candidates[0].text,
        ) from None


def number(value: object, where: str) -> float:
    """A money string or number (`"19.90"`, `{"amount": "19.90"}`) as a number."""
    try:
        return float(split_money(value)[0])
    except TransformError as exc:
        raise MappingError(exc.reason, f"{where} {exc.problem}", where) from None


def amount(record: Mapping[str, object]) -> float:
    value = first(record, AMOUNT)
    if value is None:
        raise MappingError(Reason.UNSUPPORTED_RECORD, "has no total_price", "total_price")
    return number(value, "total_price")


def currency(record: Mapping[str, object]) -> str | None:
    value = first(record, CURRENCY)
    if isinstance(value, str) and len(value) == 3 and value.isascii() and value.isalpha():
        return value.upper()
    return None


def text_at(record: object, candidates: tuple[SourcePath, ...]) -> str | None:
    """Optional text: kept when it is plain text of a sane length, else left out."""
    value = first(record, candidates)
    if (
        isinstance(value, str)
        and value.strip()
        and len(value) <= MAX_TEXT_LENGTH
        and encodable(value)
    ):
        return value.strip()
    return None


def line_items(record: Mapping[str, object]) -> list[dict[str, Any]]:
    """The record's line items as Brevo products (`productId`, `quantity`, `price`,
    `variantId`); `MappingError` for lines Brevo could not take."""
    lines = first(record, LINES)
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
            "price": number(
                first(line, paths("price", "originalUnitPriceSet.shopMoney")) or 0,
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


def contact_identifiers(
    record: Mapping[str, object], customer_prefix: str = DEFAULT_CUSTOMER_PREFIX
) -> dict[str, str]:
    """Who the record belongs to in Brevo: the customer's contact (ext_id), else the email,
    else the phone; `missing_identifier` when it names none of them."""
    customer = related_id(first(record, _CUSTOMER_ID))
    if customer is not None:
        return {"ext_id": customer_prefix + customer}
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


def _none_if_absent(value: object) -> object:
    return None if value is ABSENT else value
