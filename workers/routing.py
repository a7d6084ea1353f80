"""Queues and routes: every task name has exactly one queue family."""

from __future__ import annotations

from typing import Any

from kombu import Exchange, Queue  # type: ignore[attr-defined]

from tasks.queues import ALL_QUEUES, CONTROL, DEADLETTER, SINK_BREVO, source_queue

STATIC_ROUTES = {
    "sync.run": CONTROL,
    "sync.finish_job": CONTROL,
    "brevo.write": SINK_BREVO,
    "brevo.flush": SINK_BREVO,
    "brevo.submit_import": SINK_BREVO,
    "brevo.await_import": SINK_BREVO,
    "brevo.write_ops": SINK_BREVO,
    "brevo.write_contact": SINK_BREVO,
    "brevo.close_live": SINK_BREVO,
    "deadletter.park": DEADLETTER,
    "deadletter.purge": DEADLETTER,
    "deadletter.replay": DEADLETTER,
    "deadletter.replay_many": DEADLETTER,
}
#: Tasks that talk to a vendor run on that vendor's queue, named by their `connector` argument.
VENDOR_ROUTED = {"sync.pull_page", "sync.refetch"}


def declared_queues() -> list[Queue]:
    return [
        Queue(name, Exchange(name, type="direct"), routing_key=name)  # type: ignore[no-untyped-call]
        for name in ALL_QUEUES
    ]


def route_task(
    name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **_: Any
) -> dict[str, str] | None:
    if name in VENDOR_ROUTED and isinstance(kwargs, dict) and "connector" in kwargs:
        return {"queue": source_queue(str(kwargs["connector"]))}
    queue = STATIC_ROUTES.get(name)
    return {"queue": queue} if queue else None
