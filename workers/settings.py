"""Process settings from the environment (TAJO_*). The YAML config is read by workers.config."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where things are. With no broker or database URL, everything is embedded under `var_dir`."""

    model_config = SettingsConfigDict(env_prefix="TAJO_", extra="ignore")

    config: Path = Path("tajo.yaml")
    broker_url: str | None = None
    database_url: str | None = None
    #: Where the embedded Redis socket and the SQLite files live.
    var_dir: Path = Path("var")
    #: Seconds an unacknowledged message stays invisible before Redis hands it to another worker.
    #: It must exceed the longest task plus the longest deferral countdown (see tasks.policy).
    visibility_timeout: int = 7200
    #: Error retries (5xx, timeouts) before a task gives up, and the longest backoff between them.
    max_error_retries: int = 6
    retry_backoff_cap_seconds: float = 120.0

    @property
    def embedded(self) -> bool:
        return self.broker_url is None

    @property
    def var_path(self) -> Path:
        return self.var_dir.resolve()

    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.var_path / 'tajo.db'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
