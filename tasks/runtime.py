"""What tasks need from the process they run in, installed by `workers` when the app is built.

Tasks may not import `workers` (arrows go one way), so the app hands them a Runtime instead:
how to open a database session, how to read the current config and, when the broker is Redis,
the rate limiter all workers share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from connectors.config import TajoConfig


@dataclass(frozen=True)
class Bucket:
    """One vendor limit: at most `limit` units (requests or tokens) in any `per_seconds`.

    `fixed` buckets count calendar windows instead (each multiple of `per_seconds` since the
    epoch starts a fresh one): a daily budget that resets at midnight UTC, not 24 h after use.
    `leaky` buckets hold `limit` units and restore `limit / per_seconds` a second, as Shopify's
    query-cost bucket does: a full bucket at once, then only what it restores.
    """

    name: str
    limit: int
    per_seconds: float
    fixed: bool = False
    leaky: bool = False


#: One request's price: (bucket, units it takes from that bucket).
Charge = tuple[Bucket, int]


@dataclass(frozen=True)
class Grant:
    """One acquire's answer: `wait_seconds` 0 means every charge was taken. `tickets` (one per
    charge, when granted) name what each took, for `Limiter.settle`; "" where a bucket cannot
    be settled (calendar windows)."""

    wait_seconds: float
    tickets: tuple[str, ...] = ()


class Limiter(Protocol):
    """The shared limiter (workers.limiter). `credential` is a fingerprint, never the secret."""

    def acquire(self, vendor: str, credential: str, bucket: Bucket, cost: int = 1) -> float:
        """Seconds to wait; 0 means the call was granted and may go now."""
        ...

    def acquire_all(self, vendor: str, credential: str, charges: Sequence[Charge]) -> float:
        """Take every charge at once or none: seconds to wait, 0 when granted."""
        ...

    def grant_all(self, vendor: str, credential: str, charges: Sequence[Charge]) -> Grant:
        """`acquire_all`, saying what each charge took when granted (see `settle`)."""
        ...

    def settle(self, vendor: str, credential: str, bucket: Bucket, ticket: str, units: int) -> None:
        """The grant `ticket` of `bucket` really took `units` (a vendor that charges after the
        fact, as Shopify refunds what a query did not use): the bucket counts that instead."""
        ...

    def cap_level(self, vendor: str, credential: str, bucket: Bucket, available: float) -> None:
        """The vendor says `available` units are left in a leaky bucket: never count more."""
        ...

    def pause(self, vendor: str, credential: str, bucket: str, seconds: float) -> float:
        """Hold every worker's calls to the bucket for `seconds`."""
        ...

    def pause_vendor(self, vendor: str, credential: str, seconds: float) -> float:
        """Hold every worker's calls to every bucket of the vendor for `seconds`."""
        ...

    def has_room(self, vendor: str, credential: str, bucket: Bucket) -> bool:
        """True when one more unit would fit in the bucket now (nothing is taken)."""
        ...

    def record_throttled(self, vendor: str, credential: str, bucket: str) -> None:
        """Count one refused (429) response, for `tajo connectors status`."""
        ...


@dataclass(frozen=True)
class Runtime:
    new_session: Callable[[], Session]
    config: Callable[[], TajoConfig]
    #: None when there is no shared Redis (unit tests): calls then go unmetered.
    limiter: Limiter | None = None


_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    """Install the process's runtime, and with it the request gate connectors announce each
    call to (a no-op while the runtime has no limiter)."""
    global _current
    _current = runtime
    from connectors.core.ratelimit import install_gate
    from tasks.limits import LimiterGate  # imported here: tasks.limits imports this module

    install_gate(LimiterGate() if runtime.limiter is not None else None)


def installed() -> Runtime | None:
    """The runtime, or None before `install` (the request gate then lets calls through)."""
    return _current


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("tasks.runtime is not installed: import the `workers` app first")
    return _current


@contextmanager
def transaction() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = current().new_session()
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def config() -> TajoConfig:
    return current().config()
