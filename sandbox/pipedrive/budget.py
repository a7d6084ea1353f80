"""Pipedrive's daily token budget: every request spends tokens by its endpoint's cost; once the
day's budget is spent every call is refused (429) until it resets at the start of the next day.

https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting . The "day" is configurable so
tests can watch a reset: a day of `day_seconds` starts at each multiple of it since the epoch
(86,400 s: midnight UTC), the same calendar the connector assumes.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

DAY_SECONDS = 86_400.0

#: Token costs by route template, as Pipedrive charges them: v2 costs half of v1; a list is
#: 10 (v2) or 20 (v1) tokens, a single record 1 (v2) or 2 (v1).
ROUTE_COSTS: dict[str, int] = {
    **{f"/api/v2/{name}": 10 for name in ("persons", "organizations", "deals", "activities")},
    **{
        f"/api/v2/{name}/{{id:int}}": 1
        for name in ("persons", "organizations", "deals", "activities")
    },
    "/api/v2/stages": 10,
    "/api/v2/pipelines": 10,
    **{
        f"{prefix}/{name}": 20
        for prefix in ("/v1", "/api/v1")
        for name in ("personFields", "dealFields", "organizationFields", "leads")
    },
    "/v1/leads/{id}": 2,
    "/api/v1/leads/{id}": 2,
}
DEFAULT_COST = 20

#: Pipedrive's headers for the budget (not in the reference docs, but sent on API responses).
LIMIT_HEADER = "x-daily-ratelimit-token-limit"
REMAINING_HEADER = "x-daily-ratelimit-token-remaining"


def cost_of(route: str) -> int:
    return ROUTE_COSTS.get(route, DEFAULT_COST)


@dataclass(frozen=True)
class BudgetVerdict:
    allowed: bool
    limit: int
    remaining: int

    def headers(self) -> dict[str, str]:
        return {LIMIT_HEADER: str(self.limit), REMAINING_HEADER: str(self.remaining)}


class DailyTokenBudget:
    """`tokens` per day per API token (account); `tokens=None` turns the budget off."""

    def __init__(self, tokens: int | None = None, day_seconds: float = DAY_SECONDS) -> None:
        self._lock = threading.Lock()
        self._spent: dict[str, tuple[int, int]] = {}
        self._tokens = tokens
        self._day_seconds = day_seconds
        self.configure(tokens, day_seconds)

    def configure(self, tokens: int | None, day_seconds: float = DAY_SECONDS) -> None:
        """Change the budget at runtime; what was spent today is forgotten."""
        if tokens is not None and tokens < 1:
            raise ValueError("a token budget must allow at least one token")
        if day_seconds <= 0:
            raise ValueError("day_seconds must be positive")
        with self._lock:
            self._tokens = tokens
            self._day_seconds = day_seconds
            self._spent.clear()

    @property
    def tokens(self) -> int | None:
        return self._tokens

    @property
    def day_seconds(self) -> float:
        return self._day_seconds

    def spent(self, key: str) -> int:
        """Tokens `key` has spent today (0 when the budget is off)."""
        with self._lock:
            day = int(time.time() // self._day_seconds)
            spent_day, spent = self._spent.get(key, (day, 0))
            return spent if spent_day == day else 0

    def take(self, key: str, cost: int) -> BudgetVerdict | None:
        """Spend `cost` tokens of `key`'s day; None when the budget is off.

        A request goes while any token is left, even one that costs more (the last one may
        overdraw to 0); at 0 every request is refused until the day ends, and a refused
        request spends nothing. So `remaining: 0` is what a refusal always says."""
        with self._lock:
            if self._tokens is None:
                return None
            day = int(time.time() // self._day_seconds)
            spent_day, spent = self._spent.get(key, (day, 0))
            if spent_day != day:
                spent = 0
            allowed = spent < self._tokens
            if allowed:
                spent = min(self._tokens, spent + cost)
            self._spent[key] = (day, spent)
            return BudgetVerdict(allowed, self._tokens, self._tokens - spent)


@dataclass(frozen=True)
class Arrival:
    """One API request as the fake saw it: when (epoch seconds), where, and the answer."""

    at: float
    route: str
    status: int
    daily_refusal: bool = False
    #: on a 429: the seconds `x-ratelimit-reset` told the caller to wait
    reset_seconds: float | None = None


class Arrivals:
    """The timeline of recent API requests, so tests can check what was sent when (after a
    429, nothing until the reset)."""

    def __init__(self, keep: int = 100_000) -> None:
        self._lock = threading.Lock()
        self._items: deque[Arrival] = deque(maxlen=keep)

    def record(self, arrival: Arrival) -> None:
        with self._lock:
            self._items.append(arrival)

    def all(self) -> list[Arrival]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
