"""The SQL engine: SQLite files under ./var/ when embedded, Postgres (psycopg 3) otherwise.

Engines are per process: Celery's prefork pool forks after import, and a pooled connection must
never cross a fork, so the engine is rebuilt when the pid changes.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

_engines: dict[tuple[int, str], Engine] = {}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the demo's progress reader and several worker processes share the file; the busy
    # timeout turns writer contention into a short wait instead of "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60, "isolation_level": None})
        event.listen(engine, "connect", _sqlite_pragmas)

        # pysqlite's own transaction handling defers BEGIN and breaks SELECT..then UPDATE atomicity;
        # take the write lock at BEGIN so read-modify-write steps are serialised.
        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def get_engine(url: str) -> Engine:
    key = (os.getpid(), url)
    engine = _engines.get(key)
    if engine is None:
        engine = make_engine(url)
        _engines[key] = engine
    return engine


def session_factory(url: str) -> sessionmaker[Session]:
    """A session factory bound lazily to this process's engine."""
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)
