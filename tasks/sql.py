"""Dialect-aware INSERT .. ON CONFLICT, so the same code is idempotent on SQLite and Postgres."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

#: Rows per multi-row INSERT: keeps every statement far below Postgres's 65,535 bind parameters.
ROWS_PER_STATEMENT = 1000


def upsert_statement(session: Session, table: Any) -> Any:
    """An INSERT for `table` that supports `.on_conflict_do_nothing()` / `_do_update()`."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database dialect: {dialect}")
