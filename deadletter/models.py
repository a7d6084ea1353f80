"""The `dead_letters` table: one row per (connector, resource, source record, reason)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class DeadLetterStatus(StrEnum):
    OPEN = "open"
    REPLAYED = "replayed"
    RESOLVED = "resolved"
    DISCARDED = "discarded"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no time zones: SQLAlchemy stores the wall-clock text and hands back a naive value,
    while Postgres hands back the session's zone. Both come back here as aware UTC datetimes.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("dead-letter timestamps must be timezone-aware")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    # Named constraints, so Alembic migrations can refer to them on every backend.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


_STATUSES = ", ".join(f"'{status.value}'" for status in DeadLetterStatus)


class DeadLetter(Base):
    """A record that could not reach Brevo, with why, how often, and what an operator decided."""

    __tablename__ = "dead_letters"
    __table_args__ = (
        # The same record failing the same way again is one row whose `attempts` grows.
        UniqueConstraint("connector", "resource", "source_id", "reason"),
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        Index(None, "status", "connector", "resource"),
    )

    # BIGINT on Postgres; SQLite only auto-increments a column declared exactly INTEGER.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    connector: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(64))
    source_id: Mapped[str] = mapped_column(String(255))
    job_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    reason: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    vendor_code: Mapped[str | None] = mapped_column(String(128))
    vendor_message: Mapped[str | None] = mapped_column(Text)
    #: the source record, redacted (see `deadletter.redact`)
    payload: Mapped[Any] = mapped_column(JSON, nullable=False)
    mapping_version: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    status: Mapped[str] = mapped_column(
        String(16), default=DeadLetterStatus.OPEN.value, server_default=DeadLetterStatus.OPEN.value
    )
    #: why an operator last changed the status (set by `DeadLetterStore.set_status`)
    status_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        # No payload or message: they hold personal data and do not belong in logs.
        return (
            f"DeadLetter(id={self.id!r}, connector={self.connector!r}, resource={self.resource!r},"
            f" source_id={self.source_id!r}, reason={self.reason!r}, status={self.status!r},"
            f" attempts={self.attempts!r})"
        )
