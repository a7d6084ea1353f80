"""The live state of one Brevo fake: contacts, lists, events, CRM, objects, orders, background
processes, rate-limit buckets, failure switches and logs, with the helpers tests read it by."""

from __future__ import annotations

import threading
import time
from typing import Any

from sandbox.brevo.attributes import AttributeRegistry
from sandbox.brevo.contacts import ContactStore
from sandbox.brevo.crm import CrmStore, company_store, deal_store
from sandbox.brevo.events import EventLog
from sandbox.brevo.imports import ContactImport, ForcedFailures
from sandbox.brevo.limits import BUCKETS, CONTACTS, EVENTS, OTHER, PLANS, Bucket, BucketLimits
from sandbox.brevo.lists import DEFAULT_LIST_COUNT, ListRegistry
from sandbox.brevo.notify import Notification, Notifier
from sandbox.brevo.objects import ObjectStore
from sandbox.brevo.orders import OrderStore
from sandbox.brevo.processes import Process, ProcessQueue, Timing
from sandbox.brevo.products import ProductStore
from sandbox.brevo.timeline import TimedRequest, Timeline
from sandbox.common.failures import FailureSwitch
from sandbox.common.requestlog import RequestLog

#: Brevo's general plan: /v3/contacts 10 per second and 36,000 per hour, /v3/events the same,
#: every other endpoint 100 per hour. https://developers.brevo.com/docs/api-limits
CONTACTS_REQUESTS_PER_SECOND = 10
EVENTS_REQUESTS_PER_SECOND = 10
REQUESTS_PER_HOUR = 36_000
UNLISTED_REQUESTS_PER_HOUR = 100
#: Brevo documents 10 MB as the ceiling of an import body and recommends staying near 8 MB.
#: https://developers.brevo.com/reference/importcontacts-1
DEFAULT_IMPORT_MAX_BYTES = 8 * 1024 * 1024
FAILURE_STATUSES = frozenset({401, 429, 500, 502, 503})
UPDATE_CONFLICT_CODES = ("invalid_parameter", "duplicate_parameter")


