"""The sync tasks: open a job, read it page by page, finish it when every write has landed."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from tasks import brevo, brevo_ops, flow, jobs, parking, replay, staging, streams
from tasks.policy import Deferred, PolicyTask
from tasks.queues import source_queue
from tasks.runtime import config, transaction

#: How often a finishing job looks at its outstanding imports.
FINISH_POLL_SECONDS = 3.0
#: A claimed import older than this was orphaned by a crash and is sent again.
STALE_CLAIM_SECONDS = 60.0


def enqueue_page(
    job_id: int, connector: str, resource: str, cursor: str | None, page_no: int
) -> None:
    pull_page.apply_async(
        kwargs={
            "job_id": job_id,
            "connector": connector,
            "resource": resource,
            "cursor": cursor,
            "page_no": page_no,
        },
        queue=source_queue(connector),
    )


@shared_task(name="sync.run", base=PolicyTask, bind=True)
def run(
    self: PolicyTask, *, connector: str, resource: str = "persons", mode: str = "incremental"
) -> dict[str, Any]:
    cfg = config()
    streams.resolve(cfg, connector, resource)  # a bad config fails here, before any job
    retry_reasons = replay.retry_reasons(cfg, connector)
    with transaction() as session:
        opened = jobs.open_job(session, connector, resource, mode)
    if opened.skipped:
        return {"job_id": opened.job_id, "status": "skipped"}
    # Open dead letters of passing failures get another chance as the job starts.
    replay.enqueue_retries(connector, resource, retry_reasons)
    enqueue_page(opened.job_id, connector, resource, None, 0)
    return {"job_id": opened.job_id, "status": "running", "retrying": retry_reasons}


@shared_task(name="sync.pull_page", base=PolicyTask, bind=True, give_up=staticmethod(flow.fail_job))
def pull_page(
    self: PolicyTask,
    *,
    job_id: int,
    connector: str,
    resource: str,
    cursor: str | None,
    page_no: int,
) -> dict[str, Any]:
    with transaction() as session:
        job = jobs.running_job(session, job_id)
        since, mode = (job.since, job.mode) if job else (None, "incremental")
    if job is None:
        return {"job_id": job_id, "page_no": page_no, "status": "job not running"}
    mapped, page = flow.read_and_map(job_id, connector, resource, cursor, page_no, since, mode)
    if mapped.writes:
        brevo.write.apply_async(
            kwargs={
                "kind": "contacts",
                "items": mapped.writes,
                "job_id": job_id,
                "connector": connector,
                "resource": resource,
                "key": flow.WRITE_KEY.format(page=page_no),
            }
        )
    # Every other Brevo operation goes to its kind's writer (the job waits for each).
    brevo_ops.enqueue(job_id, connector, resource, page_no, mapped.operations)
    for index, letter in enumerate(mapped.dead_letters):
        parking.park.apply_async(
            kwargs={
                **letter,
                "connector": connector,
                "resource": resource,
                "job_id": job_id,
                "key": flow.PARK_KEY.format(page=page_no, index=index),
            }
        )
    facts = jobs.PageFacts(
        page_no,
        len(page.records),
        mapped.unchanged,
        mapped.op_records,
        len(mapped.dead_letters),
        page.next_cursor,
        page.high_water,
    )
    # The cursor moves only now, after this page's writes and dead letters are enqueued.
    if flow.record_page(job_id, facts):
        if page.next_cursor is None:
            finish_job.apply_async(kwargs={"job_id": job_id})
        else:
            enqueue_page(job_id, connector, resource, page.next_cursor, page_no + 1)
    return {
        "job_id": job_id,
        "page_no": page_no,
        "fetched": facts.fetched,
        "to_write": facts.to_write,
        "unchanged": facts.unchanged,
        "dead_letters": facts.to_dead_letter,
    }


@shared_task(
    name="sync.finish_job", base=PolicyTask, bind=True, give_up=staticmethod(flow.fail_job)
)
def finish_job(self: PolicyTask, *, job_id: int) -> dict[str, Any]:
    with transaction() as session:
        job = jobs.running_job(session, job_id)
        if job is None:
            return {"job_id": job_id, "status": "not running"}
        progress = jobs.progress(session, job)
        if progress.complete:
            jobs.finish(session, job)
            return {"job_id": job_id, "status": job.status, **jobs.counts(session, job_id)}
        stale = staging.stale_claims(session, job_id, older_than_seconds=STALE_CLAIM_SECONDS)
    if progress.pages_done and progress.pending_tasks == 0:
        for import_id in stale:
            brevo.submit_import.apply_async(kwargs={"import_id": import_id})
        if progress.unflushed:
            brevo.flush.apply_async(kwargs={"job_id": job_id, "final": True})
    raise Deferred(FINISH_POLL_SECONDS, f"job {job_id}: waiting for {progress}")
