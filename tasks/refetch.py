"""`sync.refetch`: a webhook said an object changed; read it again and write what the vendor has.

The hint is never trusted as data: the task reads the canonical record under the shared limiter
and sends it through the same map -> single-contact write path as a replay, skipping it when the
write ledger says Brevo already holds that version. So a late, repeated or forged-but-valid hint
can never write stale data, and many hints for one object cost one write at most.

An object the vendor no longer has (deleted, or merged into another) is withdrawn: its contact
leaves the connector's lists and its ledger entry is forgotten (see `contact_path.withdraw` for
why the contact itself stays). A merge's survivor gets its own refetch from the ingress, so it
picks up the merged-in data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from celery import shared_task

from connectors.brevo.client import ContactConflict
from connectors.core.errors import VendorValidationError
from deadletter.reasons import DeadLetterReason
from deadletter.redact import redact
from mapping.errors import MappingError
from tasks import brevo_contacts, contact_path, ledger
from tasks.parking import park
from tasks.policy import PolicyTask, describe, error_category
from tasks.runtime import config, transaction

#: What a hint may say happened; only informative, the refetch reads the truth.
HINTS = frozenset({"create", "change", "delete", "merge"})


class RefetchRefused(Exception):
    """Bad arguments, or a connector that cannot read one record: nothing was changed."""


def is_gone(record: Any) -> bool:
    """A record the vendor still returns but marks deleted (Pipedrive v1 `active_flag`, v2
    `is_deleted`) counts as gone."""
    if not isinstance(record, Mapping):
        return False
    return record.get("is_deleted") is True or record.get("active_flag") is False


def _dead_letter(
    connector: str,
    resource: str,
    object_id: str,
    reason: str,
    message: str,
    payload: Mapping[str, Any],
    **extra: Any,
) -> None:
    park.apply_async(
        kwargs={
            "connector": connector,
            "resource": resource,
            "source_id": object_id,
            "job_id": None,
            "reason": reason,
            "message": message,
            "payload": dict(payload),
            **extra,
        }
    )


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
    _dead_letter(
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
    current = contact_path.read_current(cfg, connector, resource, object_id)
    if current is None:
        raise RefetchRefused(f"{connector} cannot read one {resource} record by id {object_id!r}")
    found, record = current
    done = {"connector": connector, "resource": resource, "object_id": object_id, "hint": hint}
    if not found or is_gone(record):
        present = contact_path.withdraw(cfg, connector, resource, object_id)
        return {**done, "status": "withdrawn" if present else "absent"}
    try:
        operation, version = contact_path.map_record(cfg, connector, resource, record)
    except MappingError as exc:
        redacted = redact(record)
        payload = redacted if isinstance(redacted, Mapping) else {"record": redacted}
        _dead_letter(connector, resource, object_id, exc.reason.value, exc.message, payload)
        return {**done, "status": "dead_lettered", "reason": exc.reason.value}
    try:
        outcome = contact_path.write_if_changed(cfg, connector, resource, operation, version)
    except VendorValidationError as exc:
        reason = (
            DeadLetterReason.BREVO_CONFLICT
            if isinstance(exc, ContactConflict)
            else DeadLetterReason.BREVO_REJECTED
        )
        _dead_letter(
            connector,
            resource,
            object_id,
            reason.value,
            describe(exc),
            operation,
            mapping_version=version,
            vendor_code=exc.code,
        )
        return {**done, "status": "dead_lettered", "reason": reason.value}
    if outcome.status == "partial" and outcome.single is not None:
        _dead_letter(
            connector,
            resource,
            object_id,
            DeadLetterReason.BREVO_CONFLICT.value,
            brevo_contacts.conflict_note(outcome.single),
            operation,
            mapping_version=version,
        )
    if outcome.ledger_entry is not None:
        with transaction() as session:
            ledger.remember(session, [outcome.ledger_entry])
    return {**done, "status": outcome.status}
