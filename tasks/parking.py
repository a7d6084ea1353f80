"""`deadletter.park`: store a dead letter, then end in FAILURE so Flower lists it."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from deadletter.retention import cutoff, parse_age
from deadletter.store import DeadLetterStore
from tasks import jobs
from tasks.policy import PolicyTask
from tasks.runtime import transaction


class DeadLettered(Exception):
    """The expected end of every park: the text is what an operator reads in Flower."""


def dead_letter_text(
    reason: str,
    connector: str,
    resource: str,
    source_id: str,
    job_id: int | None,
    dead_letter_id: int,
    message: str,
) -> str:
    """`reason: connector/resource source_id=.. job_id=.. dead_letter_id=..: message`."""
    return (
        f"{reason}: {connector}/{resource} source_id={source_id} job_id={job_id} "
        f"dead_letter_id={dead_letter_id}: {message}"
    )


@shared_task(
    name="deadletter.park", base=PolicyTask, bind=True, throws=(*PolicyTask.throws, DeadLettered)
)
def park(
    self: PolicyTask,
    *,
    connector: str,
    resource: str,
    source_id: str,
    job_id: int | None,
    reason: str,
    message: str,
    payload: dict[str, Any],
    key: str | None = None,
    mapping_version: str | None = None,
    vendor_code: str | None = None,
) -> None:
    with transaction() as session:
        letter = DeadLetterStore(session).add(
            connector=connector,
            resource=resource,
            source_id=source_id,
            job_id=job_id,
            reason=reason,
            message=message,
            payload=payload,
            mapping_version=mapping_version,
            vendor_code=vendor_code,
        )
        if job_id is not None and key is not None:
            jobs.task_done(session, job_id, key)
        letter_id = letter.id
    raise DeadLettered(
        dead_letter_text(reason, connector, resource, source_id, job_id, letter_id, message)
    )


@shared_task(name="deadletter.purge", base=PolicyTask, bind=True)
def purge(self: PolicyTask, *, older_than: str) -> dict[str, Any]:
    """Delete resolved and discarded dead letters older than an age like `30d` (beat runs it)."""
    limit = cutoff(parse_age(older_than))
    with transaction() as session:
        deleted = DeadLetterStore(session).purge(older_than=limit)
    return {"purged": deleted, "older_than": older_than}
