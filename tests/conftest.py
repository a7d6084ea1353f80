"""Fixtures every layer shares: a clean broker, a fresh migrated database, the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tasks import runtime
from tests.support import infra
from workers.config import ConfigCache
from workers.db import get_engine


@pytest.fixture
def broker_url(tmp_path: Path) -> Iterator[str]:
    with infra.broker(tmp_path / "redis") as url:
        yield url


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with infra.database(tmp_path) as url:
        yield url


@pytest.fixture
def installed_runtime(database_url: str, tmp_path: Path) -> str:
    """tasks.runtime pointed at the fresh database (for tests that call task helpers directly)."""
    cache = ConfigCache(tmp_path / "no-config.yaml")

    def new_session() -> Session:
        return Session(get_engine(database_url), expire_on_commit=False)

    runtime.install(runtime.Runtime(new_session=new_session, config=cache.get))
    return database_url
