"""Shopify webhooks: verify a delivery, read its hints, and manage the subscriptions.

Shopify signs every delivery: `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw
body keyed with the app's API secret, checked here on the bytes as they arrived and in
constant time. `X-Shopify-Topic` names the event (`customers/update`), `X-Shopify-Webhook-Id`
the delivery (a retry repeats it: the dedupe key).
https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook

The body is a REST-shaped copy of the object; it is never trusted as the record: the ingress
refetches it (`ShopifyClient.get_record`), so an old or replayed delivery cannot write stale
data. Subscriptions are managed with `webhookSubscriptionCreate`, `webhookSubscriptions` and
`webhookSubscriptionDelete` (https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/
webhookSubscriptionCreate).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from connectors.core.errors import VendorUnavailableError, VendorValidationError
from connectors.core.http import PooledClient
from connectors.core.webhooks import Action, ObjectRef, header, hmac_base64_matches
from connectors.shopify.graphql import GraphQL
from connectors.shopify.records import numeric_id
from connectors.shopify.settings import ShopifySettings

VENDOR: Final = "shopify"
HMAC_HEADER: Final = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER: Final = "X-Shopify-Topic"
DELIVERY_HEADER: Final = "X-Shopify-Webhook-Id"

#: Shopify's object names in topics -> our resource names.
RESOURCES: Final[Mapping[str, str]] = {
    "customers": "customers",
    "orders": "orders",
    "products": "products",
    "checkouts": "carts",
}
#: Topic verbs -> what happened. Orders have many change verbs (paid, fulfilled...).
_ACTIONS: Final[Mapping[str, Action]] = {
    "create": "create",
    "update": "change",
    "updated": "change",
    "paid": "change",
    "fulfilled": "change",
    "partially_fulfilled": "change",
    "cancelled": "change",
    "edited": "change",
    "enable": "change",
    "disable": "change",
    "delete": "delete",
}
#: What `tajo webhooks register shopify` subscribes to: the creates, changes and deletes of the
#: synced resources (orders are cancelled rather than deleted, so `orders/updated` covers them).
DEFAULT_TOPICS: Final = (
    "customers/create",
    "customers/update",
    "customers/delete",
    "orders/create",
    "orders/updated",
    "products/create",
    "products/update",
    "products/delete",
    "checkouts/create",
    "checkouts/update",
)


def topics_for(resources: Iterable[str]) -> list[str]:
    """The default topics of these resources (`customers` -> create, update, delete)."""
    wanted = set(resources)
    return [topic for topic in DEFAULT_TOPICS if RESOURCES[topic.split("/")[0]] in wanted]


def is_synced_topic(topic: str) -> bool:
    """True for a topic whose hints `parse` reads (`app/uninstalled` is not one)."""
    obj, _, verb = rest_topic(topic).partition("/")
    return obj in RESOURCES and verb in _ACTIONS


class MalformedDelivery(ValueError):
    """The body or topic is not a Shopify delivery we read; the message says what is wrong."""


def verify(settings: ShopifySettings, headers: Mapping[str, str], body: bytes) -> bool:
    """True when `X-Shopify-Hmac-Sha256` is the HMAC of exactly these bytes under the app's
    API secret. Without a configured secret nothing verifies."""
    secret = settings.api_secret
    if secret is None or not secret.get_secret_value():
        return False
    return hmac_base64_matches(header(headers, HMAC_HEADER), secret, body)


def delivery_id(headers: Mapping[str, str]) -> str | None:
    """The delivery's id (the same on every retry of one event), or None when absent."""
    value = header(headers, DELIVERY_HEADER)
    return value.strip() if value and value.strip() else None


def topic_of(headers: Mapping[str, str]) -> str | None:
    value = header(headers, TOPIC_HEADER)
    return value.strip() if value and value.strip() else None


def rest_topic(topic: str) -> str:
    """`customers/update` from either spelling (`CUSTOMERS_UPDATE` is the GraphQL enum)."""
    text = topic.strip()
    if "/" in text:
        return text.lower()
    obj, _, verb = text.lower().partition("_")
    return f"{obj}/{verb}"


def graphql_topic(topic: str) -> str:
    """`CUSTOMERS_UPDATE` from either spelling."""
    return rest_topic(topic).replace("/", "_").upper()


def parse(topic: str, payload: object) -> list[ObjectRef]:
    """The object hints of one decoded delivery: one ref for the object the topic names."""
    obj, _, verb = rest_topic(topic).partition("/")
    resource = RESOURCES.get(obj)
    action = _ACTIONS.get(verb)
    if resource is None or action is None:
        raise MalformedDelivery(f"topic {topic[:60]!r} is not one this connector syncs")
    if not isinstance(payload, Mapping):
        raise MalformedDelivery("the body must be a JSON object")
    object_id = numeric_id(payload.get("id")) or numeric_id(payload.get("admin_graphql_api_id"))
    if object_id is None:
        raise MalformedDelivery("id must be a numeric Shopify id")
    return [
        ObjectRef(
            resource=resource,
            object_id=object_id,
            action=action,
            vendor_event=rest_topic(topic),
        )
    ]


# -- subscriptions -------------------------------------------------------------------------------

