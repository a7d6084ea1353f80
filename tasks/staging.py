"""Staged writes: mapped contacts gathered across pages and sent to Brevo in a few large imports.

Brevo's import takes up to ~8 MB of contacts in one request, while a vendor page holds at most a few
hundred records; staging in SQL lets one import carry many pages (a handful of requests per 10,000
contacts) without losing anything if a worker dies: rows are claimed by an import before it is sent
and marked written only when Brevo reports the import complete.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, func, select, update
from sqlalchemy.orm import Session

from tasks.models import BrevoImport, StagedWrite, utcnow
from tasks.sql import upsert_statement

CONTACT = "contact"


class ClaimRace(Exception):
    """Two flushes reached for the same rows at once; retrying shortly resolves it."""


def stage(
    session: Session, job_id: int, connector: str, resource: str, items: Sequence[dict[str, Any]]
) -> None:
    """Stage mapped items; the same external id staged twice in one job keeps the newest payload."""
    if not items:
        return
    values = [
        {
            "job_id": job_id,
            "connector": connector,
            "resource": resource,
            "target": CONTACT,
            "external_id": item["ext_id"],
            "content_hash": item["content_hash"],
            "mapping_version": item.get("mapping_version"),
            "payload": item["operation"],
            "status": "staged",
        }
        for item in items
    ]
    stmt = upsert_statement(session, StagedWrite).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["job_id", "target", "external_id"],
        set_={"payload": stmt.excluded.payload, "content_hash": stmt.excluded.content_hash},
        # A row already claimed by an import stays with it; the newer payload waits for the next
        # job, where the ledger will see it differs.
        where=StagedWrite.status == "staged",
    )
    session.execute(stmt)


def unflushed(session: Session, job_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).where(StagedWrite.job_id == job_id, StagedWrite.status == "staged")
        )
        or 0
    )


@dataclass(frozen=True)
class ClaimedImport:
    import_id: int
    list_ids: list[int]
    rows: list[dict[str, Any]]
    #: Brevo's import-wide blocklist flags (a jsonBody row cannot carry its own).
    email_blacklist: bool = False
    sms_blacklist: bool = False


#: What rows of one import share: the lists they join and the blocklists they go on.
GroupKey = tuple[tuple[int, ...], bool, bool]


def group_key(operation: dict[str, Any]) -> GroupKey:
    """Rows that may travel in one import. Only a True flag counts: an import never lifts a
    blocklist (its `emailBlacklist: false` means "leave as is"), so False and absent group alike.
    https://developers.brevo.com/reference/importcontacts-1"""
    return (
        tuple(sorted(operation.get("list_ids") or [])),
        operation.get("email_blacklisted") is True,
        operation.get("sms_blacklisted") is True,
    )


def _row_size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()) + 1


def claim(session: Session, job_id: int, *, max_rows: int, max_bytes: int) -> ClaimedImport | None:
    """Claim up to `max_rows` staged contacts sharing one list set and blocklist flags, under
    `max_bytes` of JSON."""
    first = session.execute(
        select(StagedWrite.payload)
        .where(StagedWrite.job_id == job_id, StagedWrite.status == "staged")
        .order_by(StagedWrite.id)
        .limit(1)
    ).scalar_one_or_none()
    if first is None:
        return None
    key = group_key(first)
    list_ids = list(key[0])
    candidates = session.execute(
        select(StagedWrite.id, StagedWrite.payload)
        .where(StagedWrite.job_id == job_id, StagedWrite.status == "staged")
        .order_by(StagedWrite.id)
        .limit(max_rows)
    ).all()
    # Room for the envelope ({"jsonBody": [...], "listIds": [...], ...}).
    budget = max_bytes - 512
    chosen: list[int] = []
    rows: list[dict[str, Any]] = []
    for row_id, payload in candidates:
        if group_key(payload) != key:
            continue
        body_row = import_row(payload)
        size = _row_size(body_row)
        if chosen and size > budget:
            break
        budget -= size
        chosen.append(row_id)
        rows.append(body_row)
    imp = BrevoImport(job_id=job_id, status="claimed", list_ids=list_ids, rows=len(chosen))
    session.add(imp)
    session.flush()
    claimed = session.execute(  # type: ignore[attr-defined]
        update(StagedWrite)
        .where(StagedWrite.id.in_(chosen), StagedWrite.status == "staged")
        .values(status="claimed", import_id=imp.id)
    ).rowcount
    if claimed != len(chosen):
        # Another flush took some of these rows first: the caller's transaction rolls back.
        raise ClaimRace(f"import {imp.id} lost {len(chosen) - claimed} rows to another flush")
    return ClaimedImport(imp.id, list_ids, rows, key[1], key[2])


