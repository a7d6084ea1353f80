"""Rate-limit signals read from response headers. Pure: no I/O, no clock unless one is passed.

Vendors say how much headroom is left in different dialects: Pipedrive sends `x-ratelimit-*`,
Brevo `x-sib-ratelimit-*` (and no Retry-After), others only `Retry-After`. Each parses into one
`RateLimitSignal`, which the clients attach to pages and errors and the shared limiter reads later.

A client may also announce every request to a `RequestGate` before sending it (its cost) and
after (what the response said). The gate is installed by whoever runs the client (the task layer
installs the shared Redis limiter); with none installed, calls go straight out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

from pydantic import SecretStr


@dataclass(frozen=True)
class RateLimitSignal:
    """What one response said about the caller's budget; None wherever the vendor was silent."""

    #: requests (or tokens) allowed in the current window
    limit: int | None = None
    #: requests (or tokens) left in the current window
    remaining: int | None = None
    #: seconds until the window resets
    reset_seconds: float | None = None
    #: seconds the vendor asked us to wait before the next call (`Retry-After`)
    retry_after: float | None = None
    #: the response itself was refused for its rate (a 429, or a throttle error in a 200 body)
    throttled: bool = False
    #: a vendor-wide allowance over a long period (Pipedrive's daily token budget), when sent
    budget_limit: int | None = None
    budget_remaining: int | None = None
    #: seconds until that allowance resets (computed by the connector when the vendor is silent)
    budget_reset_seconds: float | None = None
    #: for a leaky bucket (Shopify's query cost): what refills per second, as the vendor said
    restore_rate: float | None = None
    #: what the request really took, for a vendor that charges after the fact: Shopify reserves
    #: a query's requested cost, then keeps only its actual cost (0 for a throttled query)
    spent: int | None = None

    @property
    def exhausted(self) -> bool:
        """True when the vendor says nothing is left in this window."""
        return self.remaining is not None and self.remaining <= 0

    @property
    def budget_exhausted(self) -> bool:
        """True when the vendor-wide allowance is spent: every call fails until it resets."""
        return self.budget_remaining is not None and self.budget_remaining <= 0

    def refused(self) -> RateLimitSignal:
        """The same signal, marked as a refused (throttled) response."""
        return replace(self, throttled=True)

    def wait_seconds(self) -> float | None:
        """How long to hold off: an explicit Retry-After wins over the window's reset time."""
        if self.retry_after is not None:
            return self.retry_after
        return self.reset_seconds


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, case-insensitively, from httpx.Headers or a plain dict."""
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, candidate in headers.items():
        if key.lower() == wanted:
            return candidate
    return None


def parse_int(value: str | None) -> int | None:
    """A non-negative integer header value, or None when absent or garbled."""
    seconds = parse_seconds(value)
    return None if seconds is None else int(seconds)


def parse_seconds(value: str | None) -> float | None:
    """A delta in seconds ("30", "1.5"); negatives clamp to 0; garbage and NaN give None."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` value: delta-seconds or an HTTP date (RFC 9110 10.2.3).

    A date in the past means "now" (0). `now` is injectable so the parser stays pure in tests.
    """
    if value is None or not value.strip():
        return None
    seconds = parse_seconds(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # HTTP dates are always GMT; parsedate_to_datetime leaves "-0000" naive.
        when = when.replace(tzinfo=UTC)
    reference = now if now is not None else datetime.now(UTC)
    return max(0.0, (when - reference).total_seconds())


def rate_limit_signal(
    headers: Mapping[str, str], *, prefix: str, now: datetime | None = None
) -> RateLimitSignal:
    """Read `<prefix>-limit`, `<prefix>-remaining`, `<prefix>-reset` (seconds) and `Retry-After`.

    `prefix` is the vendor's dialect: "x-ratelimit" (Pipedrive), "x-sib-ratelimit" (Brevo).
    """
    return RateLimitSignal(
        limit=parse_int(header(headers, f"{prefix}-limit")),
        remaining=parse_int(header(headers, f"{prefix}-remaining")),
        reset_seconds=parse_seconds(header(headers, f"{prefix}-reset")),
        retry_after=parse_retry_after(header(headers, "retry-after"), now=now),
    )


class RequestGate(Protocol):
    """What a client tells before and after each request. `credential` is the secret the request
    is sent with: a gate may hash it to tell accounts apart and must never store or log it."""

    def admit(self, vendor: str, credential: SecretStr | None, operation: str, cost: int) -> None:
        """Return when the request may go (possibly after a short wait), or raise to defer it."""
        ...

    def observe(
        self, vendor: str, credential: SecretStr | None, operation: str, signal: RateLimitSignal
    ) -> None:
        """Learn from a response's signal (a 429, a spent window, a spent budget)."""
        ...


_gate: RequestGate | None = None


def install_gate(gate: RequestGate | None) -> None:
    """Make `gate` the process's request gate (None: requests go unannounced)."""
    global _gate
    _gate = gate


def current_gate() -> RequestGate | None:
    return _gate


def seconds_until_period_end(now_epoch: float, period_seconds: float) -> float:
    """Seconds until the next multiple of `period_seconds` since the Unix epoch: for a period of
    86,400 s, the next midnight UTC, when daily vendor budgets reset. Never 0 (at the boundary,
    a whole period is left)."""
    if period_seconds <= 0:
        raise ValueError("period_seconds must be positive")
    left = period_seconds - (now_epoch % period_seconds)
    return left if left > 0 else period_seconds