_SUBSCRIPTION = "id topic format endpoint { __typename ... on WebhookHttpEndpoint { callbackUrl } }"
LIST_SUBSCRIPTIONS = (
    "query Subscriptions($after: String) { webhookSubscriptions(first: 100, after: $after) { "
    f"pageInfo {{ hasNextPage endCursor }} nodes {{ {_SUBSCRIPTION} }} }} }}"
)
CREATE_SUBSCRIPTION = (
    "mutation Subscribe($topic: WebhookSubscriptionTopic!, "
    "$subscription: WebhookSubscriptionInput!) { "
    "webhookSubscriptionCreate(topic: $topic, webhookSubscription: $subscription) { "
    f"webhookSubscription {{ {_SUBSCRIPTION} }} userErrors {{ field message }} }} }}"
)
DELETE_SUBSCRIPTION = (
    "mutation Unsubscribe($id: ID!) { webhookSubscriptionDelete(id: $id) { "
    "deletedWebhookSubscriptionId userErrors { field message } } }"
)


@dataclass(frozen=True)
class Subscription:
    id: str
    topic: str
    callback_url: str | None
    format: str


@dataclass(frozen=True)
class Registration:
    kept: list[Subscription] = field(default_factory=list)
    created: list[Subscription] = field(default_factory=list)
    replaced: list[Subscription] = field(default_factory=list)


def _subscription(node: object, operation: str) -> Subscription:
    if not isinstance(node, Mapping) or not isinstance(node.get("id"), str):
        raise VendorUnavailableError(VENDOR, operation, "a subscription is not an object")
    endpoint = node.get("endpoint")
    url = endpoint.get("callbackUrl") if isinstance(endpoint, Mapping) else None
    return Subscription(
        id=node["id"],
        topic=str(node.get("topic")),
        callback_url=url if isinstance(url, str) else None,
        format=str(node.get("format")),
    )


def _user_errors(payload: Mapping[str, Any], operation: str) -> None:
    errors = payload.get("userErrors")
    if isinstance(errors, list) and errors:
        messages = "; ".join(
            str(e.get("message")) for e in errors if isinstance(e, Mapping) and e.get("message")
        )
        raise VendorValidationError(VENDOR, operation, messages[:500] or "user error")


class WebhookAdmin(PooledClient):
    """This app's webhook subscriptions on one shop: list, create, delete."""

    def __init__(
        self, settings: ShopifySettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._graphql = GraphQL(settings, transport=transport)
        self._http = self._graphql._http

    def list(self) -> list[Subscription]:
        operation = "list_webhooks"
        found: list[Subscription] = []
        after: str | None = None
        while True:
            data = self._graphql.execute(operation, LIST_SUBSCRIPTIONS, {"after": after})
            connection = data.get("webhookSubscriptions")
            if not isinstance(connection, Mapping) or not isinstance(connection.get("nodes"), list):
                raise VendorUnavailableError(VENDOR, operation, "`webhookSubscriptions` is odd")
            found.extend(_subscription(node, operation) for node in connection["nodes"])
            info = connection.get("pageInfo")
            end = info.get("endCursor") if isinstance(info, Mapping) else None
            if not (isinstance(info, Mapping) and info.get("hasNextPage") is True) or not end:
                return found
            after = str(end)

    def create(self, topic: str, callback_url: str) -> Subscription:
        operation = "create_webhook"
        variables = {
            "topic": graphql_topic(topic),
            "subscription": {"callbackUrl": callback_url, "format": "JSON"},
        }
        data = self._graphql.execute(operation, CREATE_SUBSCRIPTION, variables)
        payload = data.get("webhookSubscriptionCreate")
        if not isinstance(payload, Mapping):
            raise VendorUnavailableError(VENDOR, operation, "no webhookSubscriptionCreate payload")
        _user_errors(payload, operation)
        return _subscription(payload.get("webhookSubscription"), operation)

    def delete(self, subscription_id: str) -> None:
        operation = "delete_webhook"
        data = self._graphql.execute(operation, DELETE_SUBSCRIPTION, {"id": subscription_id})
        payload = data.get("webhookSubscriptionDelete")
        if not isinstance(payload, Mapping):
            raise VendorUnavailableError(VENDOR, operation, "no webhookSubscriptionDelete payload")
        _user_errors(payload, operation)


def list_subscriptions(
    settings: ShopifySettings, *, transport: httpx.BaseTransport | None = None
) -> list[Subscription]:
    """Every webhook subscription of this app on the shop."""
    with WebhookAdmin(settings, transport=transport) as admin:
        return admin.list()


def register(
    settings: ShopifySettings,
    url: str,
    topics: Iterable[str] = DEFAULT_TOPICS,
    *,
    transport: httpx.BaseTransport | None = None,
) -> Registration:
    """Make sure each topic is subscribed once, as JSON, to `url`. Idempotent: a matching
    subscription is kept; duplicates and XML ones for the same topic and URL are replaced."""
    kept: list[Subscription] = []
    created: list[Subscription] = []
    replaced: list[Subscription] = []
    with WebhookAdmin(settings, transport=transport) as admin:
        existing = admin.list()
        for topic in dict.fromkeys(graphql_topic(t) for t in topics):
            matches = [s for s in existing if s.topic == topic and s.callback_url == url]
            good = next((s for s in matches if s.format == "JSON"), None)
            for stale in (s for s in matches if s is not good):
                admin.delete(stale.id)
                replaced.append(stale)
            if good is not None:
                kept.append(good)
            else:
                created.append(admin.create(topic, url))
    return Registration(kept=kept, created=created, replaced=replaced)
