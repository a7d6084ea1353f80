"""Fixtures every layer shares: a clean broker, a fresh migrated database, the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from connectors.core import ratelimit
from tasks import runtime
from tests.support import infra
from workers.config import ConfigCache
from workers.db import get_engine


@pytest.fixture(autouse=True)
def _process_request_gate_restored() -> Iterator[None]:
    """A test that installs a limiter (directly or through a runtime) leaves the process's request
    gate as it found it, so a later test's clients are not paced by a Redis it never chose."""
    before = ratelimit.current_gate()
    yield
    ratelimit.install_gate(before)


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
