"""Brevo's `notifyUrl` callbacks: a real HTTP POST once a background process is completed.

Brevo documents that the import "on completion calls the notify URL that you have set in the
input" (https://developers.brevo.com/reference/import-contacts) but not the body it sends. The
fake POSTs the process as `GET /processes/{id}` shows it, so a receiver that relies on nothing
but its own URL (and reads the process once) works against both.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

logger = logging.getLogger(__name__)

ATTEMPTS = 3
PAUSE_SECONDS = 0.2
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Notification:
    """One callback as sent: where, what, and how the receiver answered."""

    url: str
    body: dict[str, Any]
    #: the receiver's last HTTP status, None when it never answered
    status: int | None
    attempts: int
    #: time.time() of the last attempt
    at: float


class Notifier:
    def __init__(self) -> None:
        self._sent: list[Notification] = []
        self._lock = threading.Lock()

    def post(self, url: str, body: dict[str, Any]) -> Notification:
        """POST `body` to `url`, retrying connection errors and 5xx a few times."""
        status: int | None = None
        attempts = 0
        for attempts in range(1, ATTEMPTS + 1):  # noqa: B007 (the count is reported)
            try:
                status = httpx.post(url, json=body, timeout=TIMEOUT_SECONDS).status_code
            except httpx.HTTPError as exc:
                # The query string may carry the receiver's token: log the endpoint only.
                endpoint = urlsplit(url)._replace(query="", fragment="").geturl()
                logger.warning("notifyUrl %s unreachable: %s", endpoint, type(exc).__name__)
                status = None
            if status is not None and status < 500:
                break
            time.sleep(PAUSE_SECONDS)
        sent = Notification(url, body, status, attempts, time.time())
        with self._lock:
            self._sent.append(sent)
        return sent

    def sent(self) -> list[Notification]:
        with self._lock:
            return list(self._sent)
