"""The write ledger: skip what Brevo already holds, remember what it accepted."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from tasks.models import LedgerEntry, StagedWrite, utcnow
from tasks.sql import ROWS_PER_STATEMENT, upsert_statement


def known_hashes(
    session: Session, connector: str, resource: str, target: str, external_ids: Sequence[str]
) -> dict[str, str]:
    """The hash Brevo last accepted for each of these external ids (absent: never written)."""
    if not external_ids:
        return {}
    rows = session.execute(
        select(LedgerEntry.external_id, LedgerEntry.content_hash).where(
            LedgerEntry.connector == connector,
            LedgerEntry.resource == resource,
            LedgerEntry.target == target,
            LedgerEntry.external_id.in_(list(external_ids)),
        )
    )
    return {external_id: content_hash for external_id, content_hash in rows}


#: The target of contact writes (StagedWrite.target).
CONTACT = "contact"


@dataclass(frozen=True)
class Written:
    """One write Brevo accepted outside an import (a single contact upsert)."""

    connector: str
    resource: str
    external_id: str
    target: str
    content_hash: str
    mapping_version: str | None

    @classmethod
    def of(cls, connector: str, resource: str, item: Mapping[str, Any]) -> Written:
        """From a staged-shape item: `ext_id`, `content_hash`, `mapping_version`."""
        return cls(
            connector,
            resource,
            item["ext_id"],
            CONTACT,
            item["content_hash"],
            item.get("mapping_version"),
        )


def remember(session: Session, writes: Iterable[Row[Any] | StagedWrite | Written]) -> None:
    """Record accepted writes; a later identical record is then skipped as unchanged."""
    values = [
        {
            "connector": w.connector,
            "resource": w.resource,
            "external_id": w.external_id,
            "target": w.target,
            "content_hash": w.content_hash,
            "mapping_version": w.mapping_version,
            "brevo_id": None,
            "written_at": utcnow(),
        }
        for w in writes
    ]
    upsert_rows(session, values)


def upsert_rows(session: Session, values: Sequence[Mapping[str, Any]]) -> None:
    """Insert or update ledger rows; a Brevo id, once known, is kept when a later row has none."""
    # Postgres takes at most 65,535 bind parameters per statement; an import holds 10,000 rows.
    for start in range(0, len(values), ROWS_PER_STATEMENT):
        stmt = upsert_statement(session, LedgerEntry).values(
            list(values[start : start + ROWS_PER_STATEMENT])
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["connector", "resource", "external_id", "target"],
            set_={
                "content_hash": stmt.excluded.content_hash,
                "mapping_version": stmt.excluded.mapping_version,
                "brevo_id": func.coalesce(stmt.excluded.brevo_id, LedgerEntry.brevo_id),
                "written_at": stmt.excluded.written_at,
            },
        )
        session.execute(stmt)
