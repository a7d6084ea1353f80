"""What each (connector, resource) reads and how its records map: the table tasks dispatch on.

`resource_mapper_for` is the one way a mapper is built: the page tasks (through `resolve`),
replays, `tajo config check` and `tajo mapping preview` all call it (`mapper_for` is the same for
resources whose records are contacts), so they all map alike, and every mapper answers
`map_operations(record)`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from connectors.config import ConnectorSettings, TajoConfig
from connectors.core.errors import ConfigError
from connectors.pipedrive.settings import PipedriveSettings
from mapping.carts import CartAbandonedEvent
from mapping.consent import consent_lists
from mapping.contact import ContactMapper, compile_contact_mapping
from mapping.crm_objects import DEFAULT_SPECS, ObjectKind, compile_object_upsert
from mapping.deal_stages import compile_deal_stage_lists
from mapping.errors import SpecError
from mapping.hashing import canonical_json
from mapping.orders import OrderPlacedEvent, OrderUpsert
from mapping.parts import RecordPart
from mapping.pipedrive_activity import ActivityEvent, compile_lead_lists
from mapping.products import ProductUpsert
from mapping.record_mapper import Mapper, compile_record_mapping
from mapping.webhook_events import compile_webhook_events
from tasks import clients, runtime, sources
from tasks.models import Cursor

#: The (connector, resource) pairs whose records map to contacts, with the spec's key in the
#: connector's block.
CONTACT_SPECS: Mapping[tuple[str, str], str] = {
    ("pipedrive", "persons"): "person_mapping",
    ("shopify", "customers"): "field_mapping",
}
#: Resources that map to Brevo companies or deals: the spec's key in the connector's block (the
#: defaults of `mapping.crm_objects` apply while the block has none) and what they become.
OBJECT_SPECS: Mapping[tuple[str, str], tuple[str, ObjectKind]] = {
    ("pipedrive", "organizations"): ("organization_mapping", "company.upsert"),
    ("pipedrive", "deals"): ("deal_mapping", "deal.upsert"),
}
#: Resources whose records become fixed Brevo operations (no spec of their own): the parts of
#: their mapper. Orders are e-commerce orders plus an `order_placed` event; products e-commerce
#: products; carts `cart_abandoned` events; activities `activity_logged` events; leads put
#: their person on the `qualified_leads` list (see each part's module).
FIXED_PARTS: Mapping[tuple[str, str], Callable[[Mapping[str, Any]], list[RecordPart]]] = {
    ("shopify", "orders"): lambda recipe: [OrderUpsert(), OrderPlacedEvent()],
    ("shopify", "products"): lambda recipe: [ProductUpsert()],
    ("shopify", "carts"): lambda recipe: [CartAbandonedEvent()],
    ("pipedrive", "activities"): lambda recipe: [ActivityEvent()],
    ("pipedrive", "leads"): lambda recipe: [compile_lead_lists(recipe["lists"])],
}
#: Every (connector, resource) with a mapping: each can be previewed, streamed or not.
#: `pipedrive webhooks` maps webhook payloads to the events of the `webhooks:` rules.
MAPPED: frozenset[tuple[str, str]] = frozenset(
    {*CONTACT_SPECS, *OBJECT_SPECS, *FIXED_PARTS, ("pipedrive", "webhooks")}
)
#: How long the vendor field list and Brevo's attributes are reused: about one job.
ACCOUNT_FACTS_TTL_SECONDS = 300.0

#: The (connector, resource) pairs that have a stream: a client that reads them and a mapping.
SUPPORTED: frozenset[tuple[str, str]] = frozenset(
    (connector, resource)
    for connector, resources in sources.STREAMED.items()
    for resource in resources
    if (connector, resource) in MAPPED
)


def synced_streams(config: TajoConfig, connector: str) -> list[str]:
    """The connector's resources that are switched on and have a stream, contacts first: what
    other records refer to (a deal's person, an order's customer) is written before them."""
    settings = config.enabled_connectors().get(connector)
    if settings is None:
        return []
    flags = settings.sync.model_dump()
    on = [r for r in flags if flags[r] and (connector, r) in SUPPORTED]
    return sorted(on, key=lambda r: (connector, r) not in CONTACT_SPECS)


@dataclass(frozen=True)
class Stream:
    connector: str
    resource: str
    fetch: sources.Fetch
    mapper: Mapper


def pipedrive_settings(config: TajoConfig) -> PipedriveSettings:
    settings = sources.enabled(config, "pipedrive")
    assert isinstance(settings, PipedriveSettings)
    return settings


def contact_list_ids(config: TajoConfig, connector_lists: dict[str, int]) -> list[int]:
    """Brevo's import needs at least one list: the connector's `all_contacts`, else the default."""
    if "all_contacts" in connector_lists:
        return [connector_lists["all_contacts"]]
    if config.brevo.default_list_id is not None:
        return [config.brevo.default_list_id]
    return []


_compiled: dict[str, Mapper] = {}
_compiled_lock = threading.Lock()
#: Spec error key paths that belong to the connector's block rather than to the spec.
_BLOCK_KEYS: Final = ("phone_region", "list_ids", "lists.", "deal_stage_mapping.", "webhooks[")


def resource_mapper_for(
    config: TajoConfig,
    connector: str,
    resource: str,
    *,
    vendor_fields: Sequence[Mapping[str, Any]] | None = None,
    brevo_attributes: Sequence[Mapping[str, Any]] | None = None,
    remembered_fields: Mapping[str, str] | None = None,
) -> Mapper:
    """The compiled mapper of a connector's resource; `ConfigError` with the spec's key path.

    Compiled once per effective input (spec, lists, account facts) and reused. `vendor_fields`
    and `remembered_fields` resolve custom fields named by name (see `resolve`).
    """
    settings = getattr(config.connectors, connector, None)
    if settings is None or (connector, resource) not in MAPPED:
        raise ConfigError(f"connectors.{connector}", f"no mapping for resource {resource!r}")
    spec_key, spec = _spec_of(settings, connector, resource)
    recipe: dict[str, Any] = {
        "connector": connector,
        "resource": resource,
        "spec": spec,
        "list_ids": contact_list_ids(config, settings.lists),
        "lists": settings.lists,
        "phone_region": settings.phone_region,
        "vendor_fields": vendor_fields,
        "brevo_attributes": brevo_attributes,
        "remembered_fields": remembered_fields,
        "deal_stage_mapping": getattr(settings, "deal_stage_mapping", None),
        "webhooks": [rule.model_dump() for rule in getattr(settings, "webhooks", [])],
    }
    key = canonical_json(_plain(recipe))
    with _compiled_lock:
        found = _compiled.get(key)
    if found is not None:
        return found
    try:
        mapper = _compile(recipe)
    except SpecError as exc:
        where = f"connectors.{connector}.{spec_key}"
        if exc.key_path.startswith(_BLOCK_KEYS) or exc.key_path.startswith("list_ids["):
            where = f"connectors.{connector}"
        raise ConfigError(
            f"{where}.{exc.key_path}" if exc.key_path else where, exc.problem
        ) from None
    with _compiled_lock:
        if len(_compiled) > 64:
            _compiled.clear()
        _compiled[key] = mapper
    return mapper


def _spec_of(settings: ConnectorSettings, connector: str, resource: str) -> tuple[str, Any]:
    """The spec's key in the connector's block and the spec (a default where the block has
    no key for it yet)."""
    if (connector, resource) in CONTACT_SPECS:
        spec_key = CONTACT_SPECS[connector, resource]
        return spec_key, getattr(settings, spec_key)
    if (connector, resource) in OBJECT_SPECS:
        spec_key = OBJECT_SPECS[connector, resource][0]
        spec = getattr(settings, spec_key, None)
        return spec_key, DEFAULT_SPECS[connector, resource] if spec is None else spec
    return resource, None


def _compile(recipe: Mapping[str, Any]) -> Mapper:
    connector, resource = recipe["connector"], recipe["resource"]
    pair = (connector, resource)
    if pair in CONTACT_SPECS:
        return compile_contact_mapping(
            recipe["spec"],
            vendor=connector,
            resource=resource,
            list_ids=tuple(recipe["list_ids"]),
            phone_region=recipe["phone_region"],
            vendor_fields=recipe["vendor_fields"],
            brevo_attributes=recipe["brevo_attributes"],
            remembered_fields=recipe["remembered_fields"],
            # Consent decides list membership and the blocklist where the vendor records it.
            extras=(consent_lists(recipe["lists"]),) if connector == "shopify" else (),
        )
    parts: list[RecordPart] = []
    id_path = "id"
    if pair in OBJECT_SPECS:
        kind: ObjectKind = OBJECT_SPECS[pair][1]
        parts.append(
            compile_object_upsert(
                recipe["spec"],
                kind=kind,
                vendor=connector,
                resource=resource,
                phone_region=recipe["phone_region"],
            )
        )
    if pair == ("pipedrive", "deals") and recipe["deal_stage_mapping"]:
        parts.append(compile_deal_stage_lists(recipe["deal_stage_mapping"]))
    if pair in FIXED_PARTS:
        parts.extend(FIXED_PARTS[pair](recipe))
    if pair == ("pipedrive", "webhooks"):
        parts.append(compile_webhook_events(recipe["webhooks"]))
        id_path = "meta.id"  # the delivery: one webhook, one set of events
    return compile_record_mapping(parts, vendor=connector, resource=resource, id_path=id_path)


def mapper_for(
    config: TajoConfig,
    connector: str,
    resource: str,
    *,
    vendor_fields: Sequence[Mapping[str, Any]] | None = None,
    brevo_attributes: Sequence[Mapping[str, Any]] | None = None,
    remembered_fields: Mapping[str, str] | None = None,
) -> ContactMapper:
    """`resource_mapper_for` for a resource whose records are contacts (`ConfigError` for
    any other)."""
    if (connector, resource) not in CONTACT_SPECS:
        raise ConfigError(f"connectors.{connector}", f"no contact mapping for {resource!r}")
    mapper = resource_mapper_for(
        config,
        connector,
        resource,
        vendor_fields=vendor_fields,
        brevo_attributes=brevo_attributes,
        remembered_fields=remembered_fields,
    )
    assert isinstance(mapper, ContactMapper)
    return mapper


#: Rows of `cursors` that keep which key each custom field named by name resolved to, so the
#: mapping survives a rename at the vendor: resource `<resource>.field:<normalised name>`,
#: value the 40-character key.
_FIELD_ROW: Final = "{resource}.field:"
_ROW_LENGTH: Final = 64


def remembered_fields(connector: str, resource: str) -> dict[str, str]:
    """Normalised custom field name -> the vendor key it resolved to last time."""
    prefix = _FIELD_ROW.format(resource=resource)
    with runtime.transaction() as session:
        rows = session.scalars(
            select(Cursor).where(
                Cursor.connector == connector,
                Cursor.resource.startswith(prefix, autoescape=True),
            )
        )
        return {row.resource[len(prefix) :]: row.value for row in rows if row.value}


def remember_fields(
    connector: str, resource: str, resolved: Mapping[str, str], known: Mapping[str, str]
) -> None:
    """Keep the keys names resolved to now, where they differ from what is kept (`known`)."""
    prefix = _FIELD_ROW.format(resource=resource)
    changed = {
        name: key
        for name, key in resolved.items()
        if known.get(name) != key and len(prefix) + len(name) <= _ROW_LENGTH
    }
    if not changed:
        return
    try:
        with runtime.transaction() as session:
            for name, key in sorted(changed.items()):
                row = session.get(Cursor, (connector, prefix + name))
                if row is None:
                    session.add(Cursor(connector=connector, resource=prefix + name, value=key))
                else:
                    row.value = key
    except IntegrityError:
        pass  # another worker kept the same resolution at the same moment


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
    """The stream of a supported (connector, resource), its mapper compiled with the account's
    facts (custom fields, Brevo attributes) and the custom field keys kept from before."""
    if (connector, resource) not in SUPPORTED:
        sources.enabled(config, connector)  # an absent or disabled connector says so first
        raise ConfigError(f"connectors.{connector}", f"no stream for resource {resource!r}")
    settings = sources.enabled(config, connector)
    is_contact = (connector, resource) in CONTACT_SPECS
    if is_contact and not contact_list_ids(config, settings.lists):
        raise ConfigError(
            f"connectors.{connector}.lists.all_contacts",
            "Brevo imports need a list: set lists.all_contacts or brevo.default_list_id",
        )
    source = sources.source_for(config, connector, resource)
    _, spec = _spec_of(settings, connector, resource)
    fields = (
        _facts.get(source.facts_key, source.fields)
        if source.fields is not None and spec is not None and _uses_custom_fields(spec)
        else None
    )
    known = remembered_fields(connector, resource) if fields is not None else {}
    mapper = resource_mapper_for(
        config,
        connector,
        resource,
        vendor_fields=fields,
        brevo_attributes=brevo_attributes(config) if is_contact else None,
        remembered_fields=known,
    )
    if fields is not None:
        remember_fields(connector, resource, getattr(mapper, "resolved_fields", {}), known)
    related = mapper.related if isinstance(mapper, ContactMapper) else frozenset()
    if related:
        source = sources.source_for(config, connector, resource, related)
    return Stream(connector, resource, source.fetch, mapper)
