"""Following a job from the CLI: start it through the broker, then watch its database rows."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from celery import Celery
from celery.result import AsyncResult
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tasks import jobs
from tasks.models import JobStatus, SyncJob
from tasks.runtime import transaction
from workers.output import console

#: The first answer from sync.run comes from a worker; give a cold one time to start.
START_TIMEOUT_SECONDS = 120.0


class JobTimeout(Exception):
    pass


@dataclass(frozen=True)
class JobOutcome:
    job_id: int
    status: str
    counts: dict[str, int]
    error_category: str | None
    error: str | None
    seconds: float


def enqueue_sync(app: Celery, connector: str, resource: str, mode: str) -> AsyncResult:
    return app.send_task(
        "sync.run", kwargs={"connector": connector, "resource": resource, "mode": mode}
    )


def start_sync(app: Celery, connector: str, resource: str, mode: str) -> dict[str, Any]:
    """Enqueue sync.run and wait for the worker's answer: the job id, or "skipped"."""
    result = enqueue_sync(app, connector, resource, mode)
    answer: dict[str, Any] = result.get(timeout=START_TIMEOUT_SECONDS, propagate=True)
    return answer


def _snapshot(job_id: int) -> tuple[SyncJob, dict[str, int]]:
    with transaction() as session:
        job = session.get(SyncJob, job_id)
        if job is None:
            raise LookupError(f"job {job_id} does not exist")
        return job, jobs.counts(session, job_id)


def follow(job_id: int, *, total: int | None = None, timeout: float = 3600.0) -> JobOutcome:
    """Show progress until the job leaves `running`; returns its outcome."""
    started = time.monotonic()
    columns = [
        TextColumn("[bold]job {task.fields[job]}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(
            "written {task.fields[written]} · unchanged {task.fields[unchanged]}"
            " · dead letters {task.fields[dead]}"
        ),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=console, transient=False) as progress:
        bar = progress.add_task("sync", total=total, job=job_id, written=0, unchanged=0, dead=0)
        while True:
            job, counts = _snapshot(job_id)
            done = counts["written"] + counts["unchanged"] + counts["dead_lettered"]
            progress.update(
                bar,
                completed=done,
                total=total or max(counts["fetched"], 1),
                written=counts["written"],
                unchanged=counts["unchanged"],
                dead=counts["dead_lettered"],
            )
            if job.status != JobStatus.RUNNING:
                return JobOutcome(
                    job_id,
                    job.status,
                    counts,
                    job.error_category,
                    job.error,
                    time.monotonic() - started,
                )
            if time.monotonic() - started > timeout:
                raise JobTimeout(f"job {job_id} still running after {timeout:.0f}s")
            time.sleep(0.5)
