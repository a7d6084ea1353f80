"""Real Redis and a real SQL database for tests: the servers CI names, or embedded ones."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workers import embedded
from workers.migrate import upgrade

REDIS_ENV = "TAJO_TEST_REDIS_URL"
DATABASE_ENV = "TAJO_TEST_DATABASE_URL"


def redis_client(url: str) -> redis.Redis:
    if url.startswith("redis+socket://"):
        return redis.Redis(unix_socket_path=url.removeprefix("redis+socket://"))
    return redis.Redis.from_url(url)


@contextmanager
def broker(tmp_dir: Path) -> Iterator[str]:
    """A clean broker URL: the CI Redis (its test db flushed) or an embedded one under tmp_dir."""
    url = os.environ.get(REDIS_ENV)
    if url:
        redis_client(url).flushdb()
        yield url
        redis_client(url).flushdb()
        return
    embedded.ensure_embedded_redis(tmp_dir)
    try:
        yield embedded.broker_url_for(tmp_dir)
    finally:
        embedded.stop_embedded_redis(tmp_dir)


@contextmanager
def database(tmp_dir: Path) -> Iterator[str]:
    """A fresh, migrated database: a new one on the CI Postgres (dropped after) or a SQLite file."""
    server = os.environ.get(DATABASE_ENV)
    if not server:
        url = f"sqlite:///{tmp_dir / 'tajo.db'}"
        upgrade(url)
        yield url
        return
    name = f"tajo_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        from workers.db import _engines

        for key in [k for k in _engines if k[1] == url]:
            _engines.pop(key).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
