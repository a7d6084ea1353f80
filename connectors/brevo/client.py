"""The Brevo API v3 client: contact imports, upserts, lookups, attributes and list membership.

The key travels in the `api-key` header and Brevo answers JSON (`accept: application/json`).
Brevo's rate-limit headers are `x-sib-ratelimit-limit/-remaining/-reset` (reset in seconds) and
it sends no `Retry-After`, so a 429 waits for `x-sib-ratelimit-reset`.
https://developers.brevo.com/docs/limit-headers
Error bodies are `{"code": ..., "message": ...}`; both are carried in the error we raise.
The client never retries: Celery owns retries, and deferrals come from the errors it raises.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import httpx

from connectors.brevo.import_reports import FailedRow, ReportReader
from connectors.brevo.settings import BrevoSettings
from connectors.core.errors import (
    ConfigError,
    SyncError,
    VendorUnavailableError,
    VendorValidationError,
)
from connectors.core.http import (
    HeaderAuth,
    PooledClient,
    build_client,
    decode_json,
    encode_json,
    error_for_status,
    parse_error_body,
    send,
)
from connectors.core.paging import chunked
from connectors.core.ratelimit import RateLimitSignal
from connectors.core.ratelimit import rate_limit_signal as read_rate_limit_headers

VENDOR = "brevo"
RATE_LIMIT_PREFIX = "x-sib-ratelimit"
RESET_HEADER = "x-sib-ratelimit-reset"

#: Brevo takes at most 150 emails or EXT_IDs per list add call.
#: https://developers.brevo.com/reference/addcontacttolist-1
LIST_IDS_PER_CALL = 150

#: Brevo lists at most 50 processes a call. https://developers.brevo.com/reference/get-processes
PROCESSES_PER_CALL = 50

#: Bytes of an import body kept for everything around `jsonBody` (listIds, flags, notifyUrl).
IMPORT_ENVELOPE_RESERVE = 4096

#: How `get_contact` may name a contact (`identifierType`).
IdentifierType = Literal[
    "email_id", "phone_id", "contact_id", "ext_id", "whatsapp_id", "landline_number_id"
]


def rate_limit_signal(response: httpx.Response) -> RateLimitSignal:
    """Brevo's `x-sib-ratelimit-*` headers, for the shared limiter."""
    return read_rate_limit_headers(response.headers, prefix=RATE_LIMIT_PREFIX)


def import_chunks(
    rows: Sequence[dict[str, Any]],
    max_bytes: int,
    *,
    reserve_bytes: int = IMPORT_ENVELOPE_RESERVE,
) -> list[list[dict[str, Any]]]:
    """Split import rows so no import body exceeds `max_bytes`, measured as the bytes we send.

    `reserve_bytes` of every body is kept for the fields around `jsonBody`. Order is kept. A row
    too big to fit any body is put in a chunk of its own: `import_contacts` refuses that chunk
    before sending, so the error lands on that row alone and the other chunks go on.
    """
    budget = max_bytes - reserve_bytes
    if budget < 2:
        raise ValueError("max_bytes leaves no room for rows after the envelope reserve")
    chunks: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    used = 2  # the array's brackets
    for row in rows:
        size = len(encode_json(row))
        if 2 + size > budget:
            if current:
                chunks.append(current)
                current, used = [], 2
            chunks.append([row])
            continue
        extra = size + (1 if current else 0)  # a comma between rows
        if used + extra > budget:
            chunks.append(current)
            current, used, extra = [], 2, size
        current.append(row)
        used += extra
    if current:
        chunks.append(current)
    return chunks


class ContactConflict(VendorValidationError):
    """Brevo refused a contact write because another contact holds one of its identifiers.

    Decided on `metadata.duplicate_identifiers` (names like `email`, `SMS`, `ext_id`), never on
    the code: Brevo answers `duplicate_parameter`, and sometimes `invalid_parameter`, for it.
    """

    def __init__(
        self,
        vendor: str,
        operation: str,
        detail: str,
        code: str | None = None,
        identifiers: Sequence[str] = (),
    ) -> None:
        self.identifiers = tuple(identifiers)
        super().__init__(vendor, operation, detail, code=code)

    def __reduce__(self) -> tuple[object, ...]:
        return (
            type(self),
            (self.vendor, self.operation, self.detail, self.code, self.identifiers),
        )


