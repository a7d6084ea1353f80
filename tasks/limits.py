"""Vendor calls through the shared limiter: ask before the call, tell it what the response said.

Two ways in:
- `LimiterGate`, the process's request gate (installed with the runtime): clients that announce
  each request (the Pipedrive client) are metered per HTTP request, with the request's token
  cost taken from the daily budget too, in one atomic step. Shopify queries take their requested
  cost and are settled to what Shopify says they really cost once the response is in.
- `metered` / `observe`, for callers that wrap a whole call themselves (the Brevo tasks).

A wait from the limiter is a deferral (`Deferred`), never an error retry: a wait of up to
`SHORT_WAIT_SECONDS` is slept through in place, longer ones go back to the task base, which
re-enqueues or parks the task. A 429 pauses the bucket for every worker until the vendor's reset;
a spent daily budget pauses the whole vendor until the budget resets.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import SecretStr

from connectors.brevo.settings import BrevoSettings
from connectors.config import TajoConfig
from connectors.core.errors import RateLimitedError
from connectors.core.ratelimit import RateLimitSignal
from connectors.pipedrive.settings import PipedriveSettings
from tasks import runtime
from tasks.policy import SHORT_WAIT_SECONDS, Deferred
from tasks.runtime import Bucket, Charge, Grant, Limiter

Result = TypeVar("Result")

#: Hex digits of the sha256 kept: enough to tell credentials apart, useless to recover one.
FINGERPRINT_LENGTH = 16
#: How long a 429 without any reset hint pauses the bucket.
DEFAULT_PAUSE_SECONDS = 2.0
#: The longest a gate sleeps in place for one request before handing the wait to the task base.
MAX_SLEEP_PER_REQUEST = 6.0
#: The bucket a spent daily budget is counted against in the 429 tally.
DAILY = "daily"


def fingerprint(secret: SecretStr | None) -> str:
    """What stands for a credential in limiter keys: a truncated sha256, never the secret."""
    value = secret.get_secret_value() if secret is not None else ""
    return hashlib.sha256(value.encode()).hexdigest()[:FINGERPRINT_LENGTH]


def pipedrive_bucket(settings: PipedriveSettings) -> Bucket:
    return Bucket("burst", settings.rate_limit.requests, settings.rate_limit.per_seconds)


def pipedrive_daily_bucket(settings: PipedriveSettings) -> Bucket | None:
    """The daily token budget as a calendar-window bucket, or None when it is not configured."""
    budget = settings.token_budget
    if budget.daily_tokens is None:
        return None
    return Bucket(DAILY, budget.daily_tokens, budget.day_seconds, fixed=True)


def brevo_contacts_bucket(settings: BrevoSettings) -> Bucket:
    return Bucket("contacts", settings.rate_limit.contacts_per_second, 1.0)


def brevo_other_bucket(settings: BrevoSettings) -> Bucket:
    return Bucket("other", settings.rate_limit.other_per_hour, 3600.0)


#: Brevo's /v3/events bucket on every plan (https://developers.brevo.com/docs/api-limits).
BREVO_EVENTS_PER_SECOND = 10


def brevo_events_bucket(settings: BrevoSettings) -> Bucket:
    return Bucket("events", BREVO_EVENTS_PER_SECOND, 1.0)


def source_budget(config: TajoConfig, connector: str) -> tuple[SecretStr | None, Bucket] | None:
    """The credential and bucket a connector's reads count against, or None when unmetered."""
    if connector == "pipedrive" and config.connectors.pipedrive is not None:
        settings = config.connectors.pipedrive
        return settings.credential, pipedrive_bucket(settings)
    return None


#: Shopify's smallest query-cost bucket (1,000 points refilled at 50 a second), assumed until a
#: response reports the shop's own `throttleStatus`: plans differ, so the figures are learned,
#: never configured (https://shopify.dev/docs/api/usage/limits#graphql-admin-api-rate-limits).
SHOPIFY_ASSUMED_SHAPE: tuple[int, float] = (1000, 50.0)
#: credential fingerprint -> (maximumAvailable, restoreRate) as the shop last reported them
_shopify_shapes: dict[str, tuple[int, float]] = {}


def shopify_bucket(credential: str) -> Bucket:
    """The shop's query-cost bucket as Shopify runs it: a leaky bucket of `maximumAvailable`
    points restoring `restoreRate` a second. A sliding window of the same size keeps each
    query's points for the whole window, so it runs below the restore rate whenever the next
    query costs more than the oldest one frees (and always, once queries are settled to their
    actual cost, which is below the requested cost they must find room for)."""
    maximum, restore = _shopify_shapes.get(credential, SHOPIFY_ASSUMED_SHAPE)
    return Bucket("points", maximum, maximum / restore, leaky=True)


def learn_shopify_shape(credential: str, signal: RateLimitSignal) -> None:
    if signal.limit and signal.limit > 0 and signal.restore_rate and signal.restore_rate > 0:
        _shopify_shapes[credential] = (signal.limit, signal.restore_rate)


def request_charges(
    config: TajoConfig, vendor: str, cost: int, credential: str = ""
) -> list[Charge]:
    """What one request of `cost` takes. Pipedrive: a slot of the burst bucket and, when the
    daily budget is configured, `cost` tokens of it. Shopify: `cost` points of the shop's query
    bucket. Empty for vendors the gate does not meter."""
    if vendor == "shopify" and config.connectors.shopify is not None:
        bucket = shopify_bucket(credential)
        return [(bucket, max(1, min(cost, bucket.limit)))]
    if vendor != "pipedrive" or config.connectors.pipedrive is None:
        return []
    settings = config.connectors.pipedrive
    charges: list[Charge] = [(pipedrive_bucket(settings), 1)]
    daily = pipedrive_daily_bucket(settings)
    if daily is not None:
        charges.append((daily, max(1, min(cost, daily.limit))))
    return charges


