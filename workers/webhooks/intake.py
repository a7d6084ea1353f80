"""From a verified, parsed delivery to enqueued refetches: dedupe, pick, debounce, enqueue."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connectors.core.webhooks import ObjectRef
from workers.webhooks.gate import Gate
from workers.webhooks.vendors import Delivery

#: Sends a task by name with these kwargs, due in `countdown` seconds (0: now).
Enqueue = Callable[[str, dict[str, Any], float], None]
REFETCH_TASK = "sync.refetch"
EVENTS_TASK = "brevo.write_ops"


@dataclass
class Intake:
    status: str
    enqueued: list[dict[str, Any]] = field(default_factory=list)
    events: int = 0
    coalesced: int = 0
    ignored: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "enqueued": len(self.enqueued),
            "events": self.events,
            "coalesced": self.coalesced,
            "ignored": self.ignored,
        }


def refetches(connector: str, hint: ObjectRef) -> list[dict[str, Any]]:
    """The refetches a hint asks for: the object, and for a merge also its survivor."""
    wanted = [
        {
            "connector": connector,
            "resource": hint.resource,
            "object_id": hint.object_id,
            "hint": hint.action,
        }
    ]
    if hint.action == "merge" and hint.merged_into:
        wanted.append(
            {
                "connector": connector,
                "resource": hint.resource,
                "object_id": hint.merged_into,
                "hint": "change",
            }
        )
    return wanted


def take(
    connector: str,
    delivery: Delivery,
    wanted: Callable[[ObjectRef], bool],
    events: Callable[[Delivery], list[dict[str, Any]]],
    gate: Gate,
    enqueue: Enqueue,
) -> Intake:
    """Enqueue what this delivery needs. Raises when the broker fails, after undoing the
    dedupe key and the debounce keys it set, so the vendor's retry is taken in full."""
    if not gate.first_sight(connector, delivery.delivery_id):
        return Intake("duplicate")
    intake = Intake("accepted")
    opened: list[dict[str, Any]] = []
    try:
        # Events are per delivery (never debounced: each change is its own event); the ops
        # writer's ledger keys them on the delivery id, so a redelivery tracks them once.
        items = events(delivery)
        if items:
            batch: dict[str, Any] = {"kind": "event.track", "items": items,
                                     "connector": connector, "resource": "webhooks"}  # fmt: skip
            enqueue(EVENTS_TASK, batch, 0.0)
            intake.events = len(items)
        for hint in delivery.hints:
            if not wanted(hint):
                intake.ignored += 1
                continue
            for kwargs in refetches(connector, hint):
                if not gate.open_window(connector, kwargs["resource"], kwargs["object_id"]):
                    intake.coalesced += 1
                    continue
                opened.append(kwargs)
                enqueue(REFETCH_TASK, kwargs, gate.debounce_seconds)
                intake.enqueued.append(kwargs)
    except Exception:
        for kwargs in opened:
            if kwargs not in intake.enqueued:
                gate.close_window(connector, kwargs["resource"], kwargs["object_id"])
        # The vendor retries on our 5xx: it must find the delivery unseen. A refetch already
        # enqueued may then run twice, which is harmless (the ledger skips the second write).
        gate.forget_delivery(connector, delivery.delivery_id)
        raise
    return intake
