"""Bursts of single-contact writes coalesce into imports.

A webhook or replay writes one contact with one request. That is right for a trickle and wrong
for a burst (a bulk edit at the vendor fires thousands of webhooks): past
`brevo.single_write_threshold` single writes within `BURST_WINDOW_SECONDS` (counted by the
shared limiter, so across every worker), further contacts are staged into a *live* job of
their stream instead, which gathers them for `COALESCE_SECONDS` and sends them as imports,
followed, dead-lettered and recorded in the ledger exactly like a batch job's.

The live job is an ordinary sync job whose resource is `<resource>:live` (so it never blocks
the stream's batch job) and whose pages are done from the start. Staging and closing both lock
the job row, so a contact is never staged into a job that has just been closed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from celery import current_app, shared_task
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from connectors.brevo.settings import BrevoSettings
from tasks import jobs, limits, runtime, staging
from tasks.models import JobStatus, SyncJob
from tasks.policy import Deferred, PolicyTask
from tasks.queues import SINK_BREVO
from tasks.runtime import Bucket, transaction

#: The window in which single writes are counted against the threshold.
BURST_WINDOW_SECONDS: Final = 10.0
#: How long a live job gathers contacts before its import is sent.
COALESCE_SECONDS: Final = 5.0
#: How often a live job looks at its imports while they run.
CLOSE_POLL_SECONDS: Final = 3.0
LIVE_MODE: Final = "live"


def live_resource(resource: str) -> str:
    return f"{resource}:{LIVE_MODE}"


def burst_bucket(settings: BrevoSettings) -> Bucket:
    return Bucket("single-writes", max(settings.single_write_threshold, 1), BURST_WINDOW_SECONDS)


def should_coalesce(settings: BrevoSettings) -> bool:
    """True when this single write is past the burst threshold and should be staged instead.
    Without a shared limiter (no Redis) there is no count to go by: write it."""
    limiter = runtime.current().limiter
    if limiter is None:
        return False
    if settings.single_write_threshold == 0:
        return True
    credential = limits.fingerprint(settings.api_key)
    return limiter.acquire("brevo", credential, burst_bucket(settings)) > 0


def _live_job(session: Session, connector: str, resource: str) -> SyncJob | None:
    return session.scalars(
        select(SyncJob)
        .where(
            SyncJob.connector == connector,
            SyncJob.resource == live_resource(resource),
            SyncJob.status == JobStatus.RUNNING,
        )
        .with_for_update()
    ).first()


def stage_live(connector: str, resource: str, items: Sequence[dict[str, Any]]) -> int:
    """Stage staged-shape items into the stream's live job (opened when none runs); its id."""
    for _ in range(3):
        opened = False
        try:
            with transaction() as session:
                job = _live_job(session, connector, resource)
                if job is None:
                    job = SyncJob(
                        connector=connector,
                        resource=live_resource(resource),
                        mode=LIVE_MODE,
                        status=JobStatus.RUNNING,
                        pages_done=True,
                    )
                    session.add(job)
                    session.flush()
                    opened = True
                staging.stage(session, job.id, connector, resource, items)
                job_id = job.id
        except IntegrityError:
            continue  # another worker opened the live job first: stage into that one
        if opened:
            close_live.apply_async(kwargs={"job_id": job_id}, countdown=COALESCE_SECONDS)
        return job_id
    raise Deferred(0.5, f"could not open a live job for {connector}/{resource}")


@shared_task(name="brevo.close_live", base=PolicyTask, bind=True, queue=SINK_BREVO)
def close_live(self: PolicyTask, *, job_id: int) -> dict[str, Any]:
    """Send what the live job gathered, wait for its imports, then close it."""
    with transaction() as session:
        job = session.get(SyncJob, job_id, with_for_update=True)
        if job is None or job.status != JobStatus.RUNNING:
            return {"job_id": job_id, "status": "not running"}
        progress = jobs.progress(session, job)
        if progress.complete:
            jobs.finish(session, job)
            return {"job_id": job_id, "status": job.status, **jobs.counts(session, job_id)}
        stale = staging.stale_claims(session, job_id, older_than_seconds=60.0)
    if progress.unflushed:
        current_app.send_task(
            "brevo.flush", kwargs={"job_id": job_id, "final": True}, queue=SINK_BREVO
        )
    for import_id in stale:
        current_app.send_task(
            "brevo.submit_import", kwargs={"import_id": import_id}, queue=SINK_BREVO
        )
    raise Deferred(CLOSE_POLL_SECONDS, f"live job {job_id}: waiting for {progress}")