def duplicate_identifiers(response: httpx.Response) -> list[str] | None:
    """The identifiers a 4xx body names in `metadata.duplicate_identifiers`, or None."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    metadata = body.get("metadata") if isinstance(body, dict) else None
    names = metadata.get("duplicate_identifiers") if isinstance(metadata, dict) else None
    if not isinstance(names, list) or not names:
        return None
    return [str(name) for name in names]


@dataclass(frozen=True)
class ListAddResult:
    """What a list add achieved, per identifier, across every call of 150."""

    success: list[str] = field(default_factory=list)
    failure: list[str] = field(default_factory=list)
    #: Brevo answers a whole call with 400 "Contact already in list and/or does not exist" when it
    #: added none of them, without saying which is which; the caller decides what that means.
    already_in_list_or_missing: list[str] = field(default_factory=list)


class BrevoClient(PooledClient):
    """Writes to one Brevo account. Use as a context manager, or call `close()`."""

    def __init__(
        self, settings: BrevoSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        if settings.api_key is None or not settings.api_key.get_secret_value():
            raise ConfigError("brevo.api_key", "is required to call Brevo")
        self._settings = settings
        self._http = build_client(
            vendor=VENDOR,
            base_url=settings.base_url.rstrip("/"),
            auth=HeaderAuth("api-key", settings.api_key),
            timeout_seconds=settings.timeout_seconds,
            headers={"accept": "application/json"},
            transport=transport,
        )
        self._reports = ReportReader(timeout_seconds=settings.timeout_seconds, transport=transport)

    def close(self) -> None:
        self._reports.close()
        super().close()

    # -- imports -----------------------------------------------------------------------------

    def import_contacts(
        self,
        rows: list[dict[str, Any]],
        *,
        list_ids: list[int],
        notify_url: str | None = None,
        email_blacklist: bool = False,
        sms_blacklist: bool = False,
    ) -> int:
        """Start an import of `rows` (Brevo's jsonBody items) into `list_ids`; returns processId.

        Existing contacts are updated, and empty values never erase what Brevo already has.
        `email_blacklist` / `sms_blacklist` put every row of the import on that blocklist (a
        jsonBody row has no blocklist field of its own); False leaves blocklists as they are.
        A body over `import_max_bytes` is refused before sending (split with `import_chunks`).
        """
        if not rows:
            raise ValueError("an import needs at least one row")
        if not list_ids:
            raise ValueError("Brevo imports need at least one list id")
        payload: dict[str, Any] = {
            "jsonBody": rows,
            "listIds": list_ids,
            "updateExistingContacts": True,
            "emptyContactsAttributes": False,
        }
        if notify_url:
            payload["notifyUrl"] = notify_url
        if email_blacklist:
            payload["emailBlacklist"] = True
        if sms_blacklist:
            payload["smsBlacklist"] = True
        body = encode_json(payload)
        if len(body) > self._settings.import_max_bytes:
            raise VendorValidationError(
                VENDOR,
                "import_contacts",
                f"an import body of {len(body)} bytes is over the "
                f"{self._settings.import_max_bytes}-byte limit; not sent",
                code="payload_too_large",
            )
        result = self._call("POST", "/contacts/import", "import_contacts", content=body)
        process_id = result.get("processId") if isinstance(result, dict) else None
        if not isinstance(process_id, int):
            raise VendorUnavailableError(VENDOR, "import_contacts", "no processId in the answer")
        return process_id

    def get_process(self, process_id: int) -> dict[str, Any]:
        """A background process (`status`: queued, in_process, completed)."""
        return self._object("GET", f"/processes/{int(process_id)}", "get_process")

    def recent_processes(self, limit: int = PROCESSES_PER_CALL) -> list[dict[str, Any]]:
        """The account's most recent background processes, newest first (one call for many
        imports: GET /processes sits in the 100-per-hour bucket)."""
        response = self._send(
            "GET",
            "/processes",
            "list_processes",
            params={"limit": min(limit, PROCESSES_PER_CALL), "offset": 0, "sort": "desc"},
        )
        processes = self._object_of(response, "list_processes").get("processes")
        if not isinstance(processes, list):
            raise VendorUnavailableError(VENDOR, "list_processes", "no `processes` list")
        return [p for p in processes if isinstance(p, dict)]

    def import_failures(self, process: Mapping[str, Any]) -> list[FailedRow]:
        """The rows a completed import refused, read from the reports its process links to."""
        return self._reports.failed_rows(process)

    # -- contacts ----------------------------------------------------------------------------

    def upsert_contact(self, contact: dict[str, Any]) -> int | None:
        """Create the contact, or update it in place when it exists (`updateEnabled`).

        Returns Brevo's id of a created contact (an update answers 204 without one). An
        identifier held by another contact raises `ContactConflict`.
        https://developers.brevo.com/reference/createcontact
        """
        body = encode_json({**contact, "updateEnabled": True})
        result = self._call("POST", "/contacts", "upsert_contact", content=body)
        created = result.get("id") if isinstance(result, dict) else None
        return created if isinstance(created, int) else None

    def update_contact_by_ext_id(self, ext_id: str, contact: dict[str, Any]) -> bool:
        """`PUT /contacts/{ext_id}?identifierType=ext_id`; False when no contact has that ext_id.

        https://developers.brevo.com/reference/updatecontact
        """
        path = f"/contacts/{quote(ext_id, safe='')}"
        response = self._send(
            "PUT",
            path,
            "update_contact",
            params={"identifierType": "ext_id"},
            content=encode_json(contact),
        )
        if response.status_code == 404:
            return False
        error = self.classify(response)
        if error is not None:
            raise error
        return True

    def get_contact(
        self, identifier: str | int, identifier_type: IdentifierType | None = None
    ) -> dict[str, Any] | None:
        """The contact, or None when Brevo has none by that identifier.

        Without `identifier_type` Brevo guesses between email, SMS and contact id; EXT_ID needs
        `identifier_type="ext_id"`. https://developers.brevo.com/reference/getcontactinfo-1
        """
        # Emails can hold "+" and "/", which must not be read as a space or a path separator.
        path = f"/contacts/{quote(str(identifier), safe='')}"
        params: dict[str, str | int] = {}
        if identifier_type is not None:
            params["identifierType"] = identifier_type
        response = self._send("GET", path, "get_contact", params=params)
        if response.status_code == 404:
            return None
        return self._object_of(response, "get_contact")

    def get_attributes(self) -> list[dict[str, Any]]:
        """Every contact attribute in the account (name, category, type, enumeration)."""
        body = self._object("GET", "/contacts/attributes", "get_attributes")
        attributes = body.get("attributes")
        if not isinstance(attributes, list):
            raise VendorUnavailableError(VENDOR, "get_attributes", "no `attributes` list")
        return attributes

    def create_attribute(self, name: str, *, kind: str = "text", category: str = "normal") -> bool:
        """Create a contact attribute; False when it already exists (Brevo answers 400 then)."""
        path = f"/contacts/attributes/{quote(category, safe='')}/{quote(name, safe='')}"
        response = self._send("POST", path, "create_attribute", content=encode_json({"type": kind}))
        error = self.classify(response)
        if isinstance(error, VendorValidationError) and "exist" in error.detail.lower():
            return False
        if error is not None:
            raise error
        return True

    # -- lists -------------------------------------------------------------------------------

    def add_to_list(
        self,
        list_id: int,
        *,
        emails: Sequence[str] | None = None,
        ext_ids: Sequence[str] | None = None,
    ) -> ListAddResult:
        """Add existing contacts to a list by email or by EXT_ID, 150 per call."""
        if emails is not None and ext_ids is None:
            key, identifiers = "emails", list(emails)
        elif ext_ids is not None and emails is None:
            key, identifiers = "extIds", list(ext_ids)
        else:
            raise ValueError("pass exactly one of emails or ext_ids")
        result = ListAddResult()
        path = f"/contacts/lists/{int(list_id)}/contacts/add"
        for chunk in chunked(identifiers, LIST_IDS_PER_CALL):
            response = self._send("POST", path, "add_to_list", content=encode_json({key: chunk}))
            if _is_nothing_added(response):
                result.already_in_list_or_missing.extend(chunk)
                continue
            body = self._object_of(response, "add_to_list")
            contacts = body.get("contacts")
            if not isinstance(contacts, dict):
                raise VendorUnavailableError(VENDOR, "add_to_list", "no `contacts` object")
            result.success.extend(str(i) for i in contacts.get("success") or [])
            result.failure.extend(str(i) for i in contacts.get("failure") or [])
        return result

    # -- errors ------------------------------------------------------------------------------

    def classify(self, response: httpx.Response) -> SyncError | None:
        """The error a response means, or None (429 waits for `x-sib-ratelimit-reset`)."""
        error = error_for_status(response, vendor=VENDOR, reset_header=RESET_HEADER)
        if isinstance(error, VendorValidationError):
            names = duplicate_identifiers(response)
            if names:
                return ContactConflict(
                    error.vendor, error.operation, error.detail, error.code, names
                )
        return error

    # -- plumbing ----------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        params: Mapping[str, str | int] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        headers = {"content-type": "application/json"} if content is not None else None
        return send(
            self._http,
            method,
            path,
            vendor=VENDOR,
            operation=operation,
            params=params,
            content=content,
            headers=headers,
        )

    def _call(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        content: bytes | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Any:
        """A request whose errors are raised; the decoded body, or None when there is none."""
        response = self._send(method, path, operation, content=content, params=params)
        error = self.classify(response)
        if error is not None:
            raise error
        if response.status_code == 204 or not response.content:
            return None
        return decode_json(response, vendor=VENDOR, operation=operation)

    def _object(self, method: str, path: str, operation: str) -> dict[str, Any]:
        return self._object_of(self._send(method, path, operation), operation)

    def _object_of(self, response: httpx.Response, operation: str) -> dict[str, Any]:
        error = self.classify(response)
        if error is not None:
            raise error
        body = decode_json(response, vendor=VENDOR, operation=operation)
        if not isinstance(body, dict):
            # Brevo answered 2xx with another shape: a vendor fault, not our payload's.
            raise VendorUnavailableError(VENDOR, operation, "the body is not a JSON object")
        return body

    def __repr__(self) -> str:
        return f"BrevoClient(base_url={self._settings.base_url!r})"


def _is_nothing_added(response: httpx.Response) -> bool:
    """Brevo's 400 for a list add in which no contact was added (all present or unknown)."""
    if response.status_code != 400:
        return False
    code, message = parse_error_body(response)
    return code == "invalid_parameter" and "already in list" in (message or "").lower()
