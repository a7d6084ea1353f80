"""Alembic environment: the URL comes from the caller (workers.migrate), never from an ini file."""

from __future__ import annotations

from alembic import context

from deadletter.models import Base as DeadLetterBase
from tasks.models import Base as TasksBase
from workers.db import get_engine

target_metadata = [TasksBase.metadata, DeadLetterBase.metadata]


def run_migrations_online() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url, "workers.migrate sets sqlalchemy.url"
    engine = get_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things in place; batch mode rebuilds tables instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
