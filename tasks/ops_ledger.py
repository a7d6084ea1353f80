"""The write ledger for non-contact Brevo operations: one row per (connector, resource, op key,
op kind), holding the content hash Brevo last accepted and, for companies and deals, Brevo's id.

The op kind (`event.track`, `company.upsert`...) is the ledger's `target`, so an operation is
skipped only when the same kind under the same key was accepted with the same content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasks import ledger
from tasks.models import LedgerEntry, utcnow
from tasks.sql import ROWS_PER_STATEMENT

#: The ledger's `external_id` column holds at most this many characters.
MAX_KEY_CHARS = 255
#: The target of both list operations: an add and a remove of one contact share a key (the
#: membership), so the ledger holds the last state written, and an add after a remove is never
#: skipped as unchanged.
MEMBERSHIP = "list.membership"


def target_of(op: str) -> str:
    """The ledger target (and writer) of an operation kind."""
    return MEMBERSHIP if op in ("list.add", "list.remove") else op


def ledger_key(key: str) -> str:
    """The key as stored: itself, or a digest of it when it is longer than the column."""
    if len(key) <= MAX_KEY_CHARS:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Accepted:
    """An operation Brevo took."""

    key: str
    content_hash: str
    mapping_version: str | None = None
    #: Brevo's id of a company or deal; None for kinds Brevo keys by our identifiers
    brevo_id: str | None = None


def known_hashes(
    session: Session, connector: str, resource: str, kind: str, keys: Sequence[str]
) -> dict[str, str]:
    """The hash Brevo last accepted for each of these op keys (absent: never written)."""
    rows = _rows(session, connector, resource, kind, keys, LedgerEntry.content_hash)
    return {key: value for key, value in rows.items() if value is not None}


def brevo_ids(
    session: Session, connector: str, resource: str, kind: str, keys: Sequence[str]
) -> dict[str, str]:
    """Brevo's id of each company or deal these keys have created before."""
    rows = _rows(session, connector, resource, kind, keys, LedgerEntry.brevo_id)
    return {key: value for key, value in rows.items() if value is not None}


def _rows(
    session: Session, connector: str, resource: str, kind: str, keys: Sequence[str], column: object
) -> dict[str, str | None]:
    if not keys:
        return {}
    stored = {ledger_key(key): key for key in keys}
    found: dict[str, str | None] = {}
    names = list(stored)
    for start in range(0, len(names), ROWS_PER_STATEMENT):
        rows = session.execute(
            select(LedgerEntry.external_id, column).where(  # type: ignore[call-overload]
                LedgerEntry.connector == connector,
                LedgerEntry.resource == resource,
                LedgerEntry.target == kind,
                LedgerEntry.external_id.in_(names[start : start + ROWS_PER_STATEMENT]),
            )
        )
        for external_id, value in rows:
            found[stored[external_id]] = value
    return found


def remember(
    session: Session, connector: str, resource: str, kind: str, accepted: Iterable[Accepted]
) -> None:
    """Record what Brevo took; a Brevo id, once known, is kept when a later row has none."""
    values = [
        {
            "connector": connector,
            "resource": resource,
            "external_id": ledger_key(item.key),
            "target": kind,
            "content_hash": item.content_hash,
            "mapping_version": item.mapping_version,
            "brevo_id": item.brevo_id,
            "written_at": utcnow(),
        }
        for item in accepted
    ]
    ledger.upsert_rows(session, values)
