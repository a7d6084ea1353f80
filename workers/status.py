"""`tajo connectors status`: recent jobs (live counts while they run) and every stream's cursor."""

from __future__ import annotations

from tasks import jobs
from tasks.models import JobStatus, SyncJob
from tasks.runtime import transaction
from workers.celery_app import install_runtime
from workers.output import console, table
from workers.settings import get_settings

JOB_COLUMNS = [
    "id", "connector", "resource", "mode", "status", "fetched", "written", "unchanged",
    "dead letters", "error", "started", "finished",
]  # fmt: skip


def _job_row(job: SyncJob, counts: dict[str, int]) -> list[object]:
    return [
        job.id, job.connector, job.resource, job.mode, job.status,
        counts["fetched"], counts["written"], counts["unchanged"], counts["dead_lettered"],
        _error(job.error_category, job.error), job.started_at, job.finished_at,
    ]  # fmt: skip


def _stored_counts(job: SyncJob) -> dict[str, int]:
    return {
        "fetched": job.fetched,
        "written": job.written,
        "unchanged": job.unchanged,
        "dead_lettered": job.dead_lettered,
    }


def print_status() -> None:
    install_runtime(get_settings())
    with transaction() as session:
        rows = [
            _job_row(
                job,
                jobs.counts(session, job.id)
                if job.status == JobStatus.RUNNING
                else _stored_counts(job),
            )
            for job in jobs.recent_jobs(session)
        ]
        cursors = [
            [c.connector, c.resource, c.value, c.updated_at] for c in jobs.all_cursors(session)
        ]
    console.print(table("jobs", JOB_COLUMNS, rows))
    console.print(table("cursors", ["connector", "resource", "value", "updated"], cursors))


def _error(category: str | None, message: str | None) -> str | None:
    if not category:
        return None
    return f"{category}: {(message or '')[:80]}"
