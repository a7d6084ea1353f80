"""Brevo's rate-limit buckets and plans (https://developers.brevo.com/docs/api-limits).

Three buckets matter to a writer: everything under /v3/contacts, the events endpoints, and
"all other endpoints". A bucket may have a per-second and a per-hour budget at once ("When both
apply, you must respect both simultaneously"); each is a fixed window per API key. The headers
describe the window nearest to exhaustion (the one that refused, on a 429).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from sandbox.common.ratelimit import FixedWindowLimiter, WindowVerdict

CONTACTS, EVENTS, OTHER = "contacts", "events", "other"
BUCKETS = (CONTACTS, EVENTS, OTHER)


@dataclass(frozen=True)
class BucketLimits:
    per_second: int | None = None
    per_hour: int | None = None


@dataclass(frozen=True)
class Plan:
    contacts: BucketLimits
    events: BucketLimits
    other: BucketLimits

    def of(self, bucket: str) -> BucketLimits:
        limits: BucketLimits = getattr(self, bucket)
        return limits


PLANS: dict[str, Plan] = {
    "general": Plan(BucketLimits(10, 36_000), BucketLimits(10, 36_000), BucketLimits(None, 100)),
    "advanced": Plan(BucketLimits(20, 72_000), BucketLimits(20, 72_000), BucketLimits(None, 200)),
    "extended": Plan(BucketLimits(60, None), BucketLimits(60, None), BucketLimits(None, 600)),
}


def bucket_of(path: str) -> str:
    if path.startswith("/v3/contacts"):
        return CONTACTS
    if path == "/v3/events" or path.startswith("/v3/events/"):
        return EVENTS
    return OTHER


class Bucket:
    """One bucket's per-second and per-hour windows."""

    def __init__(self, limits: BucketLimits) -> None:
        self.per_second = FixedWindowLimiter(limits.per_second, 1.0)
        self.per_hour = FixedWindowLimiter(limits.per_hour, 3600.0)

    def configure(self, limits: BucketLimits) -> None:
        self.per_second.configure(limits.per_second)
        self.per_hour.configure(limits.per_hour)

    @property
    def limits(self) -> BucketLimits:
        return BucketLimits(self.per_second.limit, self.per_hour.limit)

    def take(self, key: str) -> WindowVerdict | None:
        """Spend one request; None when the bucket has no budget at all."""
        second = self.per_second.take(key)
        if second is not None and not second.allowed:
            return second  # refused: the hourly budget is not spent on it
        hour = self.per_hour.take(key)
        verdicts = [v for v in (second, hour) if v is not None]
        if not verdicts:
            return None
        return min(verdicts, key=lambda v: (v.allowed, v.remaining))

    def storm_verdict(self, storm_ends: float) -> WindowVerdict:
        """What the headers say during a forced 429 storm: nothing left until it ends."""
        limit = self.per_second.limit or self.per_hour.limit or 0
        left = max(1, math.ceil(storm_ends - time.monotonic()))
        return WindowVerdict(allowed=False, limit=limit, remaining=0, reset_seconds=left)

    def exhausted(self, key: str) -> WindowVerdict | None:
        """The headers of a 429 forced by a failure switch (budget shown as spent)."""
        for window in (self.per_second, self.per_hour):
            if window.limit is not None:
                return window.exhausted(key)
        return None