def _limiter() -> tuple[Limiter, TajoConfig] | None:
    installed = runtime.installed()
    if installed is None or installed.limiter is None:
        return None
    return installed.limiter, installed.config()


class LimiterGate:
    """The request gate backed by the shared Redis limiter (see the module docstring).

    A client calls `admit` then `observe` for each request in the same thread: the grant of the
    last request admitted is kept per thread, so its response can settle it."""

    def __init__(self) -> None:
        self._granted = threading.local()

    def admit(self, vendor: str, credential: SecretStr | None, operation: str, cost: int) -> None:
        found = _limiter()
        if found is None:
            return
        limiter, config = found
        key = fingerprint(credential)
        charges = request_charges(config, vendor, cost, key)
        if not charges:
            return
        slept = 0.0
        self._granted.last = None
        while True:
            grant = limiter.grant_all(vendor, key, charges)
            wait = grant.wait_seconds
            if wait <= 0:
                self._granted.last = (vendor, key, charges, grant)
                return
            if wait > SHORT_WAIT_SECONDS or slept + wait > MAX_SLEEP_PER_REQUEST:
                raise Deferred(wait, f"{vendor} {operation}: over the rate limit for {wait:.1f}s")
            time.sleep(wait)
            slept += wait

    def observe(
        self, vendor: str, credential: SecretStr | None, operation: str, signal: RateLimitSignal
    ) -> None:
        found = _limiter()
        if found is None:
            return
        limiter, config = found
        key = fingerprint(credential)
        if vendor == "shopify":
            learn_shopify_shape(key, signal)
            self._settle(limiter, vendor, key, signal)
            if signal.remaining is not None:
                limiter.cap_level(vendor, key, shopify_bucket(key), signal.remaining)
        charges = request_charges(config, vendor, 1, key)
        if not charges:
            return
        burst = charges[0][0]
        if signal.budget_exhausted:
            # Every call fails until the budget resets: hold the whole vendor, not one bucket.
            limiter.pause_vendor(vendor, key, signal.budget_reset_seconds or DEFAULT_PAUSE_SECONDS)
            if signal.throttled:
                limiter.record_throttled(vendor, key, DAILY)
            return
        _learn(limiter, vendor, key, burst, signal)

    def _settle(self, limiter: Limiter, vendor: str, key: str, signal: RateLimitSignal) -> None:
        """The last grant of this thread, settled to what the vendor says the request took."""
        last: tuple[str, str, list[Charge], Grant] | None = getattr(self._granted, "last", None)
        self._granted.last = None
        if last is None or signal.spent is None or last[:2] != (vendor, key):
            return
        _, _, charges, grant = last
        for (bucket, cost), ticket in zip(charges, grant.tickets, strict=False):
            if ticket and signal.spent != cost:
                limiter.settle(vendor, key, bucket, ticket, min(signal.spent, bucket.limit))


def _learn(
    limiter: Limiter, vendor: str, credential: str, bucket: Bucket, signal: RateLimitSignal
) -> None:
    """A refused call pauses the bucket until the vendor's reset. A spent window pauses it only
    when our own log still has room: then someone else is spending the same budget. When our log
    is full too it already holds the next call until a slot frees, more precisely than the
    vendor's whole-second reset would (pausing for it leaves up to a second idle per window)."""
    wait = signal.wait_seconds() or DEFAULT_PAUSE_SECONDS
    if signal.throttled:
        limiter.pause(vendor, credential, bucket.name, wait)
        limiter.record_throttled(vendor, credential, bucket.name)
    elif signal.exhausted and not bucket.leaky and limiter.has_room(vendor, credential, bucket):
        # Not for a leaky bucket: the limiter runs the vendor's own algorithm, so an empty
        # bucket is already what it holds the next call for, and `wait` (the time to refill
        # the whole bucket) would idle the shop for up to 20 seconds.
        limiter.pause(vendor, credential, bucket.name, wait)


def metered(
    vendor: str,
    secret: SecretStr | None,
    bucket: Bucket,
    call: Callable[[], Result],
    *,
    cost: int = 1,
) -> Result:
    """Run `call` once the limiter grants it; a wait raises `Deferred`, a 429 pauses the bucket."""
    limiter = runtime.current().limiter
    if limiter is None:
        return call()
    credential = fingerprint(secret)
    wait = limiter.acquire(vendor, credential, bucket, cost)
    if wait > 0:
        raise Deferred(wait, f"{vendor} {bucket.name} bucket is full for {wait:.2f}s")
    try:
        return call()
    except RateLimitedError as exc:
        limiter.pause(vendor, credential, bucket.name, exc.wait_seconds or DEFAULT_PAUSE_SECONDS)
        limiter.record_throttled(vendor, credential, bucket.name)
        raise


def observe(vendor: str, secret: SecretStr | None, bucket: Bucket, signal: RateLimitSignal) -> None:
    """Feed a successful response's headers: a spent window may pause until its reset."""
    limiter = runtime.current().limiter
    if limiter is None:
        return
    _learn(limiter, vendor, fingerprint(secret), bucket, signal)


def signal_of(info: Mapping[str, Any]) -> RateLimitSignal:
    """The `rate_limit` a client put in `Page.info` (a dict of RateLimitSignal's fields)."""
    raw = info.get("rate_limit")
    if not isinstance(raw, Mapping):
        return RateLimitSignal()
    fields = RateLimitSignal.__dataclass_fields__
    return RateLimitSignal(**{k: v for k, v in raw.items() if k in fields})
