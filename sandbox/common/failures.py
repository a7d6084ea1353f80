"""Failure switches: make a fake answer errors, slowly, or with broken records, on demand.

A rule says *what* goes wrong (`mode`: an HTTP status such as 401/429/503, `"slow"` or
`"malformed"`) and *when*: the next `count` requests, a `fraction` of requests, for `seconds`,
or any mix (all given limits must hold). A rule with no limit stays on until cleared. Rules are
set in-process (`fake.failures.set(503, count=2)`) or over HTTP (`POST /_sandbox/failures`
with the same fields as JSON), so a demo in another process can flip them too.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SLOW = "slow"
MALFORMED = "malformed"

FailureMode = int | str


class FailureRuleError(ValueError):
    """A failure rule that cannot be honoured (unknown mode, bad limits)."""


@dataclass
class FailureRule:
    mode: FailureMode
    count: int | None = None
    fraction: float | None = None
    until: float | None = None
    delay_seconds: float = 1.0
    record_fraction: float = 0.2
    path_prefix: str | None = None
    rng: random.Random = field(default_factory=lambda: random.Random(0), repr=False)

    def expired(self, now: float) -> bool:
        if self.count is not None and self.count <= 0:
            return True
        return self.until is not None and now >= self.until

    def describe(self, now: float) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "count": self.count,
            "fraction": self.fraction,
            "seconds_left": None if self.until is None else max(0.0, self.until - now),
            "delay_seconds": self.delay_seconds,
            "record_fraction": self.record_fraction,
            "path_prefix": self.path_prefix,
        }


@dataclass(frozen=True)
class Failure:
    """What the fake must do to the current request."""

    mode: FailureMode
    delay_seconds: float
    record_fraction: float

    @property
    def status(self) -> int | None:
        return self.mode if isinstance(self.mode, int) else None


class FailureSwitch:
    """Thread-safe list of failure rules for one fake; the first rule that fires wins."""

    def __init__(self, allowed_statuses: frozenset[int], allow_malformed: bool) -> None:
        self._allowed_statuses = allowed_statuses
        self._allow_malformed = allow_malformed
        self._rules: list[FailureRule] = []
        self._lock = threading.Lock()

    def set(self, mode: FailureMode, **options: Any) -> FailureRule:
        """Replace every rule with this one (the options of `add`)."""
        self.clear()
        return self.add(mode, **options)

    def add(
        self,
        mode: FailureMode,
        *,
        count: int | None = None,
        fraction: float | None = None,
        seconds: float | None = None,
        delay_seconds: float = 1.0,
        record_fraction: float = 0.2,
        path_prefix: str | None = None,
        seed: int = 0,
    ) -> FailureRule:
        """Add a rule after the existing ones."""
        rule = self._build(
            mode, count, fraction, seconds, delay_seconds, record_fraction, path_prefix, seed
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    def set_from_json(self, payload: Mapping[str, Any]) -> FailureRule:
        """`{"mode": 503, "count": 2}` as sent to `POST /_sandbox/failures`; `append` adds."""
        try:
            mode = _parse_mode(payload["mode"])
            kwargs: dict[str, Any] = {
                "count": _optional_int(payload.get("count")),
                "fraction": _optional_float(payload.get("fraction")),
                "seconds": _optional_float(payload.get("seconds")),
                "delay_seconds": float(payload.get("delay_seconds", 1.0)),
                "record_fraction": float(payload.get("record_fraction", 0.2)),
                "path_prefix": payload.get("path_prefix"),
                "seed": int(payload.get("seed", 0)),
            }
        except (KeyError, TypeError, ValueError) as exc:
            raise FailureRuleError(f"bad failure rule: {exc}") from exc
        if payload.get("append"):
            return self.add(mode, **kwargs)
        return self.set(mode, **kwargs)

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def active(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            self._rules = [rule for rule in self._rules if not rule.expired(now)]
            return [rule.describe(now) for rule in self._rules]

    def next_failure(self, path: str) -> Failure | None:
        """Decide (and consume) the failure for one request to `path`, if any."""
        now = time.monotonic()
        with self._lock:
            self._rules = [rule for rule in self._rules if not rule.expired(now)]
            for rule in self._rules:
                if rule.path_prefix is not None and not path.startswith(rule.path_prefix):
                    continue
                if rule.fraction is not None and rule.rng.random() >= rule.fraction:
                    continue
                if rule.count is not None:
                    rule.count -= 1
                return Failure(rule.mode, rule.delay_seconds, rule.record_fraction)
        return None

    def _build(
        self,
        mode: FailureMode,
        count: int | None,
        fraction: float | None,
        seconds: float | None,
        delay_seconds: float,
        record_fraction: float,
        path_prefix: str | None,
        seed: int,
    ) -> FailureRule:
        if isinstance(mode, int):
            if mode not in self._allowed_statuses:
                allowed = sorted(self._allowed_statuses)
                raise FailureRuleError(f"status {mode} is not one of {allowed}")
        elif mode == MALFORMED:
            if not self._allow_malformed:
                raise FailureRuleError("this fake has no malformed-record mode")
        elif mode != SLOW:
            raise FailureRuleError(f"unknown failure mode {mode!r}")
        if count is not None and count < 1:
            raise FailureRuleError("count must be at least 1")
        if fraction is not None and not 0.0 < fraction <= 1.0:
            raise FailureRuleError("fraction must be in (0, 1]")
        if seconds is not None and seconds <= 0:
            raise FailureRuleError("seconds must be positive")
        if delay_seconds < 0 or not 0.0 <= record_fraction <= 1.0:
            raise FailureRuleError("delay_seconds must be >= 0 and record_fraction in [0, 1]")
        until = None if seconds is None else time.monotonic() + seconds
        return FailureRule(
            mode=mode,
            count=count,
            fraction=fraction,
            until=until,
            delay_seconds=delay_seconds,
            record_fraction=record_fraction,
            path_prefix=path_prefix,
            rng=random.Random(seed),
        )


def _parse_mode(raw: object) -> FailureMode:
    if isinstance(raw, bool):
        raise ValueError("mode must be a status code or a name")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        return int(raw) if raw.isdigit() else raw
    raise ValueError("mode must be a status code or a name")


def _optional_int(raw: object) -> int | None:
    return None if raw is None else int(str(raw))


def _optional_float(raw: object) -> float | None:
    return None if raw is None else float(str(raw))
