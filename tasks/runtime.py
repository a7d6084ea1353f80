"""What tasks need from the process they run in, installed by `workers` when the app is built.

Tasks may not import `workers` (arrows go one way), so the app hands them a Runtime instead:
how to open a database session, how to read the current config and, when the broker is Redis,
the rate limiter all workers share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.orm import Session

from connectors.config import TajoConfig


@dataclass(frozen=True)
class Bucket:
    """One vendor limit: at most `limit` units (requests or tokens) in any `per_seconds`."""

    name: str
    limit: int
    per_seconds: float


class Limiter(Protocol):
    """The shared limiter (workers.limiter). `credential` is a fingerprint, never the secret."""

    def acquire(self, vendor: str, credential: str, bucket: Bucket, cost: int = 1) -> float:
        """Seconds to wait; 0 means the call was granted and may go now."""
        ...

    def pause(self, vendor: str, credential: str, bucket: str, seconds: float) -> float:
        """Hold every worker's calls to the bucket for `seconds`."""
        ...


@dataclass(frozen=True)
class Runtime:
    new_session: Callable[[], Session]
    config: Callable[[], TajoConfig]
    #: None when there is no shared Redis (unit tests): calls then go unmetered.
    limiter: Limiter | None = None


_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _current
    _current = runtime


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
