"""The ingress's own knobs, from the environment (TAJO_WEBHOOKS_*); vendor credentials stay in
tajo.yaml with the rest of each connector's block."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class IngressSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TAJO_WEBHOOKS_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    #: Larger bodies are refused with 413 before they are read whole: no vendor sends a hint
    #: this big, and an unauthenticated sender must not make us buffer megabytes.
    max_body_bytes: int = Field(default=512 * 1024, gt=0)
    #: How long a delivery id is remembered. Pipedrive retries a failed delivery for a few
    #: hours; two days covers every vendor's retry schedule with room to spare.
    dedupe_ttl_seconds: int = Field(default=2 * 24 * 3600, gt=0)
    #: Hints for one object within this window coalesce into one refetch, which runs when the
    #: window ends (0 turns debouncing off: every hint refetches at once).
    debounce_seconds: float = Field(default=1.0, ge=0, le=60)
