"""What we know about vendor fields, so the short form maps them with full normalisation.

`total_spent: TOTAL_SPENT` in a Shopify spec means "the money string `"199.00"` as a number":
the default transforms below are applied when a spec names the field without a `transform:`.
Keys are source paths as the vendor's API writes them; the values are transform names from
`mapping.transforms`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

_PIPEDRIVE_PERSONS: Final = {
    "add_time": ("date",),
    "update_time": ("date",),
    "total_revenue": ("money",),
}
# Shopify customers, REST (snake_case) and GraphQL Admin (camelCase) spellings.
# https://shopify.dev/docs/api/admin-rest/latest/resources/customer
# https://shopify.dev/docs/api/admin-graphql/latest/objects/Customer
_SHOPIFY_CUSTOMERS: Final = {
    "total_spent": ("money",),
    "totalSpent": ("money",),
    "amountSpent": ("money",),
    "orders_count": ("integer",),
    "totalOrders": ("integer",),
    "numberOfOrders": ("integer",),
    "created_at": ("date",),
    "updated_at": ("date",),
    "createdAt": ("date",),
    "updatedAt": ("date",),
    "last_order_date": ("date",),
    "lastOrderDate": ("date",),
    "verified_email": ("boolean",),
    "tags": ("multiple_choice",),
    "email_marketing_consent": ("marketing_consent",),
    "sms_marketing_consent": ("marketing_consent",),
    "email_marketing_consent.state": ("marketing_consent",),
    "sms_marketing_consent.state": ("marketing_consent",),
    "default_address.country_code": ("country",),
    "locale": ("locale",),
}

# Pipedrive deals and organizations (https://developers.pipedrive.com/docs/api/v1/Deals).
_PIPEDRIVE_DEALS: Final = {
    "value": ("money",),
    "add_time": ("date",),
    "update_time": ("date",),
    "close_time": ("date",),
    "won_time": ("date",),
    "lost_time": ("date",),
    "expected_close_date": ("date",),
}
_PIPEDRIVE_ORGANIZATIONS: Final = {
    "add_time": ("date",),
    "update_time": ("date",),
}

DEFAULT_TRANSFORMS: Final[Mapping[tuple[str, str], Mapping[str, tuple[str, ...]]]] = {
    ("pipedrive", "persons"): _PIPEDRIVE_PERSONS,
    ("pipedrive", "deals"): _PIPEDRIVE_DEALS,
    ("pipedrive", "organizations"): _PIPEDRIVE_ORGANIZATIONS,
    ("shopify", "customers"): _SHOPIFY_CUSTOMERS,
}


def default_transforms(vendor: str, resource: str, source: str) -> tuple[str, ...]:
    return DEFAULT_TRANSFORMS.get((vendor, resource), {}).get(source, ())
