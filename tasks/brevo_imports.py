"""Following a contact import to its end: Brevo's callback, the fallback polls, the failed rows.

Brevo runs `/contacts/import` in the background and says when it is done in two ways: it calls
the import's `notifyUrl`, and `GET /processes/{id}` answers `completed`. Its callback body is
not documented, so the callback is only a signal: our notifyUrl carries our import id and a
signature, and the import is then read once. Without a webhooks URL the import is polled,
sparingly: GET /processes sits in the 100-per-hour bucket, so nothing is read while the job
still reads pages (its imports are settled together at the end, up to HOLD_MAX_SECONDS late),
and when several imports are out one `GET /processes` list read settles every one it shows
complete.

A completed import links CSV reports of the rows it refused. Each refused row becomes a dead
letter (brevo_rejected, or brevo_conflict for an identifier another contact holds) and stays out
of the write ledger; under `retry_without_conflicting` a conflicting row is written once more on
its own, without the identifier Brevo named. Every other row is written.
https://developers.brevo.com/reference/get-process
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar
from urllib.parse import urlencode

from celery import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connectors.brevo.client import BrevoClient
from connectors.brevo.import_reports import CONFLICT_IDENTIFIER, FailedRow
from connectors.brevo.settings import BrevoSettings
from deadletter.reasons import DeadLetterReason
from tasks import brevo_contacts, jobs, ledger, limits, staging
from tasks.models import BrevoImport, JobStatus, StagedWrite, SyncJob, utcnow
from tasks.queues import SINK_BREVO
from tasks.runtime import config, transaction

log = logging.getLogger(__name__)
Result = TypeVar("Result")

#: Where the webhooks app takes Brevo's import callbacks (under `brevo.webhooks_base_url`).
NOTIFY_PATH: Final = "/webhooks/brevo/imports"
#: Seconds between polls of an import without a callback: soon at first (small imports finish
#: fast), then spread out, since GET /processes sits in Brevo's 100-per-hour bucket.
POLL_SCHEDULE: Final = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0)
#: With a callback, the first fallback poll only in case the callback never comes.
CALLBACK_FALLBACK_SECONDS: Final = 300.0


class NotifyRefused(Exception):
    """A callback that is not ours (bad or missing import id or signature): nothing was done."""


def signature(settings: BrevoSettings, import_id: int) -> str:
    """A keyed digest of the import id, so only Brevo (given our URL) can announce an import.
    Keyed by the Brevo key, which never appears in the URL itself."""
    key = settings.api_key.get_secret_value().encode() if settings.api_key else b""
    return hmac.new(key, f"brevo-import:{import_id}".encode(), hashlib.sha256).hexdigest()[:32]


def notify_url(settings: BrevoSettings, import_id: int) -> str | None:
    """The import's notifyUrl, or None when no webhooks URL is configured (then it is polled)."""
    if not settings.webhooks_base_url:
        return None
    query = urlencode({"import": import_id, "sig": signature(settings, import_id)})
    return f"{settings.webhooks_base_url.rstrip('/')}{NOTIFY_PATH}?{query}"


def first_poll_seconds(settings: BrevoSettings) -> float:
    return CALLBACK_FALLBACK_SECONDS if settings.webhooks_base_url else POLL_SCHEDULE[0]


def next_poll_seconds(polls: int) -> float:
    return POLL_SCHEDULE[min(polls, len(POLL_SCHEDULE) - 1)]


#: While its job still reads pages, an import is not read: the job's imports are read together
#: once its pages are done (one list call for many), or after this long at the latest.
HOLD_MAX_SECONDS: Final = 120.0
HOLD_POLL_SECONDS: Final = 10.0


def hold_seconds(session: Session, imp: BrevoImport) -> float:
    """How long to wait before reading this import's process; 0 to read it now."""
    job = session.get(SyncJob, imp.job_id)
    if job is None or job.pages_done or job.status != JobStatus.RUNNING:
        return 0.0
    age = (utcnow() - imp.submitted_at).total_seconds() if imp.submitted_at else HOLD_MAX_SECONDS
    return HOLD_POLL_SECONDS if age < HOLD_MAX_SECONDS else 0.0


def in_flight(session: Session) -> dict[int, int]:
    """Brevo process id -> import id of every import sent and not yet settled."""
    rows = session.execute(
        select(BrevoImport.process_id, BrevoImport.id).where(
            BrevoImport.status == "submitted", BrevoImport.process_id.is_not(None)
        )
    )
    return {int(pid): import_id for pid, import_id in rows if pid is not None}


def read_processes(
    client: BrevoClient, settings: BrevoSettings, process_id: int, *, many: bool
) -> list[dict[str, Any]]:
    """The account's recent processes when several imports are out (one call covers them all),
    else this import's own; each call under the 100-per-hour bucket."""

    def metered(call: Callable[[], Result]) -> Result:
        return limits.metered("brevo", settings.api_key, limits.brevo_other_bucket(settings), call)

    if many:
        recent = metered(client.recent_processes)
        if any(p.get("id") == process_id for p in recent):
            return recent
        # Ours is older than the list's page: it needs a read of its own.
        return [*recent, metered(lambda: client.get_process(process_id))]
    return [metered(lambda: client.get_process(process_id))]


