"""`sync.refetch`: a webhook said an object changed; read it again and write what the vendor has.

The hint is never trusted as data: the task reads the canonical record under the shared limiter
and sends it through the same map -> write path as a batch page (`tasks.refetch_path`), for every
streamed (connector, resource): its contact through the single-contact path, every other Brevo
operation to its writer, each skipped when the write ledger says Brevo already holds that
version. So a late, repeated or forged-but-valid hint can never write stale data, and many hints
for one object cost one write at most.

An object the vendor no longer has (deleted, or merged into another) is withdrawn as far as Brevo
allows (`tasks.withdrawals`). A merge's survivor gets its own refetch from the ingress, so it
picks up the merged-in data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from celery import shared_task

from deadletter.reasons import DeadLetterReason
from tasks import refetch_path, withdrawals
from tasks.policy import PolicyTask, describe, error_category
from tasks.refetch_path import RefetchRefused, is_gone
from tasks.runtime import config

__all__ = ["HINTS", "RefetchRefused", "is_gone", "refetch"]

#: What a hint may say happened; only informative, the refetch reads the truth.
HINTS = frozenset({"create", "change", "delete", "merge"})


def _refetch_failed(exc: BaseException, kwargs: Mapping[str, Any]) -> None:
    """Give-up hook: the change must not be lost, so it becomes a dead letter an operator (or
    the next job's automatic retry) replays; the replay reads the record again."""
    if isinstance(exc, RefetchRefused):
        return
    by_category = {
        "auth": DeadLetterReason.AUTH,
        "forbidden": DeadLetterReason.FORBIDDEN,
        "vendor_unavailable": DeadLetterReason.RETRIES_EXHAUSTED,
        "infrastructure": DeadLetterReason.RETRIES_EXHAUSTED,
    }
    reason = by_category.get(error_category(exc), DeadLetterReason.RETRIES_EXHAUSTED)
    refetch_path.dead_letter(
        str(kwargs.get("connector")),
        str(kwargs.get("resource")),
        str(kwargs.get("object_id")),
        reason.value,
        f"webhook refetch gave up: {describe(exc)}",
        {},
    )


@shared_task(
    name="sync.refetch",
    base=PolicyTask,
    bind=True,
    give_up=staticmethod(_refetch_failed),
    throws=(*PolicyTask.throws, RefetchRefused),
)
def refetch(
    self: PolicyTask, *, connector: str, resource: str, object_id: str, hint: str = "change"
) -> dict[str, Any]:
    object_id = str(object_id)
    if hint not in HINTS:
        raise RefetchRefused(f"hint must be one of {', '.join(sorted(HINTS))}, not {hint!r}")
    cfg = config()
    done = {"connector": connector, "resource": resource, "object_id": object_id, "hint": hint}
    record = refetch_path.read(cfg, connector, resource, object_id)
    if record is None:
        return {**done, **withdrawals.withdraw(cfg, connector, resource, object_id)}
    written = refetch_path.map_and_write(cfg, connector, resource, object_id, record)
    return {**done, **written.as_json()}
