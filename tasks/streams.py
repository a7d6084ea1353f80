"""What each (connector, resource) reads and how its records map: the table tasks dispatch on.

`mapper_for` is the one way a mapper is built: the page tasks (through `resolve`), replays,
`tajo config check` and `tajo mapping preview` all call it, so they all map alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.config import TajoConfig
from connectors.core.errors import ConfigError
from connectors.core.records import Page
from connectors.pipedrive.settings import PipedriveSettings
from mapping.contact import ContactMapper, compile_contact_mapping
from mapping.errors import SpecError
from mapping.hashing import canonical_json
from tasks import clients

#: The (connector, resource) pairs that have a stream today.
SUPPORTED: frozenset[tuple[str, str]] = frozenset({("pipedrive", "persons")})
#: The (connector, resource) pairs whose records map to contacts, with the spec's key in the
#: connector's block: every one of them can be previewed, streamed or not.
CONTACT_SPECS: Mapping[tuple[str, str], str] = {
    ("pipedrive", "persons"): "person_mapping",
    ("shopify", "customers"): "field_mapping",
}
#: How long the vendor field list and Brevo's attributes are reused: about one job.
ACCOUNT_FACTS_TTL_SECONDS = 300.0

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


_compiled: dict[str, ContactMapper] = {}
_compiled_lock = threading.Lock()


def mapper_for(
    config: TajoConfig,
    connector: str,
    resource: str,
    *,
    vendor_fields: Sequence[Mapping[str, Any]] | None = None,
    brevo_attributes: Sequence[Mapping[str, Any]] | None = None,
) -> ContactMapper:
    """The compiled mapper of a connector's resource; `ConfigError` with the spec's key path."""
    spec_key = CONTACT_SPECS.get((connector, resource))
    settings = getattr(config.connectors, connector, None)
    if spec_key is None or settings is None:
        raise ConfigError(f"connectors.{connector}", f"no mapping for resource {resource!r}")
    spec = getattr(settings, spec_key)
    options: dict[str, Any] = {
        "vendor": connector,
        "resource": resource,
        "list_ids": tuple(contact_list_ids(config, settings.lists)),
        "phone_region": settings.phone_region,
        "vendor_fields": vendor_fields,
        "brevo_attributes": brevo_attributes,
    }
    key = canonical_json(_plain({"spec": spec, **options}))
    with _compiled_lock:
        found = _compiled.get(key)
    if found is not None:
        return found
    try:
        mapper = compile_contact_mapping(spec, **options)
    except SpecError as exc:
        where = f"connectors.{connector}.{spec_key}"
        if exc.key_path in ("phone_region", "list_ids") or exc.key_path.startswith("list_ids["):
            where = f"connectors.{connector}"
        raise ConfigError(
            f"{where}.{exc.key_path}" if exc.key_path else where, exc.problem
        ) from None
    with _compiled_lock:
        if len(_compiled) > 64:
            _compiled.clear()
        _compiled[key] = mapper
    return mapper


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


class _Facts:
    """Account facts (field lists, attributes) read once and reused for about one job."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, list[dict[str, Any]]]] = {}

    def get(self, key: str, read: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and now - entry[0] < ACCOUNT_FACTS_TTL_SECONDS:
            return entry[1]
        value = read()
        with self._lock:
            self._entries[key] = (now, value)
        return value


_facts = _Facts()


def _uses_custom_fields(spec: Mapping[str, Any]) -> bool:
    text = canonical_json(_plain(spec))
    return "custom_fields" in text


def brevo_attributes(config: TajoConfig) -> list[dict[str, Any]] | None:
    """The account's contact attributes (cached), or None when no Brevo key is configured."""
    settings = config.brevo
    if settings.api_key is None or not settings.api_key.get_secret_value():
        return None
    client = clients.brevo(settings)
    return _facts.get(f"brevo:{id(client)}", client.get_attributes)


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

        fields = (
            _facts.get(f"pipedrive:{id(client)}", client.person_fields)
            if _uses_custom_fields(settings.person_mapping)
            else None
        )
        mapper = mapper_for(
            config,
            connector,
            resource,
            vendor_fields=fields,
            brevo_attributes=brevo_attributes(config),
        )
        return Stream(connector, resource, fetch, mapper)
    raise ConfigError(f"connectors.{connector}", f"no stream for resource {resource!r}")
