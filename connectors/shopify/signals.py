"""Shopify's rate-limit signals. Pure: bodies and headers in, a `RateLimitSignal` out.

The GraphQL Admin API meters *query cost* with a leaky bucket per app and shop: each response's
`extensions.cost.throttleStatus` says the bucket's size (`maximumAvailable`), what is left
(`currentlyAvailable`) and how fast it refills (`restoreRate` points per second). A query that
does not fit is refused *in a 200 body*: `errors[].extensions.code == "THROTTLED"`, the cost it
asked for in `extensions.cost.requestedQueryCost`. The REST Admin API answers 429 with
`Retry-After` instead. https://shopify.dev/docs/api/usage/limits
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.core.ratelimit import RateLimitSignal, header, parse_retry_after

THROTTLED = "THROTTLED"


@dataclass(frozen=True)
class QueryCost:
    """One GraphQL response's `extensions.cost`; None wherever Shopify left a field out."""

    requested: float | None = None
    actual: float | None = None
    maximum: float | None = None
    available: float | None = None
    restore_rate: float | None = None

    def seconds_until(self, points: float) -> float | None:
        """How long until `points` are available, at the restore rate (0 when they already are)."""
        if self.available is None or not self.restore_rate:
            return None
        return max(0.0, (points - self.available) / self.restore_rate)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def query_cost(body: Any) -> QueryCost:
    """The `extensions.cost` of a GraphQL response body (a decoded JSON object)."""
    extensions = body.get("extensions") if isinstance(body, Mapping) else None
    cost = extensions.get("cost") if isinstance(extensions, Mapping) else None
    if not isinstance(cost, Mapping):
        return QueryCost()
    status = cost.get("throttleStatus")
    status = status if isinstance(status, Mapping) else {}
    return QueryCost(
        requested=_number(cost.get("requestedQueryCost")),
        actual=_number(cost.get("actualQueryCost")),
        maximum=_number(status.get("maximumAvailable")),
        available=_number(status.get("currentlyAvailable")),
        restore_rate=_number(status.get("restoreRate")),
    )


def is_throttled(body: Any) -> bool:
    """True when a GraphQL body (HTTP 200 or not) carries a THROTTLED error."""
    errors = body.get("errors") if isinstance(body, Mapping) else None
    if not isinstance(errors, list):
        return False
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, Mapping) else None
        if isinstance(extensions, Mapping) and extensions.get("code") == THROTTLED:
            return True
    return False


def graphql_signal(body: Any) -> RateLimitSignal:
    """A GraphQL response as a signal: points as the limit and what is left, and the points
    the query really took; when throttled, `retry_after` is the time until the refused query's
    cost has refilled."""
    cost = query_cost(body)
    throttled = is_throttled(body)
    refill = cost.seconds_until(cost.maximum) if cost.maximum is not None else None
    wait = cost.seconds_until(cost.requested or 0.0) if throttled else None
    if throttled and wait is None:
        wait = 1.0  # throttled with no cost block: the restore rate is at least 50 points/s
    # A query takes its requested cost up front and gets back what it did not use; a throttled
    # one takes nothing. https://shopify.dev/docs/api/usage/limits#cost-calculation
    spent = 0 if throttled else None if cost.actual is None else math.ceil(cost.actual)
    return RateLimitSignal(
        limit=None if cost.maximum is None else int(cost.maximum),
        remaining=None if cost.available is None else int(cost.available),
        reset_seconds=refill,
        retry_after=wait,
        throttled=throttled,
        restore_rate=cost.restore_rate,
        spent=spent,
    )


def rest_signal(status: int, headers: Mapping[str, str]) -> RateLimitSignal:
    """A REST Admin response: 429 with `Retry-After` (seconds, may be fractional), and
    `X-Shopify-Shop-Api-Call-Limit: used/size` on every answer."""
    limit = remaining = None
    raw = header(headers, "x-shopify-shop-api-call-limit")
    if raw and "/" in raw:
        used_text, size_text = raw.split("/", 1)
        try:
            used, size = int(used_text.strip()), int(size_text.strip())
        except ValueError:
            pass
        else:
            limit, remaining = size, max(0, size - used)
    return RateLimitSignal(
        limit=limit,
        remaining=remaining,
        retry_after=parse_retry_after(header(headers, "retry-after")),
        throttled=status == 429,
    )
