"""The live state of one Pipedrive fake: its data set, touches, rate limit, failures and log.

Every resource is computed per id from the seed (see `people.py`, `crm.py`, `slots.py`); only
what tests change is stored: touched ids (a new update_time past every other), edits, deletions
and person merges. A merge deletes the merged person and moves its deals and activities to the
person it was merged into (their update_time moves too, as on Pipedrive). Leads that named the
merged person name the survivor on read, but keep their update_time: a lead's person is drawn,
not laid out in slots, so finding them would mean scanning every lead.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sandbox.common.failures import FailureSwitch
from sandbox.common.ratelimit import FixedWindowLimiter
from sandbox.common.requestlog import RequestLog
from sandbox.common.timefmt import to_rfc3339
from sandbox.pipedrive.budget import Arrivals, DailyTokenBudget
from sandbox.pipedrive.crm import build_activity, build_deal, build_lead, lead_index, lead_uuid
from sandbox.pipedrive.fields import (
    custom_deal_fields,
    custom_organization_fields,
    custom_person_fields,
    deal_field_definitions,
    organization_field_definitions,
    person_field_definitions,
)
from sandbox.pipedrive.keyset import PageRequest, page_ids
from sandbox.pipedrive.oauth import OAuthServer
from sandbox.pipedrive.offset import OffsetRequest, offset_page
from sandbox.pipedrive.people import (
    build_organization,
    build_person,
    last_name_after_touches,
    organization_count,
)
from sandbox.pipedrive.pipelines import pipeline_records, stage_records
from sandbox.pipedrive.query import encode_cursor
from sandbox.pipedrive.slots import (
    ACTIVITY_SLOTS,
    DEAL_SLOTS,
    activity_ids_of,
    activity_slot_used,
    deal_ids_of,
    deal_slot_used,
    owner_of,
)
from sandbox.pipedrive.timeline import Timeline

#: Requests per 2-second window per token: Pipedrive's figure for OAuth tokens on the
#: Essential plan. https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting
DEFAULT_BURST = 80
BURST_WINDOW_SECONDS = 2.0
FAILURE_STATUSES = frozenset({401, 403, 429, 500, 502, 503})
#: The resources the fake serves, as the connector names them.
RESOURCES = ("persons", "organizations", "deals", "activities", "leads")
RecordId = int | str


def lead_count(person_count: int) -> int:
    return max(1, person_count // 4)


@dataclass(frozen=True)
class Page:
    records: list[dict[str, Any]]
    next_cursor: str | None


class PipedriveFake:
    """Deterministic persons, organizations, deals, activities and leads (computed per id),
    plus what tests change."""

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
        self._initial_count = records
        self.custom_fields = custom_person_fields(seed)
        self.custom_deal_fields = custom_deal_fields(seed)
        self.custom_organization_fields = custom_organization_fields(seed)
        self._lock = threading.RLock()
        self._new_data_set(records)
        self.failures = FailureSwitch(FAILURE_STATUSES, allow_malformed=True)
        self.rate_limit = FixedWindowLimiter(burst, BURST_WINDOW_SECONDS)
        #: Off unless a test or `/_sandbox/token_budget` sets one.
        self.budget = DailyTokenBudget()
        self.arrivals = Arrivals()
        self.log = RequestLog()
        #: Apps, grants and the access tokens `Authorization: Bearer` may carry.
        self.oauth = OAuthServer()

    def _new_data_set(self, records: int) -> None:
        seed = self.seed
        self._timelines: dict[str, Timeline] = {
            "persons": Timeline(records, seed),
            "organizations": Timeline(organization_count(records), seed + 1),
            "deals": Timeline(
                records * DEAL_SLOTS, seed + 2, present=lambda i: deal_slot_used(seed, i)
            ),
            "activities": Timeline(
                records * ACTIVITY_SLOTS, seed + 3, present=lambda i: activity_slot_used(seed, i)
            ),
            "leads": Timeline(lead_count(records), seed + 4),
        }
        self._persons = self._timelines["persons"]
        self._organizations = self._timelines["organizations"]
        #: touches per record: what a touch changes (a person's last name, a deal's title...)
        self._revisions: dict[str, Counter[int]] = {r: Counter() for r in RESOURCES}
        self._touches = self._revisions["persons"]
        #: Fields a test changed on a record ("fix the record at the vendor"), applied on read.
        self._changes: dict[str, dict[int, dict[str, Any]]] = {r: {} for r in RESOURCES}
        self._edits = self._changes["persons"]
        #: merged person id -> the person it was merged into
        self._merged_into: dict[int, int] = {}

    def reset(self) -> None:
        """Back to the state right after construction: no touches, edits, deletions, merges,
        failure rules or logged requests; the initial rate limit, with fresh windows."""
        with self._lock:
            self._new_data_set(self._initial_count)
            self.failures.clear()
            self.rate_limit.configure(self._initial_burst)
            self.budget.configure(None)
            self.arrivals.clear()
            self.log = RequestLog()
            self.oauth.reset()

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

    @property
    def lead_count(self) -> int:
        return self._timelines["leads"].count

    def request_count(self, path_prefix: str | None = None) -> int:
        """API requests so far whose route template starts with `path_prefix`."""
        return self.log.count(path_prefix)

    def person(self, person_id: int) -> dict[str, Any]:
        """The person as the API returns it now; KeyError if there is no such id."""
        with self._lock:
            if not self._persons.exists(person_id):
                raise KeyError(person_id)
            record = self._base_person(person_id)
            touches = self._touches.get(person_id, 0)
            if touches:
                record["last_name"] = last_name_after_touches(record["last_name"], touches)
                record["name"] = f"{record['first_name']} {record['last_name']}"
            record.update(self._edits.get(person_id, {}))
            return record

    def person_deal_counts(self, person_id: int) -> dict[str, int]:
        """The counts v2 adds with `include_fields` (the person's own deals, merged ones too)."""
        with self._lock:
            statuses = Counter(self.deal(i)["status"] for i in self.deal_ids_of_person(person_id))
        closed = statuses["won"] + statuses["lost"]
        return {
            "open_deals_count": statuses["open"],
            "won_deals_count": statuses["won"],
            "lost_deals_count": statuses["lost"],
            "closed_deals_count": closed,
        }

    def organization(self, org_id: int) -> dict[str, Any]:
        with self._lock:
            if not self._organizations.exists(org_id):
                raise KeyError(org_id)
            record = build_organization(self.seed, org_id, self._organizations)
            record["custom_fields"] = {
                field.key: f"Segment {org_id % 4 + 1}" for field in self.custom_organization_fields
            }
            revision = self._revisions["organizations"].get(org_id, 0)
            if revision:
                record["name"] = f"{record['name']} ({revision})"
            record.update(self._changes["organizations"].get(org_id, {}))
            return record

    def deal(self, deal_id: int) -> dict[str, Any]:
        with self._lock:
            timeline = self._timelines["deals"]
            if not timeline.exists(deal_id):
                raise KeyError(deal_id)
            creator = owner_of(deal_id, DEAL_SLOTS)
            record = build_deal(
                self.seed,
                deal_id,
                timeline,
                self.surviving_person(creator),
                self._base_person(creator)["org_id"],
                self.custom_deal_fields,
            )
            self._apply_revision("deals", deal_id, record, "title")
            record.update(self._changes["deals"].get(deal_id, {}))
            return record

    def activity(self, activity_id: int) -> dict[str, Any]:
        with self._lock:
            timeline = self._timelines["activities"]
            if not timeline.exists(activity_id):
                raise KeyError(activity_id)
            creator = owner_of(activity_id, ACTIVITY_SLOTS)
            record = build_activity(
                self.seed,
                activity_id,
                timeline,
                self.surviving_person(creator),
                self._base_person(creator)["org_id"],
                deal_ids_of(self.seed, creator),
            )
            if record["deal_id"] is not None and not self._timelines["deals"].exists(
                record["deal_id"]
            ):
                record["deal_id"] = None
            self._apply_revision("activities", activity_id, record, "subject")
            record.update(self._changes["activities"].get(activity_id, {}))
            return record

    def lead(self, lead_id: RecordId) -> dict[str, Any]:
        """A lead by its UUID (or its number inside the fake); KeyError when there is none."""
        with self._lock:
            index = self._index("leads", lead_id)
            timeline = self._timelines["leads"]
            if not timeline.exists(index):
                raise KeyError(lead_id)
            record = build_lead(self.seed, index, timeline, self.count, self.organization_count)
            if record["person_id"] is not None:
                record["person_id"] = self.surviving_person(record["person_id"])
            self._apply_revision("leads", index, record, "title")
            record.update(self._changes["leads"].get(index, {}))
            return record

    def record(self, resource: str, record_id: RecordId) -> dict[str, Any]:
        """Any resource's record as the API returns it now; KeyError when it is gone."""
        if resource == "persons":
            return self.person(int(record_id))
        if resource == "organizations":
            return self.organization(int(record_id))
        if resource == "deals":
            return self.deal(int(record_id))
        if resource == "activities":
            return self.activity(int(record_id))
        if resource == "leads":
            return self.lead(record_id)
        raise KeyError(resource)

    def existing_ids(self, resource: str) -> list[RecordId]:
        """Every id of `resource` that exists now, ascending (for tests: small accounts only)."""
        with self._lock:
            timeline = self._timelines[resource]
            ids = [i for i in range(1, timeline.count + 1) if timeline.exists(i)]
        if resource == "leads":
            return [lead_uuid(self.seed, i) for i in ids]
        return list(ids)

    def page(self, resource: str, request: PageRequest) -> Page:
        """A v2 page (keyset cursor) of persons, organizations, deals or activities."""
        with self._lock:
            ids = page_ids(self._timelines[resource], request)
            records = [self.record(resource, record_id) for record_id in ids.ids]
        return Page(records, self._cursor(request, ids.next_after))

    def persons_page(self, request: PageRequest) -> Page:
        return self.page("persons", request)

    def organizations_page(self, request: PageRequest) -> Page:
        return self.page("organizations", request)

    def leads_page(self, request: OffsetRequest) -> tuple[list[dict[str, Any]], bool]:
        """A v1 page of leads (offset paging) and whether more follow."""
        with self._lock:
            found = offset_page(self._timelines["leads"], request)
            return [self.lead(i) for i in found.ids], found.more

    def deal_ids_of_person(self, person_id: int) -> list[int]:
        """The deals that name this person now: its own, and those of persons merged into it."""
        with self._lock:
            owners = [person_id, *(m for m, into in self._merged_into.items() if into == person_id)]
            deals = self._timelines["deals"]
            return sorted(d for o in owners for d in deal_ids_of(self.seed, o) if deals.exists(d))

    def surviving_person(self, person_id: int) -> int:
        """The person a (possibly merged) person id now stands for."""
        seen = set()
        while person_id in self._merged_into and person_id not in seen:
            seen.add(person_id)
            person_id = self._merged_into[person_id]
        return person_id

    def person_fields(self) -> list[dict[str, Any]]:
        return person_field_definitions(self.custom_fields)

    def deal_fields(self) -> list[dict[str, Any]]:
        return deal_field_definitions(self.custom_deal_fields)

    def organization_fields(self) -> list[dict[str, Any]]:
        return organization_field_definitions(self.custom_organization_fields)

    @staticmethod
    def pipelines() -> list[dict[str, Any]]:
        return pipeline_records()

    @staticmethod
    def stages(pipeline_id: int | None = None) -> list[dict[str, Any]]:
        return stage_records(pipeline_id)

    def _base_person(self, person_id: int) -> dict[str, Any]:
        return build_person(
            self.seed, person_id, self._persons, self.organization_count, self.custom_fields
        )

    def _apply_revision(self, resource: str, index: int, record: dict[str, Any], key: str) -> None:
        revision = self._revisions[resource].get(index, 0)
        if revision:
            record[key] = f"{record[key]} (rev {revision})"

    def _index(self, resource: str, record_id: RecordId) -> int:
        if resource == "leads" and isinstance(record_id, str):
            index = lead_index(self.seed, record_id)
            if index is None:
                raise KeyError(record_id)
            return index
        return int(record_id)

    @staticmethod
    def _cursor(request: PageRequest, after: tuple[int, ...] | None) -> str | None:
        return None if after is None else encode_cursor(request.sort_by, request.descending, after)

    # -- changes ------------------------------------------------------------------------------

    def touch(self, ids: Iterable[int]) -> str:
        """Give these persons a new last name and an update_time later than any other.

        Returns that update_time: `updated_since=<it>` with `sort_by=update_time` lists exactly
        the persons of this touch (and of later ones).
        """
        return self.touch_records("persons", ids)

    def touch_records(self, resource: str, ids: Iterable[RecordId]) -> str:
        """Change these records (a person's last name, another record's title or name) and give
        them one update_time later than any other of the resource; returns that update_time
        (leads write it with milliseconds, as v1 does)."""
        with self._lock:
            timeline = self._timelines[resource]
            epoch = timeline.next_touch_epoch(int(time.time()))
            for index in timeline.touch([self._index(resource, i) for i in ids], epoch):
                self._revisions[resource][index] += 1
            return self._time_text(resource, epoch)

    def edit(self, resource: str, record_id: RecordId, changes: dict[str, Any]) -> str:
        """Change top-level fields of a record (a deal's `status`, a person's `emails`), as a
        user would in Pipedrive; its update_time moves past every other. Returns it."""
        with self._lock:
            timeline = self._timelines[resource]
            index = self._index(resource, record_id)
            if not timeline.exists(index):
                raise KeyError(record_id)
            self._changes[resource].setdefault(index, {}).update(changes)
            epoch = timeline.next_touch_epoch(int(time.time()))
            timeline.touch([index], epoch)
            return self._time_text(resource, epoch)

    def edit_person(self, person_id: int, changes: dict[str, Any]) -> str:
        """Change top-level fields of a person (e.g. give it `emails`), as a user would in
        Pipedrive; its update_time moves past every other. Returns that update_time."""
        return self.edit("persons", person_id, changes)

    def delete_records(self, resource: str, ids: Iterable[RecordId]) -> list[RecordId]:
        """Delete records: they leave every list, and reading one answers 404. Returns the ids
        that existed."""
        with self._lock:
            timeline = self._timelines[resource]
            gone = timeline.delete(self._index(resource, i) for i in ids)
        if resource == "leads":
            return [lead_uuid(self.seed, i) for i in gone]
        return list(gone)

    def merge_persons(self, merged_id: int, into_id: int) -> str:
        """Merge person `merged_id` into `into_id`, as `PUT /v1/persons/{id}/merge` does: the
        merged person is gone, its deals and activities now name the survivor, and the survivor
        and every moved record get a new update_time. Returns it."""
        with self._lock:
            if merged_id == into_id:
                raise ValueError("a person cannot be merged into itself")
            if not (self._persons.exists(merged_id) and self._persons.exists(into_id)):
                raise KeyError(merged_id if not self._persons.exists(merged_id) else into_id)
            moved_deals = self.deal_ids_of_person(merged_id)
            moved_activities = [
                a
                for owner in [
                    merged_id,
                    *(m for m, i in self._merged_into.items() if i == merged_id),
                ]
                for a in activity_ids_of(self.seed, owner)
            ]
            self._merged_into[merged_id] = into_id
            self._persons.delete([merged_id])
            epoch = self._persons.next_touch_epoch(int(time.time()))
            self._persons.touch([into_id], epoch)
            for resource, ids in (("deals", moved_deals), ("activities", moved_activities)):
                timeline = self._timelines[resource]
                timeline.touch(ids, max(epoch, timeline.next_touch_epoch(epoch)))
            return to_rfc3339(epoch)

    def touch_fraction(self, fraction: float, seed: int = 0) -> list[int]:
        """Touch a deterministic `fraction` of all persons; returns their ids, ascending."""
        chosen = self.pick_fraction(fraction, seed)
        self.touch(chosen)
        return chosen

    def touch_share(self, resource: str, fraction: float, seed: int = 0) -> list[RecordId]:
        """Touch a deterministic `fraction` of the existing records of `resource`."""
        ids = self.existing_ids(resource)
        chosen = sorted(
            random.Random(f"touch:{resource}:{seed}").sample(ids, round(len(ids) * fraction)),
            key=lambda i: self._index(resource, i),
        )
        self.touch_records(resource, chosen)
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

    @staticmethod
    def _time_text(resource: str, epoch: int) -> str:
        text = to_rfc3339(epoch)
        return text.removesuffix("Z") + ".000Z" if resource == "leads" else text

    # -- access -------------------------------------------------------------------------------

    def accepts(self, token: str | None) -> bool:
        """Any non-empty API token, unless the fake was told which one to insist on."""
        if not token:
            return False
        return self._token is None or token == self._token

    def account_of(self, request_headers: Mapping[str, str], api_token: str | None) -> str | None:
        """Who a request is from, as rate limits and budgets count it; None: a 401.

        `Authorization: Bearer` carries an OAuth access token, which must be one the OAuth
        server issued and that is still live; counted per grant, so a refresh keeps the
        account's window. Otherwise the API token (`x-api-token`, `?api_token=`)."""
        authorization = request_headers.get("authorization", "")
        if authorization.lower().startswith("bearer "):
            return self.oauth.account_of(authorization[len("bearer ") :].strip())
        return api_token if self.accepts(api_token) else None

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
            "leads": self.lead_count,
            "seed": self.seed,
            "touched": self.touched_count,
            "deleted": {r: len(t.deleted_ids) for r, t in self._timelines.items()},
            "merged": len(self._merged_into),
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
            "oauth": self.oauth.state(),
        }
