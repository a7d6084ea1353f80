"""The migrations build exactly the schema the models describe, on SQLite and on Postgres."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from deadletter.models import Base as DeadLetterBase
from tasks.models import Base as TasksBase
from workers.db import get_engine
from workers.migrate import upgrade


def test_the_migrated_schema_matches_the_models(database_url: str) -> None:
    upgrade(database_url)  # a second upgrade is a no-op
    with get_engine(database_url).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, [TasksBase.metadata, DeadLetterBase.metadata])
    assert differences == []
