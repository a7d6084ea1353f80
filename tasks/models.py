"""The job ledger, cursors, staged writes, Brevo imports and the write ledger (SQLAlchemy 2.x).

Counts are derived from per-page and per-row facts rather than incremented, so a redelivered task
(delivery is at-least-once) can never count twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from deadletter.models import UtcDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class JobStatus:
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"


class SyncJob(Base):
    __tablename__ = "sync_jobs"
    __table_args__ = (
        # At most one running job per connector+resource, enforced by the database itself.
        Index(
            "uq_sync_jobs_one_running",
            "connector",
            "resource",
            unique=True,
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    #: the incremental lower bound this job reads from (None: from the beginning)
    since: Mapped[str | None] = mapped_column(String(64))
    #: where the next page starts, so a job can resume after a crash
    next_cursor: Mapped[str | None] = mapped_column(Text)
    high_water: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[bool] = mapped_column(Boolean, default=False)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    written: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    dead_lettered: Mapped[int] = mapped_column(Integer, default=0)
    error_category: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class Cursor(Base):
    __tablename__ = "cursors"

    connector: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class JobPage(Base):
    """What one page contributed; upserted by (job, page number) so redelivery is harmless."""

    __tablename__ = "job_pages"

    job_id: Mapped[int] = mapped_column(ForeignKey("sync_jobs.id"), primary_key=True)
    page_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    fetched: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    to_write: Mapped[int] = mapped_column(Integer)
    to_dead_letter: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class JobTask(Base):
    """A downstream task a page enqueued; the job is finished only when all of them are done."""

    __tablename__ = "job_tasks"

    job_id: Mapped[int] = mapped_column(ForeignKey("sync_jobs.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class BrevoImport(Base):
    __tablename__ = "brevo_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("sync_jobs.id"), index=True)
    #: claimed -> submitted -> done | failed
    status: Mapped[str] = mapped_column(String(16), index=True)
    list_ids: Mapped[list[Any]] = mapped_column(JSON)
    process_id: Mapped[int | None] = mapped_column(BigInteger)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    polls: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class StagedWrite(Base):
    """A mapped operation waiting to be sent to Brevo in a large import."""

    __tablename__ = "staged_writes"
    __table_args__ = (UniqueConstraint("job_id", "target", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("sync_jobs.id"), index=True)
    connector: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))
    mapping_version: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("brevo_imports.id"), index=True)
    #: staged -> claimed -> written | failed
    status: Mapped[str] = mapped_column(String(16), default="staged")


class LedgerEntry(Base):
    """What Brevo last accepted for one source object, so unchanged records are not re-sent."""

    __tablename__ = "write_ledger"

    connector: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    target: Mapped[str] = mapped_column(String(32), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    mapping_version: Mapped[str | None] = mapped_column(String(64))
    brevo_id: Mapped[str | None] = mapped_column(String(64))
    written_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


Index("ix_staged_writes_unclaimed", StagedWrite.job_id, StagedWrite.status)
