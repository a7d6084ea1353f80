"""The job ledger: open, advance, fail and finish sync jobs.

A job is finished when its last page has been read, every task its pages enqueued has run, and
every Brevo import it sent has completed. Counts are summed from pages and rows at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deadletter.models import DeadLetter
from mapping.errors import Reason
from tasks.models import (
    BrevoImport,
    Cursor,
    JobPage,
    JobStatus,
    JobTask,
    StagedWrite,
    SyncJob,
    utcnow,
)
from tasks.sql import upsert_statement

MODES = ("full", "incremental")


@dataclass(frozen=True)
class Opened:
    job_id: int
    since: str | None
    skipped: bool = False


def open_job(session: Session, connector: str, resource: str, mode: str) -> Opened:
    """Start a job, or record a skipped one when another is running for this connector+resource."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    since = None
    if mode == "incremental":
        since = session.scalar(
            select(Cursor.value).where(Cursor.connector == connector, Cursor.resource == resource)
        )
    job = SyncJob(
        connector=connector, resource=resource, mode=mode, status=JobStatus.RUNNING, since=since
    )
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:
        skipped = SyncJob(
            connector=connector,
            resource=resource,
            mode=mode,
            status=JobStatus.SKIPPED,
            error="another job is running for this connector and resource",
            finished_at=utcnow(),
        )
        session.add(skipped)
        session.flush()
        return Opened(job_id=skipped.id, since=since, skipped=True)
    return Opened(job_id=job.id, since=since)


def running_job(session: Session, job_id: int) -> SyncJob | None:
    job = session.get(SyncJob, job_id)
    if job is None or job.status != JobStatus.RUNNING:
        return None
    return job


def page_seen(session: Session, job_id: int, page_no: int) -> bool:
    return session.get(JobPage, (job_id, page_no)) is not None


def expect_tasks(session: Session, job_id: int, keys: list[tuple[str, str]]) -> None:
    """Register the downstream tasks (key, kind) a page is about to enqueue."""
    if not keys:
        return
    stmt = upsert_statement(session, JobTask).values(
        [{"job_id": job_id, "key": key, "kind": kind, "done": False} for key, kind in keys]
    )
    session.execute(stmt.on_conflict_do_nothing())


def registered(session: Session, job_id: int, keys: list[str]) -> set[str]:
    """Which of these task keys the job has registered already (by an earlier attempt)."""
    found: set[str] = set()
    for start in range(0, len(keys), 1000):  # far below any database's bind-parameter limit
        chunk = keys[start : start + 1000]
        found.update(
            session.scalars(
                select(JobTask.key).where(JobTask.job_id == job_id, JobTask.key.in_(chunk))
            )
        )
    return found


def task_done(session: Session, job_id: int, key: str) -> None:
    session.execute(
        update(JobTask).where(JobTask.job_id == job_id, JobTask.key == key).values(done=True)
    )


@dataclass(frozen=True)
class PageFacts:
    page_no: int
    fetched: int
    unchanged: int
    #: changed records that write no contact (see `tasks.pages.map_page`)
    to_write: int
    to_dead_letter: int
    next_cursor: str | None
    high_water: str | None


def record_page(session: Session, job: SyncJob, facts: PageFacts) -> None:
    """Store the page's facts and move the job (and the stream's cursor) past it."""
    stmt = upsert_statement(session, JobPage).values(
        job_id=job.id,
        page_no=facts.page_no,
        fetched=facts.fetched,
        unchanged=facts.unchanged,
        to_write=facts.to_write,
        to_dead_letter=facts.to_dead_letter,
    )
    session.execute(stmt.on_conflict_do_nothing())
    job.pages = max(job.pages, facts.page_no + 1)
    job.next_cursor = facts.next_cursor
    if facts.high_water and (job.high_water is None or facts.high_water > job.high_water):
        job.high_water = facts.high_water
        advance_cursor(session, job.connector, job.resource, facts.high_water)
    if facts.next_cursor is None:
        job.pages_done = True


