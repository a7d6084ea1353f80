"""`tajo webhooks register|list shopify`: the shop's webhook subscriptions for this ingress.

One subscription per topic of each resource in realtime or hybrid mode (`customers/create`,
`customers/update`, `customers/delete`...), created with `webhookSubscriptionCreate`; a topic
already subscribed to the same URL as JSON is kept, so registering again changes nothing.
https://shopify.dev/docs/api/admin-graphql/2025-01/mutations/webhookSubscriptionCreate
"""

from __future__ import annotations

from rich.table import Table

from connectors.config import TajoConfig
from connectors.core.errors import ConfigError
from connectors.core.webhooks import PUSHED_MODES
from connectors.shopify.settings import ShopifySettings
from connectors.shopify.webhooks import (
    RESOURCES,
    Subscription,
    list_subscriptions,
    register,
    rest_topic,
    topics_for,
)
from workers.output import table

LIST_COLUMNS = ["id", "topic", "url", "format"]


def shopify_settings(config: TajoConfig) -> ShopifySettings:
    settings = config.connectors.shopify
    if settings is None or not settings.enabled:
        raise ConfigError("connectors.shopify", "the connector is not configured or disabled")
    if settings.access_token is None or not settings.access_token.get_secret_value():
        raise ConfigError("connectors.shopify.access_token", "is required to call the Admin API")
    return settings


def topics(settings: ShopifySettings) -> list[str]:
    """The topics of every resource synced in realtime or hybrid mode."""
    pushed = sorted(r for r, mode in settings.modes.items() if mode in PUSHED_MODES)
    unknown = [r for r in pushed if r not in RESOURCES.values()]
    if unknown:
        raise ConfigError(f"connectors.shopify.modes.{unknown[0]}", "unknown resource")
    if not pushed:
        raise ConfigError("connectors.shopify.modes", "no resource is in realtime or hybrid mode")
    if settings.api_secret is None or not settings.api_secret.get_secret_value():
        # Without it no delivery verifies, and the ingress answers every one 401.
        raise ConfigError("connectors.shopify.api_secret", "set the secret Shopify signs with")
    return topics_for(pushed)


def register_shopify(config: TajoConfig, url: str) -> Table:
    settings = shopify_settings(config)
    done = register(settings, url, topics(settings))
    rows = [
        *((s.id, "kept", rest_topic(s.topic)) for s in done.kept),
        *((s.id, "replaced (deleted)", rest_topic(s.topic)) for s in done.replaced),
        *((s.id, "created", rest_topic(s.topic)) for s in done.created),
    ]
    return table(f"shopify webhooks -> {url}", ["id", "what", "topic"], rows)


def list_shopify(config: TajoConfig) -> Table:
    found: list[Subscription] = list_subscriptions(shopify_settings(config))
    rows = [(s.id, rest_topic(s.topic), s.callback_url, s.format) for s in found]
    return table("shopify webhooks", LIST_COLUMNS, rows)
