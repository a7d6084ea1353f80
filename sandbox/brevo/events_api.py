"""Handlers of POST /v3/events and POST /v3/events/batch.

The batch endpoint answers 202 `{"message", "count"}` when every event is accepted, and 207
with per-event errors (`eventIndex`, 0-based) when only some are (brevo-python's
`BatchAcceptedResponse` and `BatchEventsResponse`; partial success per Brevo's changelog of
2026-03-03, https://developers.brevo.com/changelog/2026/3/3). When none is accepted it is a 400.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.brevo.contacts import ContactChange, IdentifierKind
from sandbox.brevo.errors import brevo_error
from sandbox.brevo.events import event_problem
from sandbox.brevo.identifiers import normalize_email, normalize_sms
from sandbox.brevo.routing import BrevoCall, BrevoRoute
from sandbox.brevo.sdk_bodies import batch_events_problem


def _accept(call: BrevoCall, event: dict[str, Any]) -> None:
    """Keep the event; its `contact_properties` update the contact it names, if it exists."""
    call.fake.events.add(event)
    properties = event.get("contact_properties") or {}
    if not properties:
        return
    identifiers = event.get("identifiers") or {}
    candidates: list[tuple[IdentifierKind, str | None]] = [
        ("ext_id", identifiers.get("ext_id")),
        ("email", normalize_email(str(identifiers.get("email_id") or ""))),
        ("sms", normalize_sms(identifiers.get("phone_id"))),
    ]
    store = call.fake.contacts
    for kind, value in candidates:
        contact = None if not value else store.find(kind, value)
        if contact is not None:
            change = ContactChange(attributes=call.fake.attributes.keep_known(properties))
            store.update(contact, change)
            return


def create_event(call: BrevoCall) -> Response:
    event = call.json_object()
    problem = event_problem(event)
    if problem is not None:
        return brevo_error(400, "invalid_parameter", problem)
    _accept(call, event)
    return Response(status_code=204)


def create_batch_events(call: BrevoCall) -> Response:
    events: list[dict[str, Any]] = call.json_object()["events"]
    failed: dict[str, list[int]] = defaultdict(list)
    accepted = 0
    for index, event in enumerate(events):
        problem = event_problem(event)
        if problem is None:
            _accept(call, event)
            accepted += 1
        else:
            failed[problem].append(index)
    if not failed:
        return JSONResponse({"message": "Batch accepted", "count": accepted}, status_code=202)
    if not accepted:
        first = next(iter(failed))
        return brevo_error(400, "invalid_parameter", f"No event accepted: {first}")
    return JSONResponse(
        {
            "status": "partial_success",
            "total_events": len(events),
            "successful_events": accepted,
            "failed_events": len(events) - accepted,
            "errors": [
                {"eventIndex": indexes, "message": message} for message, indexes in failed.items()
            ],
        },
        status_code=207,
    )


ROUTES = (
    BrevoRoute.of("POST", "/v3/events/batch", create_batch_events, body_check=batch_events_problem),
    BrevoRoute.of("POST", "/v3/events", create_event),
)
