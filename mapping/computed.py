"""Computed fields, declared as aggregates over a record's related records.

    won_deals_count: WON_DEALS     # count of the person's deals with status won
    totalOrders: ORDER_COUNT       # count of the Shopify customer's orders

A computed name reads the vendor's own value when the record carries it (Pipedrive persons have
`won_deals_count`; Shopify REST customers have `orders_count`), and otherwise aggregates the related
records the connector attached (`deals`, `orders`). The table below is data, not code: a new
aggregate is one line, and the long form `aggregate:` declares one in a spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from mapping.errors import SpecError
from mapping.paths import ABSENT, SourcePath, parse_dotted
from mapping.transforms import TransformError, parse_timestamp, split_money

OPERATIONS: Final = ("count", "sum", "max", "min")


@dataclass(frozen=True, slots=True)
class Aggregate:
    """`op` over the list at `over`, of `field`, keeping items whose `where` fields match."""

    op: str
    over: SourcePath
    field: SourcePath | None = None
    where: tuple[tuple[SourcePath, tuple[object, ...]], ...] = ()

    def describe(self) -> dict[str, object]:
        return {
            "op": self.op,
            "over": self.over.text,
            "field": None if self.field is None else self.field.text,
            "where": [[path.text, list(values)] for path, values in self.where],
        }

    def compute(self, record: object) -> object:
        """The aggregate, or ABSENT when the record carries no related list at all."""
        items = self.over.get(record)
        if not isinstance(items, list):
            return ABSENT
        kept = [item for item in items if self._matches(item)]
        if self.op == "count":
            return len(kept)
        values = [self.field.get(item) if self.field else item for item in kept]
        values = [v for v in values if v is not None and v is not ABSENT]
        if self.op == "sum":
            total = sum((split_money(v)[0] for v in values), Decimal(0))
            return int(total) if total == total.to_integral_value() else float(total)
        if not values:
            return None
        # max/min of dates (last order date) or of amounts
        try:
            keyed = [(parse_timestamp(v).isoformat(), v) for v in values]
        except TransformError:
            keyed = [(float(split_money(v)[0]), v) for v in values]  # type: ignore[misc]
        # Compare by the key only: two equal keys may carry values of different types (the
        # epoch 0 and "1970-01-01T00:00:00+00:00"), which Python cannot order.
        pick = max if self.op == "max" else min
        return pick(keyed, key=_first)[1]

    def _matches(self, item: object) -> bool:
        return all(path.get(item) in values for path, values in self.where)


def _first(pair: tuple[object, object]) -> Any:
    return pair[0]


def aggregate(op: str, over: str, field: str | None = None, **where: object) -> Aggregate:
    """Declare an aggregate in Python (the built-in table) with dotted paths."""
    conditions = tuple(
        (parse_dotted(path), tuple(v) if isinstance(v, list | tuple) else (v,))
        for path, v in where.items()
    )
    return Aggregate(op, parse_dotted(over), parse_dotted(field) if field else None, conditions)


def parse_aggregate(key: str, spec: object) -> Aggregate:
    """The long form `aggregate: {op: sum, over: deals, field: value, where: {status: won}}`."""
    if not isinstance(spec, Mapping):
        raise SpecError(key, "aggregate must be an object with op, over, field and where")
    unknown = set(spec) - {"op", "over", "field", "where"}
    if unknown:
        raise SpecError(f"{key}.{sorted(map(str, unknown))[0]}", "unknown key")
    op = spec.get("op")
    if op not in OPERATIONS:
        raise SpecError(f"{key}.op", f"must be one of {', '.join(OPERATIONS)}")
    over, field = spec.get("over"), spec.get("field")
    if not isinstance(over, str):
        raise SpecError(f"{key}.over", "must name the related records' path, like deals")
    if op != "count" and not isinstance(field, str):
        raise SpecError(f"{key}.field", f"{op} needs the field to aggregate")
    where = spec.get("where") or {}
    if not isinstance(where, Mapping):
        raise SpecError(f"{key}.where", "must map fields to the values to keep")
    return aggregate(
        str(op),
        over,
        field if isinstance(field, str) else None,
        **{str(k): v for k, v in where.items()},
    )


_PIPEDRIVE_PERSONS: Final = {
    "won_deals_count": aggregate("count", "deals", status="won"),
    "lost_deals_count": aggregate("count", "deals", status="lost"),
    "open_deals_count": aggregate("count", "deals", status="open"),
    "closed_deals_count": aggregate("count", "deals", status=["won", "lost"]),
    "total_revenue": aggregate("sum", "deals", "value", status="won"),
}
_SHOPIFY_CUSTOMERS: Final = {
    "orders_count": aggregate("count", "orders"),
    "totalOrders": aggregate("count", "orders"),
    "numberOfOrders": aggregate("count", "orders"),
    "total_spent": aggregate("sum", "orders", "total_price"),
    "totalSpent": aggregate("sum", "orders", "total_price"),
    "amountSpent": aggregate("sum", "orders", "total_price"),
    "last_order_date": aggregate("max", "orders", "created_at"),
    "lastOrderDate": aggregate("max", "orders", "created_at"),
}
#: (vendor, resource) -> computed name -> its aggregate.
COMPUTED: Final[Mapping[tuple[str, str], Mapping[str, Aggregate]]] = {
    ("pipedrive", "persons"): _PIPEDRIVE_PERSONS,
    ("shopify", "customers"): _SHOPIFY_CUSTOMERS,
}


def computed_for(vendor: str, resource: str, name: str) -> Aggregate | None:
    return COMPUTED.get((vendor, resource), {}).get(name)
