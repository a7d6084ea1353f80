"""The one place that decides what happens to a task when something goes wrong.

Every task uses `PolicyTask` as its base, so no retry decorator is pasted on each task:
- RateLimitedError / Deferred: not an error. Short waits sleep; longer ones re-enqueue the task
  with a countdown. Neither touches the error-retry budget.
- VendorUnavailableError and transient infrastructure errors: bounded exponential backoff with
  jitter; when the budget is spent the task's `give_up` hook runs (dead letters, failed job).
- AuthError, ForbiddenError, VendorValidationError, ConfigError: no retry; `give_up` runs at once.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from typing import Any

import redis
import sqlalchemy.exc
from celery import Task
from celery.exceptions import Ignore, TaskPredicate

from connectors.core.errors import (
    AuthError,
    ConfigError,
    ForbiddenError,
    RateLimitedError,
    SyncError,
    VendorUnavailableError,
    VendorValidationError,
)

log = logging.getLogger(__name__)

#: Waits up to this long are slept through in the worker; longer ones become a countdown.
SHORT_WAIT_SECONDS = 2.0
#: The longest countdown we ever set: far below the broker's visibility timeout (TAJO_VISIBILITY_
#: TIMEOUT, 2 h by default), because Redis redelivers ETA tasks held longer than that.
MAX_COUNTDOWN_SECONDS = 300.0
MAX_ERROR_RETRIES = 6
BACKOFF_CAP_SECONDS = 120.0

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    VendorUnavailableError,
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
)
FATAL_ERRORS: tuple[type[BaseException], ...] = (
    AuthError,
    ForbiddenError,
    VendorValidationError,
    ConfigError,
)

GiveUp = Callable[[BaseException, Mapping[str, Any]], None]


class Deferred(Exception):
    """Raised by a task that must come back later (an import still running, work not ready)."""

    def __init__(self, wait_seconds: float, why: str) -> None:
        self.wait_seconds = wait_seconds
        super().__init__(why)


def backoff_seconds(retries: int, *, cap: float = BACKOFF_CAP_SECONDS) -> float:
    """Exponential backoff with jitter: spreads the retries of many workers apart."""
    ceiling = min(cap, 2.0 ** (retries + 1))
    return random.uniform(ceiling / 2, ceiling)


def error_category(exc: BaseException) -> str:
    if isinstance(exc, SyncError):
        return exc.category
    if isinstance(exc, ConfigError):
        return "config"
    if isinstance(exc, TRANSIENT_ERRORS):
        return "infrastructure"
    return "internal"


def describe(exc: BaseException) -> str:
    """One line for operators: our errors say what they are; foreign ones (a database error, a
    bug) give their type and first line only, since their full text can quote whole payloads."""
    if isinstance(exc, (SyncError, ConfigError)):
        return str(exc)
    first_line = (str(exc).splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line[:300]}"


class PolicyTask(Task):
    """Base of every Tajo task. Set `give_up` (a staticmethod) to react when a task stops trying."""

    abstract = True
    max_retries = MAX_ERROR_RETRIES
    backoff_cap: float = BACKOFF_CAP_SECONDS
    # Expected outcomes: Celery logs them without a traceback.
    throws = (*FATAL_ERRORS, RateLimitedError)
    give_up: GiveUp | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        slept = 0
        while True:
            try:
                return super().__call__(*args, **kwargs)
            except (RateLimitedError, Deferred) as exc:
                wait = exc.wait_seconds
                if wait <= SHORT_WAIT_SECONDS and slept < 3:
                    slept += 1
                    time.sleep(wait)
                    continue
                self._defer(wait)
            except TRANSIENT_ERRORS as exc:
                if self.request.retries >= self.max_retries:
                    self._give_up(exc, kwargs)
                    raise
                countdown = backoff_seconds(self.request.retries, cap=self.backoff_cap)
                log.warning(
                    "%s: %s, retry %d in %.1fs",
                    self.name,
                    error_category(exc),
                    self.request.retries + 1,
                    countdown,
                )
                raise self.retry(exc=exc, countdown=countdown) from None
            except FATAL_ERRORS as exc:
                self._give_up(exc, kwargs)
                raise
            except TaskPredicate:
                raise  # Celery's own control flow (retry, ignore, reject)
            except Exception as exc:
                # A bug, not a vendor: no retry, but the job must not stay "running" forever.
                self._give_up(exc, kwargs)
                raise

    def _defer(self, wait: float) -> None:
        countdown = min(max(wait, 0.0), MAX_COUNTDOWN_SECONDS)
        # A fresh message with the same arguments: the retry counter is not touched.
        self.apply_async(
            args=self.request.args,
            kwargs=self.request.kwargs,
            countdown=countdown,
            retries=self.request.retries,
        )
        raise Ignore()

    def _give_up(self, exc: BaseException, kwargs: Mapping[str, Any]) -> None:
        hook = type(self).give_up
        if hook is None:
            return
        try:
            hook(exc, kwargs)
        except Exception:
            # The hook must never hide the original failure.
            log.exception("%s: give-up hook failed", self.name)
