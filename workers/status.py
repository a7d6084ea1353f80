"""`tajo connectors status`: recent jobs (live counts while they run) and every stream's cursor."""

from __future__ import annotations

from tasks import jobs
from tasks.models import JobStatus, SyncJob
from tasks.runtime import config, transaction
from workers import embedded
from workers.celery_app import install_runtime
from workers.limiter import limiter_for, limiter_states
from workers.output import console, table
from workers.settings import Settings, get_settings

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


LIMITER_COLUMNS = [
    "vendor", "credential", "bucket", "limit", "tokens left", "paused until", "429s (1 h)",
]  # fmt: skip


def print_status() -> None:
    settings = get_settings()
    install_runtime(settings)
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
    limiter_rows = _limiter_rows(settings)
    if limiter_rows is not None:
        console.print(table("rate limits", LIMITER_COLUMNS, limiter_rows))


def _limiter_rows(settings: Settings) -> list[list[object]] | None:
    """The shared limiter's buckets, or None when no Redis is running (nothing to show)."""
    url = settings.broker_url
    if url is None:
        if not embedded.socket_path(settings.var_path).exists():
            return None
        url = embedded.broker_url_for(settings.var_path)
    return [
        [
            s.vendor,
            s.credential,
            s.bucket,
            "not metered" if s.limit is None else s.limit,
            "-" if s.left is None else s.left,
            s.paused_until or "-",
            s.throttled_last_hour,
        ]
        for s in limiter_states(limiter_for(url), config())
    ]


def _error(category: str | None, message: str | None) -> str | None:
    if not category:
        return None
    return f"{category}: {(message or '')[:80]}"
