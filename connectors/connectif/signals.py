"""Connectif's rate-limit signals. Pure: a response's status and headers in, a signal out.

Connectif's API refuses calls over its rate with 429 and publishes no budget headers, so a 429
is all we learn: wait for `Retry-After` when sent, else a short default (the shared limiter's
own pacing does the rest).
"""

from __future__ import annotations

from collections.abc import Mapping

from connectors.core.ratelimit import RateLimitSignal, header, parse_retry_after

#: The wait after a 429 that names none.
DEFAULT_WAIT_SECONDS = 2.0


def response_signal(status: int, headers: Mapping[str, str]) -> RateLimitSignal:
    retry_after = parse_retry_after(header(headers, "retry-after"))
    if status != 429:
        return RateLimitSignal(retry_after=retry_after)
    return RateLimitSignal(
        retry_after=DEFAULT_WAIT_SECONDS if retry_after is None else retry_after,
        throttled=True,
    )
