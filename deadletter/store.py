"""The dead-letter store, shaped like rq's failed-job registry (`add`, `get`, `list`, `count`).

The store never commits: the caller owns the transaction, so a dead letter can be written in the
same transaction as the job counters that mention it.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import JSON, ColumnElement, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from deadletter.models import DeadLetter, DeadLetterStatus
from deadletter.reasons import DeadLetterReason
from deadletter.redact import redact
from deadletter.storable import storable_json, storable_text

#: Vendor error pages can be whole HTML documents; the start says what went wrong.
MAX_MESSAGE_LENGTH: Final = 4000
_KEY_COLUMNS: Final = ("connector", "resource", "source_id", "reason")
#: What retention deletes by default: rows nobody needs to act on any more.
CLOSED_STATUSES: Final = (
    DeadLetterStatus.RESOLVED.value,
    DeadLetterStatus.REPLAYED.value,
    DeadLetterStatus.DISCARDED.value,
)


class DeadLetterNotFound(LookupError):
    def __init__(self, dead_letter_id: int) -> None:
        self.dead_letter_id = dead_letter_id
        super().__init__(f"no dead letter with id {dead_letter_id}")


class DeadLetterStore:
    """Dead letters in SQL, for one session. `sensitive_keys` are masked in payloads on top of the
    keys that look secret anyway (see `deadletter.redact`)."""

    def __init__(self, session: Session, *, sensitive_keys: Iterable[str] = ()) -> None:
        self._session = session
        self._sensitive_keys = tuple(sensitive_keys)

    def add(
        self,
        *,
        connector: str,
        resource: str,
        source_id: str,
        job_id: int | None,
        reason: str,
        message: str,
        payload: object,
        mapping_version: str | None = None,
        vendor_code: str | None = None,
        vendor_message: str | None = None,
    ) -> DeadLetter:
        """Record a dead letter, or count one more attempt of the same (record, reason).

        A repeat re-opens the row and replaces its message, payload, job and versions with the
        latest. One `INSERT .. ON CONFLICT DO UPDATE`, so two workers adding the same record at
        once end with one row and `attempts == 2` on both SQLite and Postgres.
        """
        code = DeadLetterReason(reason)  # an unknown reason is a bug in the caller: ValueError
        now = datetime.now(UTC)
        cleaned = storable_json(redact(payload, self._sensitive_keys))
        values: dict[str, Any] = {
            "connector": storable_text(connector, 64),
            "resource": storable_text(resource, 64),
            "source_id": storable_text(source_id, 255),
            "reason": code.value,
            "job_id": job_id,
            "message": storable_text(message, MAX_MESSAGE_LENGTH),
            # JSON.NULL: store a JSON null, not SQL NULL, for a record that was literally null.
            "payload": JSON.NULL if cleaned is None else cleaned,
            "mapping_version": _optional_text(mapping_version, 64),
            "vendor_code": _optional_text(vendor_code, 128),
            "vendor_message": _optional_text(vendor_message, MAX_MESSAGE_LENGTH),
            "attempts": 1,
            "status": DeadLetterStatus.OPEN.value,
            "status_note": None,
            "created_at": now,
            "updated_at": now,
        }
        insert = self._insert().values(**values)
        replaced = ("job_id", "message", "payload", "mapping_version", "vendor_code")
        upsert = insert.on_conflict_do_update(
            index_elements=[getattr(DeadLetter, name) for name in _KEY_COLUMNS],
            set_={
                **{name: getattr(insert.excluded, name) for name in replaced},
                "vendor_message": insert.excluded.vendor_message,
                "attempts": DeadLetter.attempts + 1,
                "status": DeadLetterStatus.OPEN.value,
                "status_note": None,
                "updated_at": insert.excluded.updated_at,
            },
        ).returning(DeadLetter)
        # populate_existing: a row already in this session gets the database's new values.
        return self._session.scalars(upsert, execution_options={"populate_existing": True}).one()

    def get(self, dead_letter_id: int) -> DeadLetter | None:
        return self._session.get(DeadLetter, dead_letter_id)

    def list(
        self,
        *,
        connector: str | None = None,
        resource: str | None = None,
        reason: str | None = None,
        status: str | None = None,
        job_id: int | None = None,
        limit: int = 100,
    ) -> builtins.list[DeadLetter]:
        """Matching dead letters, oldest first (the order a replay should follow)."""
        query = (
            select(DeadLetter)
            .where(*_filters(connector, resource, reason, status, job_id))
            .order_by(DeadLetter.id)
            .limit(max(0, limit))
        )
        return builtins.list(self._session.scalars(query))

    def count(
        self,
        *,
        connector: str | None = None,
        resource: str | None = None,
        reason: str | None = None,
        status: str | None = None,
        job_id: int | None = None,
    ) -> int:
        query = (
            select(func.count())
            .select_from(DeadLetter)
            .where(*_filters(connector, resource, reason, status, job_id))
        )
        return self._session.scalar(query) or 0

    def set_status(self, dead_letter_id: int, status: str, note: str | None = None) -> DeadLetter:
        """Mark a dead letter replayed, resolved, discarded or open again; `DeadLetterNotFound`
        if there is no such row, `ValueError` for an unknown status."""
        new_status = DeadLetterStatus(status)
        row = self.get(dead_letter_id)
        if row is None:
            raise DeadLetterNotFound(dead_letter_id)
        row.status = new_status.value
        row.status_note = _optional_text(note, MAX_MESSAGE_LENGTH)
        row.updated_at = datetime.now(UTC)
        self._session.flush()
        return row

    def fail_again(
        self,
        dead_letter_id: int,
        *,
        reason: str,
        message: str,
        payload: object | None = None,
        mapping_version: str | None = None,
        vendor_code: str | None = None,
        vendor_message: str | None = None,
    ) -> DeadLetter:
        """A replay failed: the row stays (or becomes) open with `attempts + 1` and the new reason.

        When another row already holds this record with the new reason, that row takes the
        attempt and this one is closed as `replayed` pointing at it, so the unique key holds.
        """
        row = self.get(dead_letter_id)
        if row is None:
            raise DeadLetterNotFound(dead_letter_id)
        code = DeadLetterReason(reason)
        sibling = None
        if code.value != row.reason:
            sibling = self._session.scalars(
                select(DeadLetter).where(
                    DeadLetter.connector == row.connector,
                    DeadLetter.resource == row.resource,
                    DeadLetter.source_id == row.source_id,
                    DeadLetter.reason == code.value,
                )
            ).one_or_none()
        target = sibling or row
        target.reason = code.value
        target.message = storable_text(message, MAX_MESSAGE_LENGTH)
        if payload is not None:
            cleaned = storable_json(redact(payload, self._sensitive_keys))
            target.payload = JSON.NULL if cleaned is None else cleaned
        target.mapping_version = _optional_text(mapping_version, 64) or target.mapping_version
        target.vendor_code = _optional_text(vendor_code, 128)
        target.vendor_message = _optional_text(vendor_message, MAX_MESSAGE_LENGTH)
        target.attempts = max(row.attempts, target.attempts) + 1
        target.status = DeadLetterStatus.OPEN.value
        target.status_note = None
        target.updated_at = datetime.now(UTC)
        if sibling is not None:
            row.status = DeadLetterStatus.REPLAYED.value
            row.status_note = f"replayed; failed again as dead letter {sibling.id} ({code.value})"
            row.updated_at = target.updated_at
        self._session.flush()
        return target

    def purge(
        self,
        *,
        older_than: datetime,
        statuses: Iterable[str] = CLOSED_STATUSES,
    ) -> int:
        """Delete rows in `statuses` last updated before `older_than`; returns how many."""
        wanted = [DeadLetterStatus(status).value for status in statuses]
        if older_than.tzinfo is None:
            raise ValueError("older_than must be timezone-aware")
        deleted = self._session.execute(
            delete(DeadLetter).where(
                DeadLetter.status.in_(wanted), DeadLetter.updated_at < older_than
            )
        )
        return int(deleted.rowcount)  # type: ignore[attr-defined]

    def _insert(self) -> postgresql.Insert | sqlite.Insert:
        # Each dialect has its own INSERT with ON CONFLICT; both take the same arguments.
        dialect = self._session.get_bind(DeadLetter).dialect.name
        if dialect == "postgresql":
            return postgresql.insert(DeadLetter)
        if dialect == "sqlite":
            return sqlite.insert(DeadLetter)
        raise NotImplementedError(f"dead letters support SQLite and Postgres, not {dialect}")


def _filters(
    connector: str | None,
    resource: str | None,
    reason: str | None,
    status: str | None,
    job_id: int | None,
) -> builtins.list[ColumnElement[bool]]:
    wanted: builtins.list[tuple[Any, object]] = [
        (DeadLetter.connector, connector),
        (DeadLetter.resource, resource),
        (DeadLetter.reason, DeadLetterReason(reason).value if reason is not None else None),
        (DeadLetter.status, DeadLetterStatus(status).value if status is not None else None),
        (DeadLetter.job_id, job_id),
    ]
    return [column == value for column, value in wanted if value is not None]


def _optional_text(text: str | None, max_length: int) -> str | None:
    return None if text is None else storable_text(text, max_length)
