"""Deterministic related shop data, computed per id from the seed: nothing is stored.

Customer c owns order *slots* `(c-1)*K+1 .. c*K` (K = `orders_per_customer_max`) and uses the
first `n_c` of them, so `order -> customer` and `customer -> orders` are both arithmetic and a
million orders cost no memory; order ids have gaps, as Shopify's do. Customer aggregates
(`numberOfOrders`, `amountSpent`, `lastOrder`) are computed from exactly those orders. Prices
come from a hash of (product, variant), so line items, orders and customers agree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from sandbox.shopify.timeline import Timeline

_MASK = (1 << 64) - 1


def mix(*numbers: int) -> int:
    """A fast 64-bit hash of a few ints (splitmix64 steps), for per-record choices."""
    state = 0x9E3779B97F4A7C15
    for number in numbers:
        state = (state ^ (number & _MASK)) * 0xBF58476D1CE4E5B9 & _MASK
        state = (state ^ (state >> 31)) * 0x94D049BB133111EB & _MASK
        state ^= state >> 29
    return state


@dataclass(frozen=True)
class LineSpec:
    line_id: int
    product_id: int
    variant_id: int
    quantity: int
    unit_cents: int


@dataclass
class Catalog:
    """Sizes and timelines of every resource, plus the few stored changes (added orders)."""

    seed: int
    customers: int
    orders_per_customer_max: int
    products: int
    checkouts: int
    customer_timeline: Timeline = field(init=False)
    order_timeline: Timeline = field(init=False)
    product_timeline: Timeline = field(init=False)
    checkout_timeline: Timeline = field(init=False)
    #: owner of each order added at run time (base orders' owners are arithmetic)
    added_order_owner: dict[int, int] = field(default_factory=dict)
    #: orders added at run time per customer, ascending
    added_orders_of: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.orders_per_customer_max < 1:
            raise ValueError("orders_per_customer_max must be >= 1")
        self.products = max(1, self.products)
        self.customer_timeline = Timeline(self.customers)
        self.order_timeline = Timeline(
            self.customers * self.orders_per_customer_max, present=self._slot_used
        )
        self.product_timeline = Timeline(self.products)
        self.checkout_timeline = Timeline(self.checkouts)

    def snapshot(self) -> Catalog:
        frozen = Catalog.__new__(Catalog)
        frozen.__dict__.update(self.__dict__)
        frozen.customer_timeline = self.customer_timeline.snapshot()
        frozen.order_timeline = self.order_timeline.snapshot()
        frozen.product_timeline = self.product_timeline.snapshot()
        frozen.checkout_timeline = self.checkout_timeline.snapshot()
        frozen.added_order_owner = dict(self.added_order_owner)
        frozen.added_orders_of = {c: list(ids) for c, ids in self.added_orders_of.items()}
        return frozen

    # -- customers and their orders ----------------------------------------------------------

    def base_order_count(self, customer_id: int) -> int:
        """0..K orders, skewed low: most customers buy once or twice, a few buy often."""
        k = self.orders_per_customer_max
        roll = mix(self.seed, 11, customer_id) % 100
        if roll < 15:
            return 0
        return min(k, 1 + (mix(self.seed, 12, customer_id) % k) * roll // 100)

    def _slot_used(self, slot: int) -> bool:
        k = self.orders_per_customer_max
        customer_id = (slot - 1) // k + 1
        return (slot - 1) % k < self.base_order_count(customer_id)

    def order_owner(self, order_id: int) -> int:
        added = self.added_order_owner.get(order_id)
        if added is not None:
            return added
        return (order_id - 1) // self.orders_per_customer_max + 1

    def orders_of(self, customer_id: int) -> list[int]:
        """The customer's existing orders, oldest first."""
        k = self.orders_per_customer_max
        first = (customer_id - 1) * k + 1
        ids = [first + j for j in range(self.base_order_count(customer_id))]
        ids += self.added_orders_of.get(customer_id, [])
        return [i for i in ids if self.order_timeline.exists(i)]

    @property
    def order_count(self) -> int:
        """Existing orders right now (computed by walking customers: O(customers))."""
        return sum(len(self.orders_of(c)) for c in range(1, self.customer_timeline.max_id + 1))

    # -- line items and prices ---------------------------------------------------------------

    def variant_count(self, product_id: int) -> int:
        return 1 + mix(self.seed, 21, product_id) % 3

    def variant_id(self, product_id: int, index: int) -> int:
        return product_id * 10 + index

    def unit_cents(self, product_id: int, index: int) -> int:
        return 500 + (mix(self.seed, 22, product_id, index) % 400) * 25

    def line_specs(self, kind: int, owner_id: int) -> list[LineSpec]:
        """1..3 lines of an order (kind 1) or a checkout (kind 2), from its id."""
        rng = random.Random(mix(self.seed, 30 + kind, owner_id))
        lines = []
        for index in range(1, rng.randint(1, 3) + 1):
            product_id = rng.randint(1, self.products)
            variant = rng.randint(1, self.variant_count(product_id))
            lines.append(
                LineSpec(
                    line_id=owner_id * 10 + index,
                    product_id=product_id,
                    variant_id=self.variant_id(product_id, variant),
                    quantity=rng.choice((1, 1, 1, 2, 3)),
                    unit_cents=self.unit_cents(product_id, variant),
                )
            )
        return lines

    @staticmethod
    def total_cents(subtotal: int) -> int:
        """Shipping (4.90) is added below 50.00."""
        return subtotal + (0 if subtotal >= 5000 else 490)

    def order_cancelled(self, order_id: int) -> bool:
        return mix(self.seed, 40, order_id) % 100 < 3


def money_text(cents: int) -> str:
    """Shopify's Decimal strings: `"12.5"`, `"10.0"`, `"19.99"` (no padding to two places)."""
    text = str(Decimal(cents) / 100)
    return text if "." in text else f"{text}.0"


def rest_money(cents: int) -> str:
    """The REST API's (and webhooks') price strings: always two decimals, `"12.50"`."""
    return f"{cents // 100}.{cents % 100:02d}"