def import_row(operation: dict[str, Any]) -> dict[str, Any]:
    """One jsonBody row of /contacts/import from a contact.upsert operation."""
    attributes = dict(operation.get("attributes") or {})
    # EXT_ID travels as an attribute in imports: it is how Brevo keys contacts without email.
    attributes["EXT_ID"] = operation["ext_id"]
    row: dict[str, Any] = {"attributes": attributes}
    if operation.get("email"):
        row["email"] = operation["email"]
    return row


def claimed_rows(session: Session, import_id: int) -> ClaimedImport | None:
    """Rebuild a claimed import's body (to resend it after a crash between claim and send)."""
    imp = session.get(BrevoImport, import_id)
    if imp is None:
        return None
    payloads = session.scalars(
        select(StagedWrite.payload)
        .where(StagedWrite.import_id == import_id)
        .order_by(StagedWrite.id)
    ).all()
    if not payloads:
        return ClaimedImport(imp.id, list(imp.list_ids), [])
    _, email_blacklist, sms_blacklist = group_key(payloads[0])
    rows = [import_row(p) for p in payloads]
    return ClaimedImport(imp.id, list(imp.list_ids), rows, email_blacklist, sms_blacklist)


def stale_claims(session: Session, job_id: int, *, older_than_seconds: float) -> list[int]:
    """Imports claimed but never sent (their worker died in between): to be sent again.

    An import sent and never settled needs nothing here: its follow-up task is acknowledged
    late, so the broker hands it to another worker when its worker dies.
    """
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    return list(
        session.scalars(
            select(BrevoImport.id).where(
                BrevoImport.job_id == job_id,
                BrevoImport.status == "claimed",
                BrevoImport.created_at < cutoff,
            )
        )
    )


def mark_submitted(session: Session, import_id: int, process_id: int) -> None:
    session.execute(
        update(BrevoImport)
        .where(BrevoImport.id == import_id)
        .values(status="submitted", process_id=process_id, submitted_at=utcnow())
    )


def _close(session: Session, import_id: int, import_status: str, row_status: str) -> None:
    session.execute(
        update(BrevoImport)
        .where(BrevoImport.id == import_id)
        .values(status=import_status, finished_at=utcnow())
    )
    session.execute(
        update(StagedWrite)
        .where(StagedWrite.import_id == import_id, StagedWrite.status == "claimed")
        .values(status=row_status)
    )


#: What the write ledger needs of a written row (not its payload: imports hold 10,000 rows).
LEDGER_COLUMNS = (
    StagedWrite.connector,
    StagedWrite.resource,
    StagedWrite.external_id,
    StagedWrite.target,
    StagedWrite.content_hash,
    StagedWrite.mapping_version,
)


def complete(session: Session, import_id: int) -> list[Row[Any]]:
    """Mark an import's rows written; returns their ledger facts."""
    _close(session, import_id, "done", "written")
    return list(
        session.execute(
            select(*LEDGER_COLUMNS).where(
                StagedWrite.import_id == import_id, StagedWrite.status == "written"
            )
        )
    )


def abandon(session: Session, import_id: int) -> list[StagedWrite]:
    """An import Brevo will not take: its rows fail (the caller dead-letters them)."""
    _close(session, import_id, "failed", "failed")
    return list(session.scalars(select(StagedWrite).where(StagedWrite.import_id == import_id)))
