"""Brevo custom events: `POST /v3/events/batch`, and `POST /v3/events` where batches are not served.

https://developers.brevo.com/docs/event-endpoints: a batch carries at most 200 events and
512 KB. It answers 202 `{"message", "count"}` when every event was queued, and 207 (some) or
400 (all refused) with `{"status", "total_events", "successful_events", "failed_events",
"errors": [{"eventIndex": [0-based positions], "message"}]}`, so each refusal is read per event.
The batch endpoint is recent (2026-03); an account or a proxy that answers 404/405 for it gets
one `POST /v3/events` per event instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from connectors.brevo.api import BrevoApi
from connectors.brevo.batches import BatchAnswer, Rejection
from connectors.core.errors import VendorValidationError
from connectors.core.http import parse_error_body

EVENTS_PER_BATCH = 200
EVENTS_BATCH_MAX_BYTES = 512 * 1024
BATCH_PATH = "/events/batch"
SINGLE_PATH = "/events"


class BatchUnavailable(Exception):
    """The batch endpoint is not served here (404/405): send the events one at a time."""


def post_batch(api: BrevoApi, events: Sequence[dict[str, Any]]) -> BatchAnswer:
    """Send one batch (the caller keeps it within 200 events and 512 KB)."""
    response = api.send("POST", BATCH_PATH, "track_events", body={"events": list(events)})
    if response.status_code in (404, 405):
        raise BatchUnavailable(f"HTTP {response.status_code} for {BATCH_PATH}")
    if response.status_code in (207, 400):
        answer = _per_event(response, len(events))
        if answer is not None:
            return answer
    api.result(response, "track_events")  # raises the taxonomy error of any other failure
    return BatchAnswer.all_accepted(len(events))


def post_one(api: BrevoApi, event: dict[str, Any]) -> Rejection | None:
    """Send one event; Brevo's refusal of it (400/422), or None when it was taken."""
    try:
        api.call("POST", SINGLE_PATH, "track_event", body=event)
    except VendorValidationError as exc:
        return Rejection(0, exc.code or "invalid_parameter", exc.detail)
    return None


def _per_event(response: httpx.Response, count: int) -> BatchAnswer | None:
    """The per-event verdicts of a 207/400 batch answer; None when the body has none."""
    try:
        body = response.json()
    except ValueError:
        return None
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return None
    code = "invalid_parameter"
    refused: dict[int, str] = {}
    for error in errors:
        if not isinstance(error, dict):
            continue
        message = str(error.get("message") or "refused by Brevo")
        positions = error.get("eventIndex")
        for position in positions if isinstance(positions, list) else []:
            if isinstance(position, int) and 0 <= position < count:
                # Several errors may name one event: keep them all in its message.
                earlier = refused.get(position)
                refused[position] = f"{earlier}; {message}" if earlier else message
    if not refused:
        if response.status_code != 400:
            return BatchAnswer.all_accepted(count)
        # A 400 that names no event refuses the whole request (its body, its size...).
        error_code, error_message = parse_error_body(response)
        return BatchAnswer.all_rejected(count, error_code or code, error_message or "batch refused")
    return BatchAnswer(
        accepted=[i for i in range(count) if i not in refused],
        rejected=[Rejection(i, code, message) for i, message in sorted(refused.items())],
    )
