"""`tajo db upgrade`: Alembic migrations, configured in code (no ini file to keep in step)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "workers:migrations")
    # Alembic's ini interpolation treats % specially; URLs may hold %-escapes.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def make_revision(database_url: str, message: str) -> None:
    """For developers: autogenerate a migration from the models."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
