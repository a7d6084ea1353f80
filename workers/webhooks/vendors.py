"""Which vendors the ingress serves, and how each one's deliveries are checked and read.

One `Ingress` per vendor; adding a vendor is its `connectors/<vendor>/webhooks.py` plus one entry
in `INGRESSES`. Everything else (size limit, dedupe, debounce, enqueue) is the same for all.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from connectors.config import TajoConfig
from connectors.core.webhooks import PUSHED_MODES, ObjectRef
from connectors.pipedrive import webhooks as pipedrive_webhooks
from connectors.shopify import webhooks as shopify_webhooks
from mapping.errors import MappingError
from mapping.hashing import content_hash
from tasks.streams import SUPPORTED, resource_mapper_for

log = logging.getLogger(__name__)
#: The pseudo-resource whose records are webhook deliveries, mapped to Brevo events.
EVENTS_RESOURCE = "webhooks"


class MalformedBody(ValueError):
    """Not JSON, or not the vendor's delivery shape; the message says which field."""


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    hints: list[ObjectRef]
    #: the decoded body, for the Brevo events the config's rules derive from it
    payload: object = None


class Ingress(Protocol):
    name: str

    def enabled(self, config: TajoConfig) -> bool:
        """The connector is configured, enabled, has webhook credentials and a pushed resource."""
        ...

    def verify(self, config: TajoConfig, headers: Mapping[str, str], body: bytes) -> bool:
        """The request is the vendor's: checked on the raw bytes, before any parsing."""
        ...

    def parse(self, headers: Mapping[str, str], body: bytes) -> Delivery:
        """The delivery id and hints (from the body, or the headers where the vendor puts
        them there); MalformedBody when the request is not a delivery."""
        ...

    def wanted(self, config: TajoConfig, hint: ObjectRef) -> bool:
        """The hint is about a resource synced in realtime or hybrid mode."""
        ...

    def events(self, config: TajoConfig, delivery: Delivery) -> list[dict[str, Any]]:
        """`brevo.write_ops` items: the Brevo events the config's rules name for it."""
        ...


def decode(body: bytes) -> object:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedBody("the body is not valid JSON") from None


class PipedriveIngress:
    name = "pipedrive"

    def enabled(self, config: TajoConfig) -> bool:
        settings = config.connectors.pipedrive
        return (
            settings is not None
            and settings.enabled
            and settings.webhook_auth is not None
            and any(mode in PUSHED_MODES for mode in settings.modes.values())
        )

    def verify(self, config: TajoConfig, headers: Mapping[str, str], body: bytes) -> bool:
        settings = config.connectors.pipedrive
        return settings is not None and pipedrive_webhooks.verify(settings, headers)

    def parse(self, headers: Mapping[str, str], body: bytes) -> Delivery:
        payload = decode(body)
        try:
            parsed = pipedrive_webhooks.parse(payload)
        except pipedrive_webhooks.MalformedDelivery as exc:
            raise MalformedBody(str(exc)) from None
        return Delivery(parsed.delivery_id, parsed.hints, payload)

    def wanted(self, config: TajoConfig, hint: ObjectRef) -> bool:
        settings = config.connectors.pipedrive
        if settings is None or (self.name, hint.resource) not in SUPPORTED:
            return False
        return settings.modes.get(hint.resource) in PUSHED_MODES

    def events(self, config: TajoConfig, delivery: Delivery) -> list[dict[str, Any]]:
        settings = config.connectors.pipedrive
        if settings is None or not settings.webhooks:
            return []
        # The docs' `webhooks:` rules, compiled like every other mapping (mapping.webhook_events).
        mapper = resource_mapper_for(config, self.name, EVENTS_RESOURCE)
        try:
            operations = mapper.map_operations(delivery.payload)
        except MappingError as exc:
            # Events ride along; the refetch still keeps the contact right.
            log.warning("pipedrive delivery: no Brevo event: %s", exc.reason.value)
            return []
        items = []
        for operation in operations:
            data = operation.to_json()
            items.append(
                {
                    "operation": data,
                    "content_hash": content_hash(data),
                    "mapping_version": mapper.version,
                }
            )
        return items


class ShopifyIngress:
    """Shopify signs the raw body (`X-Shopify-Hmac-Sha256`, keyed with the app's API secret) and
    names the event and the delivery in headers (`X-Shopify-Topic`, `X-Shopify-Webhook-Id`)."""

    name = "shopify"

    def enabled(self, config: TajoConfig) -> bool:
        settings = config.connectors.shopify
        return (
            settings is not None
            and settings.enabled
            and settings.api_secret is not None
            and bool(settings.api_secret.get_secret_value())
            and any(mode in PUSHED_MODES for mode in settings.modes.values())
        )

    def verify(self, config: TajoConfig, headers: Mapping[str, str], body: bytes) -> bool:
        settings = config.connectors.shopify
        return settings is not None and shopify_webhooks.verify(settings, headers, body)

    def parse(self, headers: Mapping[str, str], body: bytes) -> Delivery:
        payload = decode(body)
        delivery_id = shopify_webhooks.delivery_id(headers)
        if delivery_id is None:
            raise MalformedBody(f"the {shopify_webhooks.DELIVERY_HEADER} header is missing")
        topic = shopify_webhooks.topic_of(headers)
        if topic is None:
            raise MalformedBody(f"the {shopify_webhooks.TOPIC_HEADER} header is missing")
        if not shopify_webhooks.is_synced_topic(topic):
            # A topic the app is subscribed to for another reason (app/uninstalled...): taken
            # with nothing to do, since a refusal only makes Shopify retry it for two days.
            return Delivery(delivery_id, [], payload)
        try:
            hints = shopify_webhooks.parse(topic, payload)
        except shopify_webhooks.MalformedDelivery as exc:
            raise MalformedBody(str(exc)) from None
        return Delivery(delivery_id, hints, payload)

    def wanted(self, config: TajoConfig, hint: ObjectRef) -> bool:
        settings = config.connectors.shopify
        if settings is None or (self.name, hint.resource) not in SUPPORTED:
            return False
        return settings.modes.get(hint.resource) in PUSHED_MODES

    def events(self, config: TajoConfig, delivery: Delivery) -> list[dict[str, Any]]:
        # The Shopify block has no webhook event rules: its orders and carts already become
        # Brevo events through their mappings, on the refetch.
        return []


INGRESSES: dict[str, Ingress] = {
    ingress.name: ingress for ingress in (PipedriveIngress(), ShopifyIngress())
}