def import_notified(
    payload: Mapping[str, Any],
    query: Mapping[str, str],
    send: Callable[[str, dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """What the webhooks app calls with a Brevo import callback (`query`: the URL's query).

    Checks the signature, then enqueues one read of the import's process; answers at once.
    `NotifyRefused` for a callback that is not ours.
    """
    raw = query.get("import", "")
    if not raw.isdigit():
        raise NotifyRefused("the callback names no import")
    import_id = int(raw)
    expected = signature(config().brevo, import_id)
    if not hmac.compare_digest(expected, str(query.get("sig", ""))):
        raise NotifyRefused(f"the callback for import {import_id} has a wrong signature")
    kwargs = {"import_id": import_id, "notified": True}
    if send is not None:
        # The webhooks app hands in its own broker connection (it runs no worker app).
        send("brevo.await_import", kwargs)
    else:
        # Named queue: the caller's app may not carry our routes.
        current_app.send_task("brevo.await_import", kwargs=kwargs, queue=SINK_BREVO)
    status = payload.get("status") if isinstance(payload, Mapping) else None
    return {"import_id": import_id, "accepted": True, "status": status}


# -- settling a completed import -------------------------------------------------------------


def _identifiers(payload: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
    attributes = payload.get("attributes") or {}
    email = payload.get("email")
    sms = attributes.get("SMS")
    return (
        str(payload.get("ext_id")),
        email.lower() if isinstance(email, str) else None,
        str(sms) if sms else None,
    )


def match_failures(
    rows: list[tuple[int, Mapping[str, Any]]], failures: list[FailedRow]
) -> dict[int, FailedRow]:
    """Staged row id -> the failure Brevo reported for it, matched on EXT_ID, else email, else
    SMS (a report row names what Brevo read from our row)."""
    by_ext: dict[str, int] = {}
    by_email: dict[str, int] = {}
    by_sms: dict[str, int] = {}
    for staged_id, payload in rows:
        ext_id, email, sms = _identifiers(payload)
        by_ext.setdefault(ext_id, staged_id)
        if email:
            by_email.setdefault(email, staged_id)
        if sms:
            by_sms.setdefault(sms, staged_id)
    matched: dict[int, FailedRow] = {}
    for failure in failures:
        row_id = (
            by_ext.get(failure.ext_id or "")
            or by_email.get(failure.email or "")
            or by_sms.get(failure.sms or "")
        )
        if row_id is None:
            log.warning("import report row of kind %s matches no row of ours", failure.kind)
            continue
        matched.setdefault(row_id, failure)
    return matched


def retry_key(import_id: int, row_id: int) -> str:
    return f"c:{import_id}:{row_id}"


def park_key(import_id: int, row_id: int) -> str:
    return f"p:{import_id}:{row_id}"


def settle(import_id: int, failures: list[FailedRow]) -> dict[str, Any]:
    """Close a completed import: its refused rows fail (dead letters or single retries), the
    rest are written and remembered in the ledger, all in one transaction."""
    settings = config().brevo
    retries: list[tuple[StagedWrite, FailedRow]] = []
    parked: list[tuple[StagedWrite, FailedRow]] = []
    with transaction() as session:
        # One settler per import: two reads that both saw it complete must not both settle it.
        imp = session.get(BrevoImport, import_id, with_for_update=True)
        if imp is None or imp.status != "submitted":
            return {"import_id": import_id, "status": "already settled"}
        claimed = list(
            session.scalars(
                select(StagedWrite).where(
                    StagedWrite.import_id == import_id, StagedWrite.status == "claimed"
                )
            )
        )
        failed = match_failures([(r.id, r.payload) for r in claimed], failures)
        if failed:
            session.execute(
                update(StagedWrite).where(StagedWrite.id.in_(list(failed))).values(status="failed")
            )
        ledger.remember(session, staging.complete(session, import_id))
        for row in claimed:
            failure = failed.get(row.id)
            if failure is None:
                continue
            policy = settings.contact_policy(row.connector)
            if (
                failure.kind in CONFLICT_IDENTIFIER
                and CONFLICT_IDENTIFIER[failure.kind] != brevo_contacts.KEY_IDENTIFIER
                and policy.conflict_policy == "retry_without_conflicting"
            ):
                retries.append((row, failure))
            else:
                parked.append((row, failure))
        # The job waits for the retries and the dead letters, so its counts include them.
        keys = [(retry_key(import_id, row.id), "write") for row, _ in retries]
        keys += [(park_key(import_id, row.id), "park") for row, _ in parked]
        if keys:
            jobs.expect_tasks(session, claimed[0].job_id, keys)
    for row, failure in parked:
        reason = (
            DeadLetterReason.BREVO_CONFLICT
            if failure.is_conflict
            else DeadLetterReason.BREVO_REJECTED
        )
        brevo_contacts.park_letter(
            _item(row),
            connector=row.connector,
            resource=row.resource,
            job_id=row.job_id,
            reason=reason.value,
            message=f"Brevo did not import the row: {failure.message}",
            vendor_code=failure.kind,
            key=park_key(import_id, row.id),
        )
    for row, _ in retries:
        brevo_contacts.write_one.apply_async(
            kwargs={
                "connector": row.connector,
                "resource": row.resource,
                "item": _item(row),
                "job_id": row.job_id,
                "key": retry_key(import_id, row.id),
            }
        )
    return {
        "import_id": import_id,
        "status": "completed",
        "failed": len(parked),
        "retried_alone": len(retries),
    }


def _item(row: StagedWrite) -> dict[str, Any]:
    return {
        "ext_id": row.external_id,
        "content_hash": row.content_hash,
        "mapping_version": row.mapping_version,
        "operation": row.payload,
    }
