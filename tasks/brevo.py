"""The Brevo sink: stage mapped contacts, send them in large imports, follow each to its end."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from celery import shared_task

from tasks import clients, jobs, ledger, limits, staging
from tasks.models import BrevoImport, StagedWrite
from tasks.parking import park
from tasks.policy import Deferred, PolicyTask, describe, error_category
from tasks.runtime import config, transaction

#: Seconds between polls of an import's process; GET /processes sits in Brevo's 100-per-hour
#: bucket, so polls start soon (small imports finish fast) and then spread out.
POLL_SCHEDULE = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0)


@shared_task(name="brevo.write", base=PolicyTask, bind=True)
def write(
    self: PolicyTask,
    *,
    kind: str,
    items: list[dict[str, Any]],
    job_id: int,
    connector: str,
    resource: str,
    key: str,
) -> dict[str, Any]:
    if kind != "contacts":
        raise ValueError(f"unsupported write kind {kind!r}")
    batch = config().brevo.import_batch_records
    with transaction() as session:
        staging.stage(session, job_id, connector, resource, items)
        jobs.task_done(session, job_id, key)
        ready = staging.unflushed(session, job_id) >= batch
    if ready:
        flush.apply_async(kwargs={"job_id": job_id, "final": False})
    return {"job_id": job_id, "staged": len(items)}


@shared_task(name="brevo.flush", base=PolicyTask, bind=True)
def flush(self: PolicyTask, *, job_id: int, final: bool = False) -> dict[str, Any]:
    settings = config().brevo
    claimed: list[int] = []
    while True:
        with transaction() as session:
            waiting = staging.unflushed(session, job_id)
            if waiting == 0 or (not final and waiting < settings.import_batch_records):
                break
            try:
                batch = staging.claim(
                    session,
                    job_id,
                    max_rows=settings.import_batch_records,
                    max_bytes=settings.import_max_bytes,
                )
            except staging.ClaimRace as exc:
                raise Deferred(0.5, str(exc)) from None
        if batch is None:
            break
        claimed.append(batch.import_id)
        submit_import.apply_async(kwargs={"import_id": batch.import_id})
    return {"job_id": job_id, "imports": claimed}


def _import_failed(exc: BaseException, kwargs: Mapping[str, Any]) -> None:
    """Give-up hook: an import that cannot be sent or followed dead-letters its rows (or, for
    auth, fails the job and keeps them claimed for a later run)."""
    import_id = kwargs.get("import_id")
    with transaction() as session:
        imp = session.get(BrevoImport, import_id)
        if imp is None:
            return
        category = error_category(exc)
        if category not in ("validation", "vendor_unavailable", "infrastructure"):
            # Auth, permission or a bug: the rows stay claimed for a later run, the job fails.
            jobs.fail(session, imp.job_id, category, describe(exc))
            return
        reason = "brevo_rejected" if category == "validation" else "retries_exhausted"
        rows = staging.abandon(session, imp.id)
        _park_rows(rows, imp.job_id, reason, describe(exc))


def _park_rows(rows: list[StagedWrite], job_id: int, reason: str, message: str) -> None:
    for row in rows:
        park.apply_async(
            kwargs={
                "connector": row.connector,
                "resource": row.resource,
                "source_id": row.external_id.rsplit(":", 1)[-1],
                "job_id": job_id,
                "reason": reason,
                "message": message,
                "payload": row.payload,
                "mapping_version": row.mapping_version,
            }
        )


@shared_task(
    name="brevo.submit_import", base=PolicyTask, bind=True, give_up=staticmethod(_import_failed)
)
def submit_import(self: PolicyTask, *, import_id: int) -> dict[str, Any]:
    with transaction() as session:
        body = staging.claimed_rows(session, import_id)
        imp = session.get(BrevoImport, import_id)
        if body is None or imp is None or imp.status != "claimed":
            return {"import_id": import_id, "status": "already sent"}
    settings = config().brevo
    client = clients.brevo(settings)
    process_id = limits.metered(
        "brevo",
        settings.api_key,
        limits.brevo_contacts_bucket(settings),
        lambda: client.import_contacts(body.rows, list_ids=body.list_ids),
    )
    with transaction() as session:
        staging.mark_submitted(session, import_id, process_id)
    await_import.apply_async(kwargs={"import_id": import_id}, countdown=POLL_SCHEDULE[0])
    return {"import_id": import_id, "process_id": process_id, "rows": len(body.rows)}


@shared_task(
    name="brevo.await_import", base=PolicyTask, bind=True, give_up=staticmethod(_import_failed)
)
def await_import(self: PolicyTask, *, import_id: int) -> dict[str, Any]:
    with transaction() as session:
        imp = session.get(BrevoImport, import_id)
        if imp is None or imp.status != "submitted" or imp.process_id is None:
            return {"import_id": import_id, "status": "not awaiting"}
        process_id, polls = imp.process_id, imp.polls
    settings = config().brevo
    client = clients.brevo(settings)
    process = limits.metered(
        "brevo",
        settings.api_key,
        limits.brevo_other_bucket(settings),
        lambda: client.get_process(process_id),
    )
    with transaction() as session:
        imp = session.get(BrevoImport, import_id)
        if imp is not None:
            imp.polls = polls + 1
    if process.get("status") != "completed":
        raise Deferred(
            POLL_SCHEDULE[min(polls + 1, len(POLL_SCHEDULE) - 1)],
            f"import {import_id} is {process.get('status')}",
        )
    with transaction() as session:
        ledger.remember(session, staging.complete(session, import_id))
    return {"import_id": import_id, "status": "completed"}
