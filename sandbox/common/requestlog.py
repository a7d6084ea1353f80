"""What a fake was asked: totals by route and status, plus the most recent requests verbatim.

Counters are keyed by route *template* (`PUT /v3/contacts/{identifier}`), so a run that touches a
million contacts keeps a handful of keys; the verbatim tail is bounded for the same reason.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any

RECENT_REQUESTS_KEPT = 10_000


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    route: str
    status: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "route": self.route,
            "status": self.status,
        }


class RequestLog:
    def __init__(self, keep_recent: int = RECENT_REQUESTS_KEPT) -> None:
        self._by_route_status: Counter[tuple[str, str, int]] = Counter()
        self._recent: deque[LoggedRequest] = deque(maxlen=keep_recent)
        self._lock = threading.Lock()

    def record(self, method: str, path: str, route: str, status: int) -> None:
        with self._lock:
            self._by_route_status[(method, route, status)] += 1
            self._recent.append(LoggedRequest(method, path, route, status))

    def total(self) -> int:
        with self._lock:
            return sum(self._by_route_status.values())

    def count(
        self, route_prefix: str | None = None, method: str | None = None, status: int | None = None
    ) -> int:
        """Requests whose route template starts with `route_prefix` (and match method/status)."""
        with self._lock:
            return sum(
                n
                for (m, route, s), n in self._by_route_status.items()
                if (route_prefix is None or route.startswith(route_prefix))
                and (method is None or m == method)
                and (status is None or s == status)
            )

    def recent(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._recent)

    def by_route(self) -> dict[str, int]:
        """`{"POST /v3/contacts/import": 3, ...}`"""
        totals: Counter[str] = Counter()
        with self._lock:
            for (method, route, _), n in self._by_route_status.items():
                totals[f"{method} {route}"] += n
        return dict(sorted(totals.items()))

    def by_route_and_status(self) -> dict[str, dict[str, int]]:
        """`{"GET /api/v2/persons": {"200": 10, "429": 1}, ...}`"""
        table: dict[str, dict[str, int]] = {}
        with self._lock:
            for (method, route, status), n in sorted(self._by_route_status.items()):
                table.setdefault(f"{method} {route}", {})[str(status)] = n
        return table
