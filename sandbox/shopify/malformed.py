"""Broken records for the malformed switch: the id stays, the contents do not.

GraphQL keeps names and nesting honest, so what breaks is what Shopify's custom scalars let
through and what merchants type: missing or invalid emails, unparseable phones, huge strings,
numbers where Shopify sends strings (`UnsignedInt64`, `Decimal`), garbled dates. Each one is a
record a mapper must dead-letter, never crash on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Record = dict[str, Any]

HUGE = "x" * 100_000


def _missing_email(record: Record) -> None:
    record["email"] = None
    if "defaultEmailAddress" in record:
        record["defaultEmailAddress"] = None


def _invalid_email(record: Record) -> None:
    record["email"] = "not-an-email@@example"
    if record.get("defaultEmailAddress"):
        record["defaultEmailAddress"] = {
            **record["defaultEmailAddress"],
            "emailAddress": "not-an-email@@example",
        }


def _bad_phone(record: Record) -> None:
    record["phone"] = "call me maybe"


def _huge_name(record: Record) -> None:
    key = "firstName" if "firstName" in record else ("title" if "title" in record else "name")
    record[key] = HUGE


def _numbers_as_numbers(record: Record) -> None:
    # Wrong JSON types: Shopify sends these as strings.
    if "numberOfOrders" in record:
        record["numberOfOrders"] = 7
    for key in ("amountSpent",):
        if isinstance(record.get(key), dict):
            record[key] = {**record[key], "amount": 12.5}
    for key in ("totalPriceSet", "subtotalPriceSet"):
        if isinstance(record.get(key), dict):
            record[key] = {**record[key], "shopMoney": {"amount": 99.99, "currencyCode": "EUR"}}


def _garbled_dates(record: Record) -> None:
    record["updatedAt"] = "yesterday-ish"
    record["createdAt"] = "0000-00-00"


CORRUPTIONS: tuple[Callable[[Record], None], ...] = (
    _missing_email,
    _invalid_email,
    _bad_phone,
    _huge_name,
    _numbers_as_numbers,
    _garbled_dates,
)


def corrupt(resource: str, record: Record, choice: int) -> None:
    """Apply one corruption, picked by `choice` (a per-record hash), in place."""
    candidates = CORRUPTIONS
    if resource == "products" or resource == "abandonedCheckouts":
        candidates = (_huge_name, _numbers_as_numbers, _garbled_dates)
    candidates[choice % len(candidates)](record)
