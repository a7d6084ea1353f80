"""The Brevo sink: stage mapped contacts, send them in large imports, follow each to its end."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from celery import shared_task

from connectors.brevo.settings import ContactWritePolicy
from connectors.core.errors import AuthError
from tasks import brevo_bursts, brevo_contacts, brevo_imports, clients, jobs, limits, staging
from tasks.models import BrevoImport, StagedWrite
from tasks.parking import park
from tasks.policy import Deferred, PolicyTask, describe, error_category
from tasks.runtime import config, transaction

#: Kept for callers that read the schedule here; the import follow-up lives in brevo_imports.
POLL_SCHEDULE = brevo_imports.POLL_SCHEDULE
#: The single-contact tasks register with the worker through this module.
write_contact = brevo_contacts.write_one
close_live = brevo_bursts.close_live


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
    settings = config().brevo
    # An import cannot take a contact off a blocklist: the lifts a connector allows go alone.
    lifts = [i for i in items if lifts_blocklist(i, settings.contact_policy(connector))]
    staged = [i for i in items if i not in lifts]
    with transaction() as session:
        staging.stage(session, job_id, connector, resource, staged)
        jobs.expect_tasks(session, job_id, [(f"{key}:{i['ext_id']}", "write") for i in lifts])
        jobs.task_done(session, job_id, key)
        ready = staging.unflushed(session, job_id) >= settings.import_batch_records
    for item in lifts:
        brevo_contacts.write_one.apply_async(
            kwargs={
                "connector": connector,
                "resource": resource,
                "item": item,
                "job_id": job_id,
                "key": f"{key}:{item['ext_id']}",
            }
        )
    if ready:
        flush.apply_async(kwargs={"job_id": job_id, "final": False})
    return {"job_id": job_id, "staged": len(staged), "alone": len(lifts)}


def lifts_blocklist(item: Mapping[str, Any], policy: ContactWritePolicy) -> bool:
    operation = item["operation"]
    return policy.lift_blocklist and (
        operation.get("email_blacklisted") is False or operation.get("sms_blacklisted") is False
    )


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
        if isinstance(exc, AuthError):
            # Brevo refused the key: every worker holds its Brevo calls until it is renewed.
            brevo_contacts.pause_account(config().brevo)
        if category not in ("validation", "vendor_unavailable", "infrastructure"):
            # Auth, permission or a bug: the rows stay claimed for a later run, the job fails.
            jobs.fail(session, imp.job_id, category, describe(exc))
            return
        reason = "brevo_rejected" if category == "validation" else "retries_exhausted"
        job_id = imp.job_id
        rows = staging.abandon(session, imp.id)
        # The job waits for these dead letters, so its counts include them when it finishes.
        jobs.expect_tasks(session, job_id, [(park_key(row), "park") for row in rows])
    _park_rows(rows, job_id, reason, describe(exc))


def park_key(row: StagedWrite) -> str:
    return f"p:{row.import_id}:{row.id}"


def _park_rows(rows: list[StagedWrite], job_id: int, reason: str, message: str) -> None:
    """Enqueued only once the rows' failure is committed (the park marks its job task done)."""
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
                "key": park_key(row),
            }
        )


@shared_task(
    name="brevo.submit_import", base=PolicyTask, bind=True, give_up=staticmethod(_import_failed)
)
def submit_import(self: PolicyTask, *, import_id: int) -> dict[str, Any]:
    """Send a claimed import (again, after a crash between claim and send)."""
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
        lambda: client.import_contacts(
            body.rows,
            list_ids=body.list_ids,
            notify_url=brevo_imports.notify_url(settings, import_id),
            email_blacklist=body.email_blacklist,
            sms_blacklist=body.sms_blacklist,
        ),
    )
    with transaction() as session:
        staging.mark_submitted(session, import_id, process_id)
    await_import.apply_async(
        kwargs={"import_id": import_id}, countdown=brevo_imports.first_poll_seconds(settings)
    )
    return {"import_id": import_id, "process_id": process_id, "rows": len(body.rows)}


@shared_task(
    name="brevo.await_import", base=PolicyTask, bind=True, give_up=staticmethod(_import_failed)
)
def await_import(self: PolicyTask, *, import_id: int, notified: bool = False) -> dict[str, Any]:
    """Read the import's process (after Brevo's callback, or as a poll) and settle every import
    that read shows complete; come back later while this one is not."""
    with transaction() as session:
        imp = session.get(BrevoImport, import_id)
        if imp is None or imp.status != "submitted" or imp.process_id is None:
            return {"import_id": import_id, "status": "not awaiting"}
        process_id, polls = imp.process_id, imp.polls
        hold = 0.0 if notified else brevo_imports.hold_seconds(session, imp)
        in_flight = brevo_imports.in_flight(session)
    if hold:
        raise Deferred(hold, f"import {import_id}: read with the job's others once pages are done")
    settings = config().brevo
    client = clients.brevo(settings)
    processes = brevo_imports.read_processes(client, settings, process_id, many=len(in_flight) > 1)
    with transaction() as session:
        imp = session.get(BrevoImport, import_id)
        if imp is not None:
            imp.polls = polls + 1
    settled = []
    for process in processes:
        other = in_flight.get(process.get("id"))  # type: ignore[arg-type]
        if other is not None and process.get("status") == "completed":
            # Reports are read before anything is marked: a failed download retries the step.
            brevo_imports.settle(other, client.import_failures(process))
            settled.append(other)
    if import_id not in settled:
        raise Deferred(
            brevo_imports.next_poll_seconds(polls + 1), f"import {import_id} is not complete yet"
        )
    return {"import_id": import_id, "status": "completed", "settled": settled}
