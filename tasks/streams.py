"""What each (connector, resource) reads and how its records map: the table tasks dispatch on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from connectors.config import TajoConfig
from connectors.core.errors import ConfigError
from connectors.core.records import Page
from connectors.pipedrive.settings import PipedriveSettings
from mapping.contact import ContactMapper, compile_contact_mapping
from tasks import clients

#: The (connector, resource) pairs that have a stream today.
SUPPORTED: frozenset[tuple[str, str]] = frozenset({("pipedrive", "persons")})

Fetch = Callable[[str | None, str | None], Page]


@dataclass(frozen=True)
class Stream:
    connector: str
    resource: str
    fetch: Fetch
    mapper: ContactMapper


def pipedrive_settings(config: TajoConfig) -> PipedriveSettings:
    settings = config.connectors.pipedrive
    if settings is None:
        raise ConfigError("connectors.pipedrive", "the connector is not configured")
    if not settings.enabled:
        raise ConfigError("connectors.pipedrive.enabled", "the connector is disabled")
    return settings


def contact_list_ids(config: TajoConfig, connector_lists: dict[str, int]) -> list[int]:
    """Brevo's import needs at least one list: the connector's `all_contacts`, else the default."""
    if "all_contacts" in connector_lists:
        return [connector_lists["all_contacts"]]
    if config.brevo.default_list_id is not None:
        return [config.brevo.default_list_id]
    return []


@lru_cache(maxsize=64)
def _compiled(
    spec: tuple[tuple[str, str], ...], vendor: str, resource: str, list_ids: tuple[int, ...]
) -> ContactMapper:
    return compile_contact_mapping(dict(spec), vendor=vendor, resource=resource, list_ids=list_ids)


def resolve(config: TajoConfig, connector: str, resource: str) -> Stream:
    if connector == "pipedrive" and resource == "persons":
        settings = pipedrive_settings(config)
        if not settings.sync.persons:
            raise ConfigError("connectors.pipedrive.sync.persons", "persons are not enabled")
        list_ids = contact_list_ids(config, settings.lists)
        if not list_ids:
            raise ConfigError(
                "connectors.pipedrive.lists.all_contacts",
                "Brevo imports need a list: set lists.all_contacts or brevo.default_list_id",
            )
        client = clients.pipedrive(settings)
        page_size = settings.page_size

        def fetch(cursor: str | None, since: str | None) -> Page:
            return client.list_persons(cursor, updated_since=since, limit=page_size)

        mapper = _compiled(
            tuple(settings.person_mapping.items()), "pipedrive", "persons", tuple(list_ids)
        )
        return Stream(connector, resource, fetch, mapper)
    raise ConfigError(f"connectors.{connector}", f"no stream for resource {resource!r}")
