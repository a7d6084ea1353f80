"""What tasks need from the process they run in, installed by `workers` when the app is built.

Tasks may not import `workers` (arrows go one way), so the app hands them a Runtime instead:
how to open a database session and how to read the current config.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from connectors.config import TajoConfig


@dataclass(frozen=True)
class Runtime:
    new_session: Callable[[], Session]
    config: Callable[[], TajoConfig]


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
