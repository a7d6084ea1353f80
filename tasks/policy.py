"""The one place that decides what happens to a task when something goes wrong.

Every task uses `PolicyTask` as its base, so no retry decorator is pasted on each task:
- RateLimitedError / NotReadyError (a vendor export still running) / Deferred: not an error,
  and never a use of the error-retry budget. Three tiers by the wait:
  - up to SHORT_WAIT_SECONDS: slept through in the worker;
  - up to the countdown cap (minutes): the task is re-enqueued with that countdown;
  - longer (a spent daily budget): the task is *parked*: re-enqueued with the capped countdown,
    again and again, until the wait is over. Each wake-up re-runs the task, whose first vendor
    call asks the shared limiter again (the pause keys are the truth): while the pause holds,
    that costs one Redis call and no vendor request; once it ends (or an operator lifts it),
    the job resumes where it stopped. The cap stays a quarter of the broker's visibility
    timeout at most: Redis redelivers a message held unacknowledged longer than that, and a
    countdown task is held unacknowledged by the worker that fetched it.
- Broker or Redis outages (a restart): the task waits in place and runs again once they answer,
  up to BROKER_OUTAGE_SECONDS; it cannot re-enqueue itself while the broker is away.
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

import kombu.exceptions
import redis
import sqlalchemy.exc
from celery import Task
from celery.exceptions import Ignore, TaskPredicate

from connectors.core.errors import (
    AuthError,
    ConfigError,
    ForbiddenError,
    NotReadyError,
    RateLimitedError,
    SyncError,
    VendorUnavailableError,
    VendorValidationError,
)

log = logging.getLogger(__name__)

#: Waits up to this long are slept through in the worker; longer ones become a countdown.
SHORT_WAIT_SECONDS = 2.0
#: Short waits slept through in one run before the task is re-enqueued instead.
MAX_SLEEPS = 3
#: The longest countdown we ever set: far below the broker's visibility timeout (TAJO_VISIBILITY_
#: TIMEOUT, 2 h by default), because Redis redelivers ETA tasks held longer than that.
MAX_COUNTDOWN_SECONDS = 300.0
#: The share of the visibility timeout a countdown may use at most, whatever it is set to.
VISIBILITY_SHARE = 0.25
#: Extra countdown, as a share of the wait (at most a second), so tasks parked on one pause do
#: not all wake in the same instant.
WAKE_JITTER_SHARE = 0.05
#: How long a task waits in place for the broker (or the limiter's Redis) to come back.
BROKER_OUTAGE_SECONDS = 120.0
MAX_ERROR_RETRIES = 6
BACKOFF_CAP_SECONDS = 120.0

#: The broker (or the Redis the limiter shares with it) did not answer.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError,
    redis.ConnectionError,
    redis.TimeoutError,
)

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


def countdown_cap(visibility_timeout: float | None) -> float:
    """The longest countdown a deferral may set under this visibility timeout."""
    if visibility_timeout is None or visibility_timeout <= 0:
        return MAX_COUNTDOWN_SECONDS
    return min(MAX_COUNTDOWN_SECONDS, visibility_timeout * VISIBILITY_SHARE)


def deferral(wait: float, cap: float, jitter: float = 0.0) -> tuple[float, bool]:
    """(countdown, parked) for a wait longer than a short sleep: the wait itself (plus `jitter`
    seconds) when it fits under `cap`, else `cap` with parked True (the task re-checks then)."""
    countdown = max(0.0, wait) + max(0.0, jitter)
    if countdown <= cap:
        return countdown, False
    return cap, True


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
    throws = (*FATAL_ERRORS, RateLimitedError, NotReadyError)
    give_up: GiveUp | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        slept = 0
        outage_started: float | None = None
        while True:
            try:
                return super().__call__(*args, **kwargs)
            except (RateLimitedError, NotReadyError, Deferred) as exc:
                wait = exc.wait_seconds
                if wait <= SHORT_WAIT_SECONDS and slept < MAX_SLEEPS:
                    slept += 1
                    time.sleep(wait)
                    continue
                self._defer(wait, str(exc))
            except BROKER_ERRORS as exc:
                # Every outcome but waiting (a retry, a deferral) needs the broker: wait for it,
                # then run again (delivery is at-least-once; every write is idempotent).
                now = time.monotonic()
                outage_started = now if outage_started is None else outage_started
                if now - outage_started < BROKER_OUTAGE_SECONDS:
                    log.warning("%s: broker unreachable (%s), waiting", self.name, describe(exc))
                    time.sleep(min(5.0, 0.5 + (now - outage_started) / 4))
                    continue
                self._give_up(exc, kwargs)
                raise
            except TRANSIENT_ERRORS as exc:
                if self.request.retries >= self.max_retries:
                    self._give_up(exc, kwargs)
                    raise
                countdown = min(
                    backoff_seconds(self.request.retries, cap=self.backoff_cap),
                    self._countdown_cap(),
                )
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

    def _countdown_cap(self) -> float:
        options = self.app.conf.broker_transport_options or {}
        return countdown_cap(options.get("visibility_timeout"))

    def _defer(self, wait: float, why: str) -> None:
        cap = self._countdown_cap()
        jitter = random.uniform(0.0, min(1.0, max(wait, 0.0) * WAKE_JITTER_SHARE))
        countdown, parked = deferral(wait, cap, jitter)
        if parked:
            log.info(
                "%s: parked for %.0fs (%s); re-checks in %.0fs", self.name, wait, why, countdown
            )
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
