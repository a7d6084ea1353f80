"""The effective plan `tajo config check` prints: what will sync where, secrets masked."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, SecretStr

from connectors.config import TajoConfig
from tasks.streams import MAPPED, SUPPORTED, resource_mapper_for
from workers.schedule import beat_schedule

MASK = "********"


def masked(value: Any) -> Any:
    """A JSON-ready copy with every secret replaced by a mask (set) or null (unset)."""
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else None
    if isinstance(value, BaseModel):
        return masked(dict(value))
    if isinstance(value, dict):
        return {str(k): masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked(v) for v in value]
    return value


def mapping_versions(config: TajoConfig, connector: str) -> dict[str, str]:
    """Compile every mapping of an enabled connector's synced resources (contacts, companies,
    deals, orders, products, events, deal-stage and lead lists, webhook events); a bad spec is a
    `ConfigError` with its key path. Offline: custom-field names and Brevo attributes are
    checked when a job starts."""
    settings = config.enabled_connectors().get(connector)
    synced = settings.sync.model_dump() if settings is not None else {}
    return {
        resource: resource_mapper_for(config, connector, resource).version
        for (name, resource) in sorted(MAPPED)
        # resources without a `sync:` switch (webhook payloads) are always checked
        if name == connector and synced.get(resource, True)
    }


def effective_plan(config: TajoConfig) -> dict[str, Any]:
    connectors: dict[str, Any] = {}
    for name, settings in config.enabled_connectors().items():
        versions = mapping_versions(config, name)
        dumped = masked(dict(settings))
        dumped["mapping_versions"] = versions
        dumped["base_url"] = settings.effective_base_url
        dumped["streams"] = sorted(
            r for r, on in settings.sync.model_dump().items() if on and (name, r) in SUPPORTED
        )
        dumped["not_yet_supported"] = sorted(
            r for r, on in settings.sync.model_dump().items() if on and (name, r) not in SUPPORTED
        )
        connectors[name] = dumped
    return {
        "brevo": masked(dict(config.brevo)),
        "connectors": connectors,
        "schedule": sorted(beat_schedule(config)),
    }


def render(plan: dict[str, Any]) -> str:
    return json.dumps(plan, indent=2, default=str, sort_keys=False)
