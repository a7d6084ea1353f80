"""The shop's records by id, with run-time edits and malformed records applied on read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.shopify.catalog import Catalog, mix
from sandbox.shopify.gids import gid
from sandbox.shopify.malformed import corrupt
from sandbox.shopify.nested import Lazy
from sandbox.shopify.records import (
    Record,
    checkout_record,
    customer_email,
    customer_record,
    order_record,
    product_record,
)
from sandbox.shopify.timeline import Timeline

CUSTOMERS = "customers"
ORDERS = "orders"
PRODUCTS = "products"
CHECKOUTS = "abandonedCheckouts"
RESOURCES = (CUSTOMERS, ORDERS, PRODUCTS, CHECKOUTS)
GID_TYPES = {
    CUSTOMERS: "Customer",
    ORDERS: "Order",
    PRODUCTS: "Product",
    CHECKOUTS: "AbandonedCheckout",
}
RESOURCE_OF_GID_TYPE = {value: key for key, value in GID_TYPES.items()}


@dataclass
class Shop:
    """One consistent view of the data: the live one, or a bulk operation's snapshot."""

    catalog: Catalog
    edits: dict[tuple[str, int], dict[str, Any]]
    malformed_share: float = 0.0

    def frozen(self) -> Shop:
        edits = {key: dict(value) for key, value in self.edits.items()}
        return Shop(self.catalog.snapshot(), edits, self.malformed_share)

    def timeline(self, resource: str) -> Timeline:
        catalog = self.catalog
        return {
            CUSTOMERS: catalog.customer_timeline,
            ORDERS: catalog.order_timeline,
            PRODUCTS: catalog.product_timeline,
            CHECKOUTS: catalog.checkout_timeline,
        }[resource]

    def record(self, resource: str, record_id: int, extra_malformed: float = 0.0) -> Record | None:
        builders: dict[str, Callable[[int], Record | None]] = {
            CUSTOMERS: self._customer,
            ORDERS: self._order,
            PRODUCTS: self._product,
            CHECKOUTS: self._checkout,
        }
        if not self.timeline(resource).exists(record_id):
            return None
        record = builders[resource](record_id)
        if record is None:
            return None
        record.update(self.edits.get((resource, record_id), {}))
        share = max(self.malformed_share, extra_malformed)
        if share > 0 and mix(
            self.catalog.seed, 90, RESOURCES.index(resource), record_id
        ) % 10_000 < (share * 10_000):
            corrupt(resource, record, mix(self.catalog.seed, 91, record_id))
        return record

    def _lazy(self, resource: str, record_id: int) -> Lazy:
        known = {"__typename": GID_TYPES[resource], "id": gid(GID_TYPES[resource], record_id)}
        return Lazy(lambda: self.record(resource, record_id), known)

    def _customer(self, customer_id: int) -> Record:
        orders = [self._order_of(customer_id, o) for o in self.catalog.orders_of(customer_id)]
        return customer_record(self.catalog, customer_id, orders)

    def _order_of(self, customer_id: int, order_id: int) -> Record:
        record = order_record(
            self.catalog,
            order_id,
            self._owner_email(customer_id),
            self._lazy(CUSTOMERS, customer_id),
        )
        record.update(self.edits.get((ORDERS, order_id), {}))
        return record

    def _owner_email(self, customer_id: int) -> str | None:
        edited = self.edits.get((CUSTOMERS, customer_id), {})
        if "email" in edited:
            return edited["email"]  # type: ignore[no-any-return]
        return customer_email(self.catalog.seed, customer_id)

    def _order(self, order_id: int) -> Record:
        return self._order_of(self.catalog.order_owner(order_id), order_id)

    def _product(self, product_id: int) -> Record:
        return product_record(self.catalog, product_id)

    def _checkout(self, checkout_id: int) -> Record:
        catalog = self.catalog
        # About one checkout in ten is a guest's: no customer to link.
        owner = None
        if mix(catalog.seed, 62, checkout_id) % 10 and catalog.customers:
            owner = 1 + mix(catalog.seed, 63, checkout_id) % catalog.customers
        lazy = None if owner is None else self._lazy(CUSTOMERS, owner)
        return checkout_record(catalog, checkout_id, lazy)