def advance_cursor(session: Session, connector: str, resource: str, value: str) -> None:
    """Move the incremental cursor forward, never back."""
    current = session.get(Cursor, (connector, resource))
    if current is None:
        session.add(Cursor(connector=connector, resource=resource, value=value))
    elif current.value is None or value > current.value:
        current.value = value


def fail(session: Session, job_id: int, category: str, message: str) -> None:
    session.execute(
        update(SyncJob)
        .where(SyncJob.id == job_id, SyncJob.status == JobStatus.RUNNING)
        .values(
            status=JobStatus.FAILED,
            error_category=category,
            error=message[:2000],
            finished_at=utcnow(),
        )
    )


@dataclass(frozen=True)
class Progress:
    pages_done: bool
    pending_tasks: int
    unflushed: int
    imports_in_flight: int

    @property
    def complete(self) -> bool:
        return (
            self.pages_done
            and self.pending_tasks == 0
            and self.unflushed == 0
            and self.imports_in_flight == 0
        )


def progress(session: Session, job: SyncJob) -> Progress:
    pending = session.scalar(
        select(func.count()).where(JobTask.job_id == job.id, JobTask.done.is_(False))
    )
    unflushed = session.scalar(
        select(func.count()).where(StagedWrite.job_id == job.id, StagedWrite.status == "staged")
    )
    in_flight = session.scalar(
        select(func.count()).where(
            BrevoImport.job_id == job.id, BrevoImport.status.in_(("claimed", "submitted"))
        )
    )
    return Progress(job.pages_done, pending or 0, unflushed or 0, in_flight or 0)


#: Dead letters of records that never reached a writer.
MAPPING_REASONS: tuple[str, ...] = tuple(reason.value for reason in Reason)


def counts(session: Session, job_id: int) -> dict[str, int]:
    """fetched / unchanged / written / dead_lettered, derived from rows (safe under redelivery)."""
    fetched, unchanged = session.execute(
        select(
            func.coalesce(func.sum(JobPage.fetched), 0),
            func.coalesce(func.sum(JobPage.unchanged), 0),
        ).where(JobPage.job_id == job_id)
    ).one()
    contacts = session.scalar(
        select(func.count()).where(StagedWrite.job_id == job_id, StagedWrite.status == "written")
    )
    # Records written through the other writers (deals, orders, events...): those the pages
    # sent, less those Brevo refused (a dead letter of a Brevo-side reason names the record).
    sent = session.scalar(
        select(func.coalesce(func.sum(JobPage.to_write), 0)).where(JobPage.job_id == job_id)
    )
    refused: int | None = 0
    if sent:
        refused = session.scalar(
            select(func.count(func.distinct(DeadLetter.source_id))).where(
                DeadLetter.job_id == job_id, DeadLetter.reason.not_in(MAPPING_REASONS)
            )
        )
    dead = session.scalar(select(func.count()).where(DeadLetter.job_id == job_id))
    return {
        "fetched": int(fetched),
        "unchanged": int(unchanged),
        "written": int(contacts or 0) + max(0, int(sent or 0) - int(refused or 0)),
        "dead_lettered": int(dead or 0),
    }


def refresh_counts(session: Session, job: SyncJob) -> None:
    for name, value in counts(session, job.id).items():
        setattr(job, name, value)


def finish(session: Session, job: SyncJob) -> None:
    refresh_counts(session, job)
    job.status = JobStatus.SUCCEEDED
    job.finished_at = utcnow()


def recent_jobs(session: Session, limit: int = 20) -> list[SyncJob]:
    return list(session.scalars(select(SyncJob).order_by(SyncJob.id.desc()).limit(limit)))


def all_cursors(session: Session) -> list[Cursor]:
    return list(session.scalars(select(Cursor).order_by(Cursor.connector, Cursor.resource)))
