"""Workato's rate-limit signals. Pure: a response's status and headers in, a signal out.

Most Developer API endpoints allow 60 requests per minute per workspace (some 1,000, connection
writes 1 per second); over it, Workato answers 429, with `Retry-After` where it sends one.
https://docs.workato.com/workato-api/limits.html
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.core.ratelimit import RateLimitSignal, header, parse_retry_after

#: The default Developer API budget: 60 requests per rolling minute.
REQUESTS_PER_WINDOW = 60
WINDOW_SECONDS = 60.0


def response_signal(status: int, headers: Mapping[str, str]) -> RateLimitSignal:
    """A 429 waits for `Retry-After`, else for a whole window (the only safe guess for a
    per-minute budget whose start we do not know); other answers say nothing."""
    retry_after = parse_retry_after(header(headers, "retry-after"))
    if status != 429:
        return RateLimitSignal(retry_after=retry_after)
    return RateLimitSignal(
        limit=REQUESTS_PER_WINDOW,
        remaining=0,
        reset_seconds=WINDOW_SECONDS,
        retry_after=retry_after,
        throttled=True,
    )
