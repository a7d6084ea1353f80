"""Webhook subscriptions and signed deliveries.

A delivery POSTs the REST-shaped body to every subscription of its topic with Shopify's
headers; `X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body keyed with the app's
client secret, which is what a receiver must verify before trusting anything.
https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import SecretStr

from sandbox.common.timefmt import to_rfc3339
from sandbox.shopify.gids import gid

TOPICS = {
    "CUSTOMERS_CREATE": "customers/create",
    "CUSTOMERS_UPDATE": "customers/update",
    "CUSTOMERS_DELETE": "customers/delete",
    "ORDERS_CREATE": "orders/create",
    "ORDERS_UPDATED": "orders/updated",
    "PRODUCTS_CREATE": "products/create",
    "PRODUCTS_UPDATE": "products/update",
    "PRODUCTS_DELETE": "products/delete",
    "CHECKOUTS_CREATE": "checkouts/create",
    "CHECKOUTS_UPDATE": "checkouts/update",
}
TOPIC_RESOURCE = {
    "CUSTOMERS": "customers",
    "ORDERS": "orders",
    "PRODUCTS": "products",
    "CHECKOUTS": "abandonedCheckouts",
}


def enum_topic(topic: str) -> str:
    """`customers/update` or `CUSTOMERS_UPDATE` -> `CUSTOMERS_UPDATE`; ValueError otherwise."""
    if topic in TOPICS:
        return topic
    for name, path in TOPICS.items():
        if path == topic:
            return name
    raise ValueError(f"unknown webhook topic {topic!r}")


def sign(body: bytes, secret: SecretStr) -> str:
    digest = hmac.new(secret.get_secret_value().encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class Subscription:
    number: int
    topic: str
    callback_url: str
    format: str
    created_epoch: int

    def graphql(self) -> dict[str, Any]:
        return {
            "__typename": "WebhookSubscription",
            "id": gid("WebhookSubscription", self.number),
            "topic": self.topic,
            "format": self.format,
            "callbackUrl": self.callback_url,
            "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": self.callback_url},
            "includeFields": [],
            "createdAt": to_rfc3339(self.created_epoch),
            "updatedAt": to_rfc3339(self.created_epoch),
        }


@dataclass(frozen=True)
class Delivery:
    url: str
    headers: dict[str, str]
    body: bytes
    status: int | None
    error: str | None = None

    def payload(self) -> Any:
        return json.loads(self.body)


class WebhookHub:
    def __init__(self, secret: SecretStr, shop_domain: str, api_version: str) -> None:
        self._secret = secret
        self._shop_domain = shop_domain
        self.api_version = api_version
        self._lock = threading.Lock()
        self._subscriptions: dict[int, Subscription] = {}
        self._next = 1

    def __repr__(self) -> str:
        return f"WebhookHub(subscriptions={len(self._subscriptions)})"

    def reset(self) -> None:
        with self._lock:
            self._subscriptions.clear()

    def create(
        self, topic: str, callback_url: str | None, fmt: str | None
    ) -> tuple[Subscription | None, list[dict[str, Any]]]:
        field = ["webhookSubscription", "callbackUrl"]
        if not callback_url or httpx.URL(callback_url).scheme not in ("http", "https"):
            return None, [{"field": field, "message": "Address is invalid"}]
        with self._lock:
            for existing in self._subscriptions.values():
                if existing.topic == topic and existing.callback_url == callback_url:
                    message = "Address for this topic has already been taken"
                    return None, [{"field": field, "message": message}]
            subscription = Subscription(
                self._next, topic, callback_url, fmt or "JSON", int(time.time())
            )
            self._subscriptions[self._next] = subscription
            self._next += 1
        return subscription, []

    def delete(self, number: int) -> bool:
        with self._lock:
            return self._subscriptions.pop(number, None) is not None

    def subscriptions(self, topics: list[str] | None = None) -> list[Subscription]:
        with self._lock:
            found = sorted(self._subscriptions.values(), key=lambda s: s.number)
        return [s for s in found if not topics or s.topic in topics]

    def graphql_record(self, number: int) -> dict[str, Any] | None:
        with self._lock:
            subscription = self._subscriptions.get(number)
        return None if subscription is None else subscription.graphql()

    def deliver(self, topic: str, body: dict[str, Any], timeout: float = 10.0) -> list[Delivery]:
        raw = json.dumps(body, ensure_ascii=False).encode()
        triggered = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        sent = []
        with httpx.Client(timeout=timeout) as client:
            for subscription in self.subscriptions([topic]):
                headers = {
                    "Content-Type": "application/json",
                    "X-Shopify-Topic": TOPICS[topic],
                    "X-Shopify-Hmac-Sha256": sign(raw, self._secret),
                    "X-Shopify-Shop-Domain": self._shop_domain,
                    "X-Shopify-API-Version": self.api_version,
                    "X-Shopify-Webhook-Id": str(uuid.uuid4()),
                    "X-Shopify-Event-Id": str(uuid.uuid4()),
                    "X-Shopify-Triggered-At": triggered,
                }
                try:
                    response = client.post(subscription.callback_url, content=raw, headers=headers)
                    sent.append(
                        Delivery(subscription.callback_url, headers, raw, response.status_code)
                    )
                except httpx.HTTPError as exc:
                    sent.append(Delivery(subscription.callback_url, headers, raw, None, str(exc)))
        return sent