class BrevoFake:
    def __init__(
        self,
        *,
        api_key: str | None = None,
        import_delay_seconds: float = 0.05,
        import_processing_seconds: float = 0.05,
        import_max_bytes: int = DEFAULT_IMPORT_MAX_BYTES,
        contacts_requests_per_second: int | None = CONTACTS_REQUESTS_PER_SECOND,
        events_requests_per_second: int | None = EVENTS_REQUESTS_PER_SECOND,
        other_requests_per_hour: int | None = None,
        list_count: int = DEFAULT_LIST_COUNT,
    ) -> None:
        self._api_key = api_key
        self._list_count = list_count
        # Brevo allows 100 requests per hour on endpoints its table does not list (/processes
        # among them). Off by default: tests and the demo poll processes far more often;
        # `apply_plan("general")` switches every bucket to Brevo's figures.
        self._initial_limits = {
            CONTACTS: BucketLimits(contacts_requests_per_second, REQUESTS_PER_HOUR),
            EVENTS: BucketLimits(events_requests_per_second, REQUESTS_PER_HOUR),
            OTHER: BucketLimits(None, other_requests_per_hour),
        }
        self._initial_timing = Timing(import_delay_seconds, import_processing_seconds)
        self.import_max_bytes = import_max_bytes
        self.buckets = {name: Bucket(self._initial_limits[name]) for name in BUCKETS}
        self.failures = FailureSwitch(FAILURE_STATUSES, allow_malformed=False)
        self._lock = threading.Lock()
        self._fresh_account()

    def _fresh_account(self) -> None:
        self.contacts = ContactStore()
        self.lists = ListRegistry(self._list_count)
        self.attributes = AttributeRegistry()
        self.events = EventLog()
        self.companies: CrmStore = company_store()
        self.deals: CrmStore = deal_store()
        self.objects = ObjectStore()
        self.orders = OrderStore()
        self.products = ProductStore()
        self.forced_import_failures = ForcedFailures()
        timing = Timing(self._initial_timing.delay_seconds, self._initial_timing.processing_seconds)
        self.processes = ProcessQueue(timing, self._process_completed)
        self.notifier = Notifier()
        #: the code of an identifier conflict while *updating* a contact (see errors.duplicate)
        self.update_conflict_code = "invalid_parameter"
        self.log = RequestLog()
        self.timeline = Timeline()
        self._off_spec: list[dict[str, str]] = []
        self._storm: tuple[float, str | None] | None = None

    def reset(self) -> None:
        """Back to an empty account: no contacts, events, records, processes, created lists or
        attributes, failure rules, storms, logged or off-spec requests; the initial rate
        limits with fresh windows, the initial import timing."""
        self.processes.close()
        self.failures.clear()
        for name, bucket in self.buckets.items():
            bucket.configure(self._initial_limits[name])
        with self._lock:
            self._fresh_account()

    def __repr__(self) -> str:
        # Never show the API key.
        return f"BrevoFake(contacts={self.contact_count()})"

    # -- what tests read ----------------------------------------------------------------------

    def contact_by_email(self, email: str) -> dict[str, Any] | None:
        return self.contacts.snapshot("email", email.strip().lower())

    def contact_by_ext_id(self, ext_id: str) -> dict[str, Any] | None:
        return self.contacts.snapshot("ext_id", ext_id)

    def contact_by_sms(self, sms: str) -> dict[str, Any] | None:
        """By SMS number in Brevo's stored form, `+` and digits (`+33612345678`)."""
        return self.contacts.snapshot("sms", sms)

    def contact_count(self) -> int:
        return self.contacts.count()

    def list_members(self, list_id: int) -> list[int]:
        """Ids of the contacts in a list, ascending."""
        return self.contacts.members(list_id)

    def events_for(
        self, *, email: str | None = None, ext_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Accepted events naming this email or EXT_ID, oldest first."""
        return self.events.for_contact(email=email, ext_id=ext_id)

    def company(self, company_id: str) -> dict[str, Any] | None:
        return self.companies.get(company_id)

    def deal(self, deal_id: str) -> dict[str, Any] | None:
        return self.deals.get(deal_id)

    def object_records(self, object_type: str) -> list[dict[str, Any]]:
        return self.objects.records(object_type)

    def products_received(self) -> list[dict[str, Any]]:
        """Every e-commerce product as last upserted (by product id)."""
        return self.products.all()

    def orders_received(self) -> list[dict[str, Any]]:
        """Every order as last sent (by order id), with `historical` and `received_at`."""
        return self.orders.all()

    @property
    def notifications(self) -> list[Notification]:
        """Every notifyUrl callback sent, oldest first."""
        return self.notifier.sent()

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The most recent API requests (`/_sandbox/*` excluded): method, path, route, status,
        `at` (time.time()) and `monotonic` (time.monotonic()) of arrival."""
        return [entry.as_dict() for entry in self.timeline.entries()]

    def request_log(self, route_prefix: str | None = None) -> list[TimedRequest]:
        """The most recent API requests whose route template starts with `route_prefix`."""
        return self.timeline.entries(route_prefix)

    def request_times(self, route_prefix: str | None = None) -> list[float]:
        """time.monotonic() of each request whose route starts with `route_prefix`."""
        return [entry.monotonic for entry in self.timeline.entries(route_prefix)]

    def request_count(self, path_prefix: str | None = None) -> int:
        """API requests so far whose route template starts with `path_prefix` (`/v3/contacts`)."""
        return self.log.count(path_prefix)

    @property
    def off_spec(self) -> list[dict[str, str]]:
        """Requests Brevo would refuse as malformed: `{method, path, message}`. Should be empty."""
        with self._lock:
            return list(self._off_spec)

    def clear_off_spec(self) -> None:
        with self._lock:
            self._off_spec.clear()

    def record_off_spec(self, method: str, path: str, message: str) -> None:
        with self._lock:
            self._off_spec.append({"method": method, "path": path, "message": message})

    @property
    def imports(self) -> list[Process]:
        """Contact import processes, oldest first."""
        return [p for p in self.processes.all() if isinstance(p.job, ContactImport)]

    def process(self, process_id: int) -> Process | None:
        return self.processes.get(process_id)

    def import_outcome(self, process_id: int) -> ContactImport | None:
        """A contact import's counts and failed rows (complete once its process is)."""
        process = self.processes.get(process_id)
        return (
            process.job if process is not None and isinstance(process.job, ContactImport) else None
        )

    def wait_for_imports(self, timeout: float = 10.0) -> bool:
        """Block until every accepted background process (and its callback) is done."""
        return self.processes.wait_idle(timeout)

    def stats(self) -> dict[str, Any]:
        """What `GET /_sandbox/stats` answers."""
        pending = self.processes.pending_count()
        return {
            "contacts": self.contact_count(),
            "events": self.events.count(),
            "companies": self.companies.count(),
            "deals": self.deals.count(),
            "orders": len(self.orders.all()),
            "products": len(self.products.all()),
            "requests": self.log.total(),
            "requests_by_route": self.log.by_route(),
            "requests_by_status": self.log.by_route_and_status(),
            "off_spec": self.off_spec,
            "imports": {"pending": pending, "completed": len(self.processes.all()) - pending},
            "ignored_attributes": dict(self.attributes.ignored),
            "failures": self.failures.active(),
            "rate_limits": self.rate_limits(),
            "storm_seconds_left": self._storm_seconds_left(),
        }

    # -- behaviour ----------------------------------------------------------------------------

    def accepts(self, api_key: str | None) -> bool:
        """Any non-empty key, unless the fake was told which one to insist on."""
        if not api_key:
            return False
        return self._api_key is None or api_key == self._api_key

    def rate_limits(self) -> dict[str, dict[str, int | None]]:
        return {
            name: {"per_second": b.limits.per_second, "per_hour": b.limits.per_hour}
            for name, b in self.buckets.items()
        }

    def set_bucket_limits(
        self, bucket: str, *, per_second: int | None, per_hour: int | None
    ) -> None:
        """Both budgets of one bucket (`contacts`, `events`, `other`); None switches one off."""
        if bucket not in self.buckets:
            raise ValueError(f"bucket must be one of {', '.join(BUCKETS)}, not {bucket!r}")
        self.buckets[bucket].configure(BucketLimits(per_second, per_hour))

    def apply_plan(self, plan: str) -> None:
        """Every bucket to a Brevo plan's figures: `general`, `advanced` or `extended`."""
        if plan not in PLANS:
            raise ValueError(f"plan must be one of {', '.join(PLANS)}, not {plan!r}")
        for name, bucket in self.buckets.items():
            bucket.configure(PLANS[plan].of(name))

    def set_contacts_rate_limit(self, requests_per_second: int | None) -> None:
        """The /contacts bucket's budget per second; None switches it off."""
        self.buckets[CONTACTS].per_second.configure(requests_per_second)

    def set_events_rate_limit(self, requests_per_second: int | None) -> None:
        """The /events bucket's budget per second; None switches it off."""
        self.buckets[EVENTS].per_second.configure(requests_per_second)

    def set_other_rate_limit(self, requests_per_hour: int | None) -> None:
        """The budget per hour of every other endpoint; None (the default) is no limit."""
        self.buckets[OTHER].per_hour.configure(requests_per_hour)

    def storm_429(self, seconds: float, *, path_prefix: str | None = None) -> float:
        """Answer every API call (under `path_prefix`) 429 for `seconds`, the headers' reset
        counting down to the storm's end. Returns that end as a time.monotonic() value."""
        if seconds <= 0:
            raise ValueError("a 429 storm needs a positive duration")
        ends = time.monotonic() + seconds
        with self._lock:
            self._storm = (ends, path_prefix)
        return ends

    def end_storm(self) -> None:
        with self._lock:
            self._storm = None

    def storm_ends(self, path: str) -> float | None:
        """When the storm covering `path` ends (time.monotonic()), None when there is none."""
        with self._lock:
            storm = self._storm
        if storm is None or time.monotonic() >= storm[0]:
            return None
        ends, prefix = storm
        return ends if prefix is None or path.startswith(prefix) else None

    def _storm_seconds_left(self) -> float | None:
        with self._lock:
            storm = self._storm
        return None if storm is None else max(0.0, storm[0] - time.monotonic())

    def fail_import_rows(
        self,
        *,
        emails: list[str] | None = None,
        ext_ids: list[str] | None = None,
        kind: str = "invalid_emails",
    ) -> None:
        """Make import rows with these emails or EXT_IDs fail, reported under `kind` (one of
        Brevo's `info.import` keys), until `reset`/`clear_import_failures`."""
        self.forced_import_failures.add(emails=emails or [], ext_ids=ext_ids or [], kind=kind)

    def clear_import_failures(self) -> None:
        self.forced_import_failures.clear()

    def set_import_timing(self, delay_seconds: float, processing_seconds: float) -> None:
        """How long new background processes stay `queued`, then `in_process`."""
        if delay_seconds < 0 or processing_seconds < 0:
            raise ValueError("durations must be >= 0")
        self.processes.timing = Timing(delay_seconds, processing_seconds)

    def define_object_type(self, object_type: str, attributes: list[str] | None = None) -> None:
        """Create a custom object type (None: every attribute key is kept)."""
        self.objects.define(object_type, attributes)

    def close(self) -> None:
        """Stop the background-process thread (pending processes are dropped)."""
        self.processes.close()

    def _process_completed(self, process: Process) -> None:
        url = process.job.notify_url
        if url:
            self.notifier.post(url, process.as_json())
