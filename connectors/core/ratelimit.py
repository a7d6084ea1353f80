"""Rate-limit signals read from response headers. Pure: no I/O, no clock unless one is passed.

Vendors say how much headroom is left in different dialects: Pipedrive sends `x-ratelimit-*`,
Brevo `x-sib-ratelimit-*` (and no Retry-After), others only `Retry-After`. Each parses into one
`RateLimitSignal`, which the clients attach to pages and errors and the shared limiter reads later.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


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

    @property
    def exhausted(self) -> bool:
        """True when the vendor says nothing is left in this window."""
        return self.remaining is not None and self.remaining <= 0

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
