"""The live state of one Brevo fake: contacts, lists, attributes, imports, limits and logs."""

from __future__ import annotations

import threading
from typing import Any

from sandbox.brevo.attributes import AttributeRegistry
from sandbox.brevo.contacts import ContactStore
from sandbox.brevo.imports import ImportOptions, ImportProcess, ImportQueue, apply_row
from sandbox.brevo.lists import DEFAULT_LIST_COUNT, ListRegistry
from sandbox.common.failures import FailureSwitch
from sandbox.common.ratelimit import FixedWindowLimiter
from sandbox.common.requestlog import RequestLog

#: Brevo's general limit for everything under /v3/contacts (and 100 per hour for endpoints its
#: table does not list). https://developers.brevo.com/docs/api-limits
CONTACTS_REQUESTS_PER_SECOND = 10
UNLISTED_REQUESTS_PER_HOUR = 100
#: Brevo documents 10 MB as the ceiling of an import body and recommends staying near 8 MB.
#: https://developers.brevo.com/reference/importcontacts-1
DEFAULT_IMPORT_MAX_BYTES = 8 * 1024 * 1024
FAILURE_STATUSES = frozenset({401, 429, 500, 502, 503})


class BrevoFake:
    def __init__(
        self,
        *,
        api_key: str | None = None,
        import_delay_seconds: float = 0.05,
        import_max_bytes: int = DEFAULT_IMPORT_MAX_BYTES,
        contacts_requests_per_second: int | None = CONTACTS_REQUESTS_PER_SECOND,
        other_requests_per_hour: int | None = None,
        list_count: int = DEFAULT_LIST_COUNT,
    ) -> None:
        self._api_key = api_key
        self._list_count = list_count
        self._initial_contacts_rps = contacts_requests_per_second
        self._initial_other_rph = other_requests_per_hour
        self.import_max_bytes = import_max_bytes
        self.contacts = ContactStore()
        self.lists = ListRegistry(list_count)
        self.attributes = AttributeRegistry()
        self.import_queue = ImportQueue(self._apply_import, import_delay_seconds)
        self.failures = FailureSwitch(FAILURE_STATUSES, allow_malformed=False)
        self.contacts_rate_limit = FixedWindowLimiter(contacts_requests_per_second, 1.0)
        # Brevo allows 100 requests per hour on endpoints its table does not list (/processes
        # among them). Off by default: tests and the demo poll processes far more often.
        self.other_rate_limit = FixedWindowLimiter(other_requests_per_hour, 3600.0)
        self.log = RequestLog()
        self._off_spec: list[dict[str, str]] = []
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Back to an empty account: no contacts, imports, created lists or attributes, failure
        rules, logged or off-spec requests; the initial rate limit, with fresh windows."""
        self.import_queue.close()
        self.import_queue = ImportQueue(self._apply_import, self.import_queue.delay_seconds)
        self.contacts = ContactStore()
        self.lists = ListRegistry(self._list_count)
        self.attributes = AttributeRegistry()
        self.failures.clear()
        self.contacts_rate_limit.configure(self._initial_contacts_rps)
        self.other_rate_limit.configure(self._initial_other_rph)
        self.log = RequestLog()
        self.clear_off_spec()

    def __repr__(self) -> str:
        # Never show the API key.
        return f"BrevoFake(contacts={self.contact_count()})"

    # -- what tests read ----------------------------------------------------------------------

    def contact_by_email(self, email: str) -> dict[str, Any] | None:
        return self.contacts.snapshot("email", email.strip().lower())

    def contact_by_ext_id(self, ext_id: str) -> dict[str, Any] | None:
        return self.contacts.snapshot("ext_id", ext_id)

    def contact_count(self) -> int:
        return self.contacts.count()

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The most recent API requests (`/_sandbox/*` excluded): method, path, route, status."""
        return [entry.as_dict() for entry in self.log.recent()]

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
    def imports(self) -> list[ImportProcess]:
        return self.import_queue.all()

    def wait_for_imports(self, timeout: float = 10.0) -> bool:
        """Block until every accepted import is applied; False on timeout."""
        return self.import_queue.wait_idle(timeout)

    def stats(self) -> dict[str, Any]:
        """What `GET /_sandbox/stats` answers."""
        pending = self.import_queue.pending_count()
        return {
            "contacts": self.contact_count(),
            "requests": self.log.total(),
            "requests_by_route": self.log.by_route(),
            "requests_by_status": self.log.by_route_and_status(),
            "off_spec": self.off_spec,
            "imports": {"pending": pending, "completed": len(self.imports) - pending},
            "ignored_attributes": dict(self.attributes.ignored),
            "failures": self.failures.active(),
        }

    # -- behaviour ----------------------------------------------------------------------------

    def accepts(self, api_key: str | None) -> bool:
        """Any non-empty key, unless the fake was told which one to insist on."""
        if not api_key:
            return False
        return self._api_key is None or api_key == self._api_key

    def set_contacts_rate_limit(self, requests_per_second: int | None) -> None:
        """The /contacts bucket's budget per second; None switches it off."""
        self.contacts_rate_limit.configure(requests_per_second)

    def set_other_rate_limit(self, requests_per_hour: int | None) -> None:
        """The budget per hour of endpoints outside /contacts; None (the default) is no limit."""
        self.other_rate_limit.configure(requests_per_hour)

    def submit_import(self, rows: list[dict[str, Any]], options: ImportOptions) -> ImportProcess:
        return self.import_queue.submit(rows, options)

    def close(self) -> None:
        """Stop the import thread (pending imports are dropped)."""
        self.import_queue.close()

    def _apply_import(self, process: ImportProcess) -> None:
        for row in process.rows:
            apply_row(self.contacts, self.attributes, row, process.options, process.counts)
