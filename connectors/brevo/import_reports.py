"""What a finished contact import says about its failed rows.

A completed `IMPORTUSER` process carries `info.import`: one URL per kind of problem (invalid
emails, an email / EXT_ID / SMS already held by another contact...), each a CSV of the rows it
refused, or null when there were none (brevo-python 5.x `GetProcessResponseInfoImport`).
https://developers.brevo.com/reference/get-process
The CSV files are downloaded without our api-key: they are files, not API calls, and the key
must never travel to a host other than the API's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx

from connectors.core.errors import VendorUnavailableError
from connectors.core.http import USER_AGENT

VENDOR = "brevo"
#: Report kinds that mean "another contact holds this identifier"; every other kind is a refusal.
CONFLICT_KINDS: Final = frozenset(
    {
        "duplicate_contact_id",
        "duplicate_ext_id",
        "duplicate_email_id",
        "duplicate_phone_id",
        "duplicate_whatsapp_id",
        "duplicate_landline_number_id",
    }
)
#: The identifier each conflict kind names, as `metadata.duplicate_identifiers` would.
CONFLICT_IDENTIFIER: Final = {
    "duplicate_ext_id": "ext_id",
    "duplicate_email_id": "email",
    "duplicate_phone_id": "SMS",
}
_MESSAGES: Final = {
    "invalid_emails": "Brevo refused the row's email address",
    "duplicate_contact_id": "the row matches a contact id another contact holds",
    "duplicate_ext_id": "EXT_ID is already associated with another contact",
    "duplicate_email_id": "email is already associated with another contact",
    "duplicate_phone_id": "SMS is already associated with another contact",
    "duplicate_whatsapp_id": "WHATSAPP is already associated with another contact",
    "duplicate_landline_number_id": "LANDLINE_NUMBER is already associated with another contact",
}


@dataclass(frozen=True)
class FailedRow:
    """One row Brevo did not import: how to find it again, and why."""

    kind: str
    message: str
    email: str | None = None
    ext_id: str | None = None
    sms: str | None = None

    @property
    def is_conflict(self) -> bool:
        return self.kind in CONFLICT_KINDS


def report_urls(process: Mapping[str, Any]) -> dict[str, str]:
    """The report URL of every kind of problem a completed import process names."""
    info = process.get("info")
    found = info.get("import") if isinstance(info, Mapping) else None
    if not isinstance(found, Mapping):
        return {}
    return {
        str(kind): url
        for kind, url in found.items()
        if isinstance(url, str) and url.startswith(("https://", "http://"))
    }


def parse_report(kind: str, text: str) -> list[FailedRow]:
    """Rows of one CSV report (`;`-separated, a header of column names, any case)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";")
    rows = []
    for record in reader:
        cells = {(k or "").strip().upper(): (v or "").strip() for k, v in record.items()}
        reason = cells.get("REASON") or cells.get("ERROR") or _MESSAGES.get(kind, kind)
        rows.append(
            FailedRow(
                kind=kind,
                message=reason,
                email=cells.get("EMAIL", "").lower() or None,
                ext_id=cells.get("EXT_ID") or None,
                sms=cells.get("SMS") or None,
            )
        )
    return rows


class ReportReader:
    """Downloads import reports with a client of its own that holds no credential."""

    def __init__(
        self, *, timeout_seconds: float, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._http = httpx.Client(
            timeout=timeout_seconds,
            headers={"user-agent": USER_AGENT},
            transport=transport,
            follow_redirects=True,  # storage links may redirect; no secret rides along
        )

    def failed_rows(self, process: Mapping[str, Any]) -> list[FailedRow]:
        rows: list[FailedRow] = []
        for kind, url in sorted(report_urls(process).items()):
            rows.extend(parse_report(kind, self._download(kind, url)))
        return rows

    def _download(self, kind: str, url: str) -> str:
        operation = f"import_report {kind}"
        try:
            response = self._http.get(url)
        except httpx.HTTPError as exc:
            raise VendorUnavailableError(
                VENDOR, operation, f"{type(exc).__name__}: the report did not download"
            ) from exc
        if response.status_code != 200:
            # A report we cannot read must not turn its rows into "written": retry later.
            raise VendorUnavailableError(VENDOR, operation, f"HTTP {response.status_code}")
        return response.text

    def close(self) -> None:
        self._http.close()
