"""The live state of one Pipedrive fake: its data set, touches, rate limit, failures and log."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.common.failures import FailureSwitch
from sandbox.common.ratelimit import FixedWindowLimiter
from sandbox.common.requestlog import RequestLog
from sandbox.common.timefmt import to_rfc3339
from sandbox.pipedrive.budget import Arrivals, DailyTokenBudget
from sandbox.pipedrive.fields import custom_person_fields, person_field_definitions
from sandbox.pipedrive.keyset import PageRequest, page_ids
from sandbox.pipedrive.people import (
    build_organization,
    build_person,
    last_name_after_touches,
    organization_count,
)
from sandbox.pipedrive.query import encode_cursor
from sandbox.pipedrive.timeline import Timeline

#: Requests per 2-second window per token: Pipedrive's figure for OAuth tokens on the
#: Essential plan. https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting
DEFAULT_BURST = 80
BURST_WINDOW_SECONDS = 2.0
FAILURE_STATUSES = frozenset({401, 403, 429, 500, 502, 503})


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    next_cursor: str | None


class PipedriveFake:
    """Deterministic persons and organizations (computed per id), plus what tests change."""

    def __init__(
        self,
        *,
        records: int = 1000,
        seed: int = 0,
        token: str | None = None,
        burst: int | None = DEFAULT_BURST,
    ) -> None:
        self.seed = seed
        self._token = token
        self._initial_burst = burst
        self.custom_fields = custom_person_fields(seed)
        self._persons = Timeline(records, seed)
        self._organizations = Timeline(organization_count(records), seed + 1)
        self._touches: Counter[int] = Counter()
        #: Fields a test changed on a person ("fix the record at the vendor"), applied on read.
        self._edits: dict[int, dict[str, Any]] = {}
        self._lock = threading.RLock()
        self.failures = FailureSwitch(FAILURE_STATUSES, allow_malformed=True)
        self.rate_limit = FixedWindowLimiter(burst, BURST_WINDOW_SECONDS)
        #: Off unless a test or `/_sandbox/token_budget` sets one.
        self.budget = DailyTokenBudget()
        self.arrivals = Arrivals()
        self.log = RequestLog()

    def reset(self) -> None:
        """Back to the state right after construction: no touches, failure rules or logged
        requests; the initial rate limit, with fresh windows."""
        with self._lock:
            self._persons = Timeline(self._persons.count, self.seed)
            self._organizations = Timeline(self._organizations.count, self.seed + 1)
            self._touches.clear()
            self._edits.clear()
            self.failures.clear()
            self.rate_limit.configure(self._initial_burst)
            self.budget.configure(None)
            self.arrivals.clear()
            self.log = RequestLog()

    def __repr__(self) -> str:
        # Never show the token.
        return f"PipedriveFake(count={self.count}, seed={self.seed})"

    # -- data ---------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        return self._persons.count

    @property
    def organization_count(self) -> int:
        return self._organizations.count

    def request_count(self, path_prefix: str | None = None) -> int:
        """API requests so far whose route template starts with `path_prefix`."""
        return self.log.count(path_prefix)

    def person(self, person_id: int) -> dict[str, Any]:
        """The person as the API returns it now; KeyError if there is no such id."""
        with self._lock:
            if not self._persons.exists(person_id):
                raise KeyError(person_id)
            record = build_person(
                self.seed, person_id, self._persons, self.organization_count, self.custom_fields
            )
            touches = self._touches.get(person_id, 0)
            if touches:
                record["last_name"] = last_name_after_touches(record["last_name"], touches)
                record["name"] = f"{record['first_name']} {record['last_name']}"
            record.update(self._edits.get(person_id, {}))
            return record

    def organization(self, org_id: int) -> dict[str, Any]:
        with self._lock:
            if not self._organizations.exists(org_id):
                raise KeyError(org_id)
            return build_organization(self.seed, org_id, self._organizations)

    def persons_page(self, request: PageRequest) -> Page:
        with self._lock:
            ids = page_ids(self._persons, request)
            records = [self.person(person_id) for person_id in ids.ids]
        return Page(records, self._cursor(request, ids.next_after))

    def organizations_page(self, request: PageRequest) -> Page:
        with self._lock:
            ids = page_ids(self._organizations, request)
            records = [self.organization(org_id) for org_id in ids.ids]
        return Page(records, self._cursor(request, ids.next_after))

    def person_fields(self) -> list[dict[str, Any]]:
        return person_field_definitions(self.custom_fields)

    @staticmethod
    def _cursor(request: PageRequest, after: tuple[int, ...] | None) -> str | None:
        return None if after is None else encode_cursor(request.sort_by, request.descending, after)

    # -- changes ------------------------------------------------------------------------------

    def touch(self, ids: Iterable[int]) -> str:
        """Give these persons a new last name and an update_time later than any other.

        Returns that update_time: `updated_since=<it>` with `sort_by=update_time` lists exactly
        the persons of this touch (and of later ones).
        """
        with self._lock:
            epoch = self._persons.next_touch_epoch(int(time.time()))
            for person_id in self._persons.touch(ids, epoch):
                self._touches[person_id] += 1
            return to_rfc3339(epoch)

    def edit_person(self, person_id: int, changes: dict[str, Any]) -> str:
        """Change top-level fields of a person (e.g. give it `emails`), as a user would in
        Pipedrive; its update_time moves past every other. Returns that update_time."""
        with self._lock:
            if not self._persons.exists(person_id):
                raise KeyError(person_id)
            self._edits.setdefault(person_id, {}).update(changes)
            epoch = self._persons.next_touch_epoch(int(time.time()))
            self._persons.touch([person_id], epoch)
            return to_rfc3339(epoch)

    def touch_fraction(self, fraction: float, seed: int = 0) -> list[int]:
        """Touch a deterministic `fraction` of all persons; returns their ids, ascending."""
        chosen = self.pick_fraction(fraction, seed)
        self.touch(chosen)
        return chosen

    def pick_fraction(self, fraction: float, seed: int = 0) -> list[int]:
        """The ids `touch_fraction(fraction, seed)` touches, without touching them."""
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be in [0, 1]")
        how_many = round(self.count * fraction)
        return sorted(random.Random(f"touch:{seed}").sample(range(1, self.count + 1), how_many))

    @property
    def touched_count(self) -> int:
        with self._lock:
            return self._persons.touched_count

    # -- access -------------------------------------------------------------------------------

    def accepts(self, token: str | None) -> bool:
        """Any non-empty token, unless the fake was told which one to insist on."""
        if not token:
            return False
        return self._token is None or token == self._token

    def set_rate_limit(self, burst: int | None) -> None:
        """Requests per 2-second window per token; None switches the limit off."""
        self.rate_limit.configure(burst)

    def set_token_budget(self, tokens: int | None, day_seconds: float = 86_400.0) -> None:
        """Tokens per day per token (None: off); the day starts at multiples of `day_seconds`."""
        self.budget.configure(tokens, day_seconds)

    def state(self) -> dict[str, Any]:
        """What `GET /_sandbox/state` answers."""
        return {
            "count": self.count,
            "organizations": self.organization_count,
            "seed": self.seed,
            "touched": self.touched_count,
            "requests": self.log.total(),
            "requests_by_route": self.log.by_route_and_status(),
            "rate_limit": {
                "burst": self.rate_limit.limit,
                "window_seconds": self.rate_limit.window_seconds,
            },
            "token_budget": {
                "daily_tokens": self.budget.tokens,
                "day_seconds": self.budget.day_seconds,
            },
            "failures": self.failures.active(),
        }
