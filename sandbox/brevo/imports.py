"""`POST /contacts/import` as Brevo runs it: accepted at once (202 + processId), applied later.

Each row is upserted (EXT_ID, else email, else SMS finds its contact) or fails. Failed rows are
not applied and are reported the way Brevo reports them: the completed process's
`info.import` holds, per kind of problem, the URL of a CSV of the problematic records, or null
(https://developers.brevo.com/reference/get-process). The kinds are Brevo's own
(`invalid_emails`, `duplicate_ext_id`, `duplicate_email_id`, `duplicate_phone_id`, ...).
Unknown attributes and values of the wrong type are dropped, not failed ("Any contact
attribute that doesn't exist in your account will be ignored",
https://developers.brevo.com/reference/import-contacts).
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass, field
from typing import Any

from sandbox.brevo.attributes import AttributeRegistry
from sandbox.brevo.contacts import ContactChange, ContactStore, DuplicateIdentifiers
from sandbox.brevo.identifiers import normalize_email, normalize_sms

IMPORT_PROCESS_NAME = "IMPORTUSER"
#: The keys of `info.import`, in Brevo's order.
REPORT_KINDS = (
    "invalid_emails",
    "duplicate_contact_id",
    "duplicate_ext_id",
    "duplicate_email_id",
    "duplicate_phone_id",
    "duplicate_whatsapp_id",
    "duplicate_landline_number_id",
)
_DUPLICATE_KIND = {
    "email": "duplicate_email_id",
    "ext_id": "duplicate_ext_id",
    "sms": "duplicate_phone_id",
}
REPORT_COLUMNS = ("EMAIL", "EXT_ID", "SMS", "REASON")


@dataclass(frozen=True)
class ImportOptions:
    list_ids: frozenset[int]
    update_existing: bool = True
    empty_values_erase: bool = False
    email_blacklist: bool = False
    sms_blacklist: bool = False


@dataclass
class ImportCounts:
    imported: int = 0
    updated: int = 0
    skipped: int = 0
    failed: int = 0

    def as_json(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass(frozen=True)
class FailedRow:
    kind: str
    email: str
    ext_id: str
    sms: str
    reason: str


class ForcedFailures:
    """Test control: rows to fail whatever their content, by email or EXT_ID."""

    def __init__(self) -> None:
        self._by_email: dict[str, str] = {}
        self._by_ext_id: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, *, emails: list[str], ext_ids: list[str], kind: str) -> None:
        if kind not in REPORT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(REPORT_KINDS)}, not {kind!r}")
        with self._lock:
            self._by_email.update({e.strip().lower(): kind for e in emails})
            self._by_ext_id.update({str(x): kind for x in ext_ids})

    def clear(self) -> None:
        with self._lock:
            self._by_email.clear()
            self._by_ext_id.clear()

    def kind_for(self, email: str | None, ext_id: str | None) -> str | None:
        with self._lock:
            if email is not None and email in self._by_email:
                return self._by_email[email]
            return None if ext_id is None else self._by_ext_id.get(ext_id)

    def as_json(self) -> dict[str, dict[str, str]]:
        with self._lock:
            return {"emails": dict(self._by_email), "ext_ids": dict(self._by_ext_id)}


@dataclass
class ContactImport:
    """One import's rows and, once run, what became of them."""

    rows: list[dict[str, Any]]
    options: ImportOptions
    store: ContactStore
    attributes: AttributeRegistry
    forced: ForcedFailures
    #: `{origin}/_sandbox/import-reports/{process_id}/{kind}.csv` is where reports are served
    report_origin: str
    notify_url: str | None = None
    name: str = IMPORT_PROCESS_NAME
    row_count: int = 0
    counts: ImportCounts = field(default_factory=ImportCounts)
    failed_rows: list[FailedRow] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.row_count = len(self.rows)

    def run(self, process_id: int) -> dict[str, Any]:
        for row in self.rows:
            failure = self._apply(row)
            if failure is not None:
                self.counts.failed += 1
                self.failed_rows.append(failure)
        self.rows = []  # applied; keep the outcome only
        kinds = {failed.kind for failed in self.failed_rows}
        return {
            "import": {
                kind: (
                    f"{self.report_origin}/_sandbox/import-reports/{process_id}/{kind}.csv"
                    if kind in kinds
                    else None
                )
                for kind in REPORT_KINDS
            }
        }

    def report_csv(self, kind: str) -> str | None:
        """The CSV behind one `info.import` URL; None when the import has no such failures."""
        rows = [failed for failed in self.failed_rows if failed.kind == kind]
        if not rows:
            return None
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\n")
        writer.writerow(REPORT_COLUMNS)
        writer.writerows((r.email, r.ext_id, r.sms, r.reason) for r in rows)
        return out.getvalue()

    def _apply(self, row: dict[str, Any]) -> FailedRow | None:
        """Upsert one row; the failure when it is not applied."""
        raw_attributes = row.get("attributes") or {}
        raw_email = row.get("email")
        raw_ext_id = raw_attributes.get("EXT_ID")
        ext_id = None if raw_ext_id in (None, "") else str(raw_ext_id)
        raw_sms = raw_attributes.get("SMS")

        def failed(kind: str, reason: str) -> FailedRow:
            return FailedRow(kind, str(raw_email or ""), ext_id or "", str(raw_sms or ""), reason)

        email = None
        if isinstance(raw_email, str) and raw_email.strip():
            email = normalize_email(raw_email)
            if email is None:
                return failed("invalid_emails", "Invalid email address")
        forced = self.forced.kind_for(email, ext_id)
        if forced is not None:
            return failed(forced, "Failed on purpose (sandbox import failure switch)")
        # An unusable SMS number is dropped like any unusable attribute value.
        sms = normalize_sms(raw_sms)
        if not (email or ext_id or sms):
            return failed("invalid_emails", "No email, EXT_ID or SMS to identify the contact")
        change = ContactChange(
            email=email,
            ext_id=ext_id,
            sms=sms,
            attributes=self.attributes.keep_known(raw_attributes),
            empty_values_erase=self.options.empty_values_erase,
            list_ids=self.options.list_ids,
            email_blacklisted=True if self.options.email_blacklist else None,
            sms_blacklisted=True if self.options.sms_blacklist else None,
        )
        try:
            outcome, _ = self.store.upsert(change, update_existing=self.options.update_existing)
        except DuplicateIdentifiers as exc:
            names = ", ".join(exc.names)
            return failed(
                _DUPLICATE_KIND[exc.kinds[0]],
                f"{names} is already associated with another Contact",
            )
        if outcome == "created":
            self.counts.imported += 1
        elif outcome == "updated":
            self.counts.updated += 1
        else:
            self.counts.skipped += 1
        return None
