"""The live state of one Shopify fake: its shop data, changes, cost bucket, bulk operations,
webhooks, failure switches and counters."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import SecretStr

from sandbox.common.failures import FailureSwitch
from sandbox.common.requestlog import RequestLog
from sandbox.common.timefmt import to_rfc3339
from sandbox.shopify.bucket import DEFAULT_MAXIMUM, DEFAULT_RESTORE_RATE, CostBucket
from sandbox.shopify.bulk import BulkOperations
from sandbox.shopify.catalog import Catalog
from sandbox.shopify.records import SHOP_DOMAIN
from sandbox.shopify.rest import checkout_body, customer_body, order_body, product_body
from sandbox.shopify.schema import admin_schema
from sandbox.shopify.store import CHECKOUTS, CUSTOMERS, ORDERS, PRODUCTS, RESOURCES, Shop
from sandbox.shopify.webhooks import TOPIC_RESOURCE, Delivery, WebhookHub, enum_topic

FAILURE_STATUSES = frozenset({401, 403, 429, 500, 502, 503, 504})
API_VERSION = "2025-01"
DEFAULT_SCOPES = frozenset({"read_customers", "read_orders", "read_products", "read_all_orders"})
T = TypeVar("T")


@dataclass
class Counters:
    requests: int = 0
    points_spent: int = 0
    throttled: int = 0


class ShopifyFake:
    """Deterministic customers, orders, products and abandoned checkouts (computed per id),
    plus what tests change."""

    def __init__(
        self,
        *,
        customers: int = 1000,
        orders_per_customer_max: int = 4,
        products: int | None = None,
        checkouts: int | None = None,
        seed: int = 0,
        token: str | None = None,
        client_secret: str = "sandbox-shopify-secret",  # noqa: S107 - a fake's default
        bucket_size: float = DEFAULT_MAXIMUM,
        restore_rate: float = DEFAULT_RESTORE_RATE,
        bulk_delay_seconds: float = 0.3,
    ) -> None:
        self.seed = seed
        self._sizes = (
            customers,
            orders_per_customer_max,
            products if products is not None else max(10, customers // 10),
            checkouts if checkouts is not None else max(5, customers // 5),
        )
        self._token = None if token is None else SecretStr(token)
        self._initial_bucket = (bucket_size, restore_rate)
        self._lock = threading.RLock()
        self.schema = admin_schema()
        self.shop = self._fresh_shop()
        self.scopes: set[str] = set(DEFAULT_SCOPES)
        self.failures = FailureSwitch(FAILURE_STATUSES, allow_malformed=True)
        self.bucket = CostBucket(bucket_size, restore_rate)
        self.bulk = BulkOperations(self.schema, bulk_delay_seconds)
        self.webhooks = WebhookHub(SecretStr(client_secret), SHOP_DOMAIN, API_VERSION)
        self.counters = Counters()
        self.log = RequestLog()

    def _fresh_shop(self) -> Shop:
        customers, per_customer, products, checkouts = self._sizes
        return Shop(Catalog(self.seed, customers, per_customer, products, checkouts), {})

    def reset(self) -> None:
        """Back to the state right after construction (servers keep running)."""
        with self._lock:
            self.shop = self._fresh_shop()
            self.scopes = set(DEFAULT_SCOPES)
            self.failures.clear()
            self.bucket.configure(*self._initial_bucket)
            self.bulk.reset()
            self.webhooks.reset()
            self.counters = Counters()
            self.log = RequestLog()

    def __repr__(self) -> str:
        # Never show the token or the client secret.
        return f"ShopifyFake(customers={self._sizes[0]}, seed={self.seed})"

    # -- reading ----------------------------------------------------------------------------

    def read(self, view: Callable[[Shop], T]) -> T:
        """Run `view` on the live data under the fake's lock (one consistent page)."""
        with self._lock:
            return view(self.shop)

    def record(self, resource: str, record_id: int) -> dict[str, Any] | None:
        """A record in its GraphQL shape, as a query reads it now (None if it does not exist)."""
        return self.read(lambda shop: shop.record(resource, record_id))

    def snapshot(self) -> Shop:
        with self._lock:
            return self.shop.frozen()

    def orders_of(self, customer_id: int) -> list[int]:
        return self.read(lambda shop: shop.catalog.orders_of(customer_id))

    def exists(self, resource: str, record_id: int) -> bool:
        return self.read(lambda shop: shop.timeline(resource).exists(record_id))

    @property
    def customer_count(self) -> int:
        return self._sizes[0]

    # -- changes ----------------------------------------------------------------------------

    def touch(self, resource: str, ids: Iterable[int], note: str | None = None) -> str:
        """Change these records (a new `note` on customers, a tag elsewhere) and give them all
        one `updatedAt`, later than any other. Returns that time (ISO-8601)."""
        with self._lock:
            timeline = self.shop.timeline(resource)
            epoch = timeline.next_touch_epoch(int(time.time()))
            for record_id in timeline.touch(ids, epoch):
                edits = self.shop.edits.setdefault((resource, record_id), {})
                if resource == CUSTOMERS:
                    edits["note"] = note or f"updated at {epoch}"
                else:
                    edits["tags"] = ["updated"]
        return _iso(epoch)

    def edit(self, resource: str, record_id: int, changes: dict[str, Any]) -> str:
        """Set GraphQL fields of one record (`{"email": None}`); bumps its `updatedAt`."""
        with self._lock:
            if not self.shop.timeline(resource).exists(record_id):
                raise KeyError(record_id)
            self.shop.edits.setdefault((resource, record_id), {}).update(changes)
            timeline = self.shop.timeline(resource)
            epoch = timeline.next_touch_epoch(int(time.time()))
            timeline.touch([record_id], epoch)
        return _iso(epoch)

    def delete(self, resource: str, ids: Iterable[int]) -> list[int]:
        with self._lock:
            return self.shop.timeline(resource).delete(ids)

    def add(self, resource: str, how_many: int, customer_id: int | None = None) -> list[int]:
        """New records after every existing one (ids and times); orders belong to
        `customer_id` (default: customer 1), whose aggregates then count them."""
        with self._lock:
            timeline = self.shop.timeline(resource)
            epoch = timeline.next_touch_epoch(int(time.time()))
            ids = timeline.add(how_many, epoch)
            if resource == ORDERS:
                owner = customer_id or 1
                catalog = self.shop.catalog
                for order_id in ids:
                    catalog.added_order_owner[order_id] = owner
                catalog.added_orders_of.setdefault(owner, []).extend(ids)
            return ids

    def set_malformed(self, share: float) -> None:
        """Corrupt a deterministic `share` of every resource's records, everywhere (pages,
        single reads, bulk files, webhooks); 0 switches it off."""
        if not 0.0 <= share <= 1.0:
            raise ValueError("share must be in [0, 1]")
        with self._lock:
            self.shop.malformed_share = share

    # -- limits and access --------------------------------------------------------------------

    def accepts(self, token: str | None) -> bool:
        if not token:
            return False
        return self._token is None or token == self._token.get_secret_value()

    def set_bucket(self, size: float, restore_rate: float) -> None:
        """Points the bucket holds and restores per second; every token starts full."""
        self.bucket.configure(size, restore_rate)

    def set_scopes(self, scopes: Iterable[str]) -> None:
        self.scopes = set(scopes)

    def throttle_storm(self, count: int | None = None, seconds: float | None = None) -> None:
        """Answer THROTTLED to the next `count` queries (or for `seconds`), bucket or not."""
        self.failures.add(429, count=count, seconds=seconds)

    def state(self) -> dict[str, Any]:
        return {
            "customers": self._sizes[0],
            "seed": self.seed,
            "requests": self.counters.requests,
            "points_spent": self.counters.points_spent,
            "throttled": self.counters.throttled,
            "bucket": {"size": self.bucket.maximum, "restore_rate": self.bucket.restore_rate},
            "scopes": sorted(self.scopes),
            "failures": self.failures.active(),
        }

    # -- webhooks -----------------------------------------------------------------------------

    def deliver(self, topic: str, object_id: int) -> list[Delivery]:
        """POST `topic`'s body for this record to every subscription of the topic; returns
        what was sent. Delete topics carry only the id, as Shopify's do."""
        name = enum_topic(topic)
        resource = TOPIC_RESOURCE[name.split("_", 1)[0]]
        if name.endswith("_DELETE"):
            body: dict[str, Any] = {"id": object_id}
        else:
            record = self.record(resource, object_id)
            if record is None:
                raise KeyError(object_id)
            body = {
                CUSTOMERS: customer_body,
                ORDERS: order_body,
                PRODUCTS: product_body,
                CHECKOUTS: checkout_body,
            }[resource](record)
        return self.webhooks.deliver(name, body)


def _iso(epoch: int) -> str:
    return to_rfc3339(epoch)


__all__ = ["RESOURCES", "ShopifyFake"]
