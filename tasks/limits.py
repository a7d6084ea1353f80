"""Vendor calls through the shared limiter: ask before the call, tell it what the response said.

A wait from the limiter is a deferral (`Deferred`), never an error retry: the task base sleeps
through short ones and re-enqueues the task for longer ones. A 429 or a spent window (remaining 0)
pauses the bucket for every worker until the vendor's reset.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import SecretStr

from connectors.brevo.settings import BrevoSettings
from connectors.config import TajoConfig
from connectors.core.errors import RateLimitedError
from connectors.core.ratelimit import RateLimitSignal
from connectors.pipedrive.settings import PipedriveSettings
from tasks import runtime
from tasks.policy import Deferred
from tasks.runtime import Bucket

Result = TypeVar("Result")

#: Hex digits of the sha256 kept: enough to tell credentials apart, useless to recover one.
FINGERPRINT_LENGTH = 16
#: How long a 429 without any reset hint pauses the bucket.
DEFAULT_PAUSE_SECONDS = 2.0


def fingerprint(secret: SecretStr | None) -> str:
    """What stands for a credential in limiter keys: a truncated sha256, never the secret."""
    value = secret.get_secret_value() if secret is not None else ""
    return hashlib.sha256(value.encode()).hexdigest()[:FINGERPRINT_LENGTH]


def pipedrive_bucket(settings: PipedriveSettings) -> Bucket:
    return Bucket("burst", settings.rate_limit.requests, settings.rate_limit.per_seconds)


def brevo_contacts_bucket(settings: BrevoSettings) -> Bucket:
    return Bucket("contacts", settings.rate_limit.contacts_per_second, 1.0)


def brevo_other_bucket(settings: BrevoSettings) -> Bucket:
    return Bucket("other", settings.rate_limit.other_per_hour, 3600.0)


def source_budget(config: TajoConfig, connector: str) -> tuple[SecretStr | None, Bucket] | None:
    """The credential and bucket a connector's reads count against, or None when unmetered."""
    if connector == "pipedrive" and config.connectors.pipedrive is not None:
        settings = config.connectors.pipedrive
        return settings.api_token, pipedrive_bucket(settings)
    return None


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
        raise


def observe(vendor: str, secret: SecretStr | None, bucket: Bucket, signal: RateLimitSignal) -> None:
    """Feed a successful response's headers: nothing left in the window pauses until its reset."""
    limiter = runtime.current().limiter
    if limiter is None or not signal.exhausted:
        return
    wait = signal.wait_seconds()
    limiter.pause(vendor, fingerprint(secret), bucket.name, wait if wait else DEFAULT_PAUSE_SECONDS)


def signal_of(info: Mapping[str, Any]) -> RateLimitSignal:
    """The `rate_limit` a client put in `Page.info` (a dict of RateLimitSignal's fields)."""
    raw = info.get("rate_limit")
    if not isinstance(raw, Mapping):
        return RateLimitSignal()
    fields = RateLimitSignal.__dataclass_fields__
    return RateLimitSignal(**{k: v for k, v in raw.items() if k in fields})
