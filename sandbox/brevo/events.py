"""Custom events (`POST /events`, `POST /events/batch`): checked, then kept for tests to read.

What the spec (or the SDK's types) cannot say is checked per event: Brevo limits `event_name`
to 255 alphanumerical, `-` and `_` characters, needs at least one identifier, and refuses an
unusable email, phone number or date. https://developers.brevo.com/reference/create-event
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime
from typing import Any

from sandbox.brevo.identifiers import normalize_email, normalize_sms

_EVENT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_IDENTIFIER_KEYS = (
    "contact_id",
    "email_id",
    "ext_id",
    "phone_id",
    "whatsapp_id",
    "landline_number_id",
)


def event_problem(event: dict[str, Any]) -> str | None:
    """Why Brevo would refuse this (shape-valid) event, or None."""
    if not _EVENT_NAME.match(str(event.get("event_name", ""))):
        return "Invalid event_name: 1 to 255 alphanumerical characters, - and _ only"
    identifiers = event.get("identifiers") or {}
    if not any(identifiers.get(key) not in (None, "") for key in _IDENTIFIER_KEYS):
        return "At least one identifier is required"
    email = identifiers.get("email_id")
    if email not in (None, "") and normalize_email(str(email)) is None:
        return "Invalid email_id"
    phone = identifiers.get("phone_id")
    if phone not in (None, "") and normalize_sms(phone) is None:
        return "Invalid phone_id"
    date = event.get("event_date")
    if date is not None:
        try:
            datetime.fromisoformat(str(date))
        except ValueError:
            return "Invalid event_date: expected a timestamp such as 2024-01-24T17:39:57+01:00"
    return None


class EventLog:
    """Every accepted event, in arrival order, as sent plus `received_at` (time.time())."""

    def __init__(self) -> None:
        self._events: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, event: dict[str, Any]) -> None:
        with self._lock:
            self._events.append({**event, "received_at": time.time()})

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._events)

    def for_contact(
        self, *, email: str | None = None, ext_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Events whose identifiers name this email (any case) or EXT_ID."""
        wanted_email = None if email is None else email.strip().lower()
        found = []
        for event in self.all():
            identifiers = event.get("identifiers") or {}
            sent_email = str(identifiers.get("email_id") or "").strip().lower()
            if (wanted_email is not None and sent_email == wanted_email) or (
                ext_id is not None and identifiers.get("ext_id") == ext_id
            ):
                found.append(event)
        return found

    def count(self) -> int:
        with self._lock:
            return len(self._events)
