"""Where each (connector, resource) stream reads its pages: the vendor client's calls behind one
`Fetch`, and the account facts its mapping needs (the vendor's custom field list).

A `Fetch` takes the page cursor, the incremental lower bound and the job's mode. Pipedrive reads
every resource from its list endpoints (never `/v1/recents`, which only reaches about a month
back); a full Shopify run backfills through a bulk operation, an incremental one pages the
GraphQL connection from the last high-water mark. Related records the mapping aggregates over
(a person's deals, for WON_DEALS and LTV) are attached here, so the mapper stays pure.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import Any

from connectors.config import ConnectorSettings, TajoConfig
from connectors.core.errors import ConfigError
from connectors.core.records import Page
from connectors.pipedrive.settings import PipedriveSettings
from connectors.pipedrive.streams import STREAMS as PIPEDRIVE_STREAMS
from connectors.shopify.settings import ShopifySettings
from connectors.shopify.streams import STREAMS as SHOPIFY_STREAMS
from tasks import clients

#: (cursor, since, mode) -> one page.
Fetch = Callable[[str | None, str | None, str], Page]
FieldList = Callable[[], list[dict[str, Any]]]

#: The resources each connector can stream: its client's stream table.
STREAMED: dict[str, frozenset[str]] = {
    "pipedrive": frozenset(PIPEDRIVE_STREAMS),
    "shopify": frozenset(SHOPIFY_STREAMS),
}
#: Pipedrive resources whose records carry custom fields, with a field list to resolve names.
_PIPEDRIVE_FIELDS: frozenset[str] = frozenset({"persons", "deals", "organizations"})


@dataclass(frozen=True)
class Source:
    fetch: Fetch
    #: the vendor's custom field definitions for this resource, None where it has none
    fields: FieldList | None
    #: what the field list is cached under (one per client, so per credential and process)
    facts_key: str


def enabled(config: TajoConfig, connector: str) -> ConnectorSettings:
    """The connector's settings; `ConfigError` naming the key when it is absent or disabled."""
    settings = config.enabled_connectors().get(connector)
    if settings is None:
        configured = getattr(config.connectors, connector, None) is not None
        problem = "the connector is disabled" if configured else "the connector is not configured"
        key = f"connectors.{connector}.enabled" if configured else f"connectors.{connector}"
        raise ConfigError(key, problem)
    return settings


def source_for(
    config: TajoConfig, connector: str, resource: str, related: Collection[str] = ()
) -> Source:
    """The source of a streamed resource; `related` names the related lists to attach."""
    settings = enabled(config, connector)
    if resource not in STREAMED.get(connector, frozenset()):
        raise ConfigError(f"connectors.{connector}", f"no stream for resource {resource!r}")
    if not getattr(settings.sync, resource, False):
        raise ConfigError(f"connectors.{connector}.sync.{resource}", f"{resource} are not enabled")
    if isinstance(settings, PipedriveSettings):
        return _pipedrive(settings, resource, related)
    assert isinstance(settings, ShopifySettings)
    return _shopify(settings, resource)


def _pipedrive(settings: PipedriveSettings, resource: str, related: Collection[str]) -> Source:
    client = clients.pipedrive(settings)
    size = min(settings.page_size, PIPEDRIVE_STREAMS[resource].max_page_size)
    with_deals = resource == "persons" and "deals" in related

    def fetch(cursor: str | None, since: str | None, mode: str) -> Page:
        page = client.list_page(resource, cursor, updated_since=since, limit=size)
        if with_deals and page.records:
            # Persons carry their deal counts; revenue needs the deals themselves (one request
            # per person who has any, see `PipedriveClient.attach_deals`).
            return replace(page, records=client.attach_deals(page.records))
        return page

    fields: FieldList | None = None
    if resource in _PIPEDRIVE_FIELDS:

        def fields() -> list[dict[str, Any]]:
            return client.fields(resource)

    return Source(fetch, fields, f"pipedrive:{resource}:{id(client)}")


def _shopify(settings: ShopifySettings, resource: str) -> Source:
    client = clients.shopify(settings)
    size = settings.page_size  # None: the stream's largest page under Shopify's cost cap

    def fetch(cursor: str | None, since: str | None, mode: str) -> Page:
        if mode == "full":
            # Bulk operations: one query the shop runs itself, read back as JSONL in pages,
            # so a backfill costs a handful of requests and flat memory whatever the shop's size.
            return client.backfill_page(resource, cursor)
        return client.list_page(resource, cursor, updated_since=since, limit=size)

    return Source(fetch, None, f"shopify:{resource}:{id(client)}")
