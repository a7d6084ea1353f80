"""Shopify webhooks: the HMAC check on raw bytes, the hints a delivery gives, subscriptions."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.shopify.settings import ShopifySettings
from connectors.shopify.webhooks import (
    MalformedDelivery,
    delivery_id,
    graphql_topic,
    is_synced_topic,
    list_subscriptions,
    parse,
    register,
    rest_topic,
    topics_for,
    verify,
)

SECRET = "app-secret-0123456789"
BODY = b'{"id":207119551,"email":"bob@example.com","updated_at":"2024-05-01T04:00:00-04:00"}'


def settings(secret: str | None = SECRET) -> ShopifySettings:
    return ShopifySettings(
        shop_url="shop.test",
        access_token=SecretStr("shpat_token"),
        api_secret=None if secret is None else SecretStr(secret),
    )


def signature(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_a_delivery_signed_with_the_api_secret_verifies_and_one_changed_byte_does_not() -> None:
    headers = {"X-Shopify-Hmac-Sha256": signature(BODY)}
    assert verify(settings(), headers, BODY)
    assert verify(settings(), {"x-shopify-hmac-sha256": signature(BODY)}, BODY)
    tampered = bytearray(BODY)
    tampered[10] ^= 0x01
    assert not verify(settings(), headers, bytes(tampered))
    assert not verify(settings(), {"X-Shopify-Hmac-Sha256": signature(BODY, "other")}, BODY)
    assert not verify(settings(), {}, BODY)
    assert not verify(settings(secret=None), headers, BODY)


def test_the_delivery_id_comes_from_the_webhook_id_header() -> None:
    assert delivery_id({"X-Shopify-Webhook-Id": " b54557e4-bdd9-4b37 "}) == "b54557e4-bdd9-4b37"
    assert delivery_id({}) is None


def test_topics_read_in_both_spellings() -> None:
    assert rest_topic("CUSTOMERS_UPDATE") == "customers/update"
    assert graphql_topic("orders/partially_fulfilled") == "ORDERS_PARTIALLY_FULFILLED"
    assert rest_topic("ORDERS_PARTIALLY_FULFILLED") == "orders/partially_fulfilled"


@pytest.mark.parametrize(
    ("topic", "payload", "resource", "action"),
    [
        ("customers/create", {"id": 1}, "customers", "create"),
        ("customers/update", json.loads(BODY), "customers", "change"),
        ("customers/delete", {"id": 207119551}, "customers", "delete"),
        ("orders/paid", {"id": 450789469}, "orders", "change"),
        ("products/delete", {"id": 632910392}, "products", "delete"),
        ("checkouts/update", {"id": 77, "token": "t"}, "carts", "change"),
        (
            "CUSTOMERS_UPDATE",
            {"admin_graphql_api_id": "gid://shopify/Customer/5"},
            "customers",
            "change",
        ),
    ],
)
def test_a_delivery_is_one_hint_to_refetch_its_object(
    topic: str, payload: dict[str, Any], resource: str, action: str
) -> None:
    (hint,) = parse(topic, payload)
    assert (hint.resource, hint.action) == (resource, action)
    assert hint.object_id.isdigit()
    assert hint.vendor_event == rest_topic(topic)


def test_an_unknown_topic_or_a_body_without_an_id_is_malformed() -> None:
    with pytest.raises(MalformedDelivery, match="not one this connector syncs"):
        parse("app/uninstalled", {"id": 1})
    with pytest.raises(MalformedDelivery, match="numeric"):
        parse("customers/update", {"id": "abc"})
    with pytest.raises(MalformedDelivery, match="JSON object"):
        parse("customers/update", [1])


class Subscriptions(httpx.MockTransport):
    """A shop's webhook subscriptions behind the three GraphQL operations."""

    def __init__(self, existing: list[dict[str, Any]]) -> None:
        self.items = existing
        self.calls: list[str] = []

        def handle(request: httpx.Request) -> httpx.Response:
            body = json.loads(request.read())
            query, variables = body["query"], body.get("variables") or {}
            cost = {"extensions": {"cost": {"requestedQueryCost": 10}}}
            if query.startswith("query Subscriptions"):
                self.calls.append("list")
                page = {"pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": self.items}
                return httpx.Response(200, json={"data": {"webhookSubscriptions": page}, **cost})
            if query.startswith("mutation Subscribe"):
                self.calls.append(f"create {variables['topic']}")
                item = {
                    "id": f"gid://shopify/WebhookSubscription/{len(self.items) + 100}",
                    "topic": variables["topic"],
                    "format": variables["subscription"]["format"],
                    "endpoint": {
                        "__typename": "WebhookHttpEndpoint",
                        "callbackUrl": variables["subscription"]["callbackUrl"],
                    },
                }
                self.items.append(item)
                payload = {"webhookSubscription": item, "userErrors": []}
                return httpx.Response(200, json={"data": {"webhookSubscriptionCreate": payload}})
            self.calls.append(f"delete {variables['id']}")
            self.items = [i for i in self.items if i["id"] != variables["id"]]
            payload = {"deletedWebhookSubscriptionId": variables["id"], "userErrors": []}
            return httpx.Response(200, json={"data": {"webhookSubscriptionDelete": payload}})

        super().__init__(handle)


def hook(n: int, topic: str, url: str, fmt: str = "JSON") -> dict[str, Any]:
    return {
        "id": f"gid://shopify/WebhookSubscription/{n}",
        "topic": topic,
        "format": fmt,
        "endpoint": {"__typename": "WebhookHttpEndpoint", "callbackUrl": url},
    }


def test_register_is_idempotent_and_replaces_xml_or_duplicate_subscriptions() -> None:
    url = "https://sync.example.com/webhooks/shopify"
    shop = Subscriptions(
        [
            hook(1, "CUSTOMERS_UPDATE", url),
            hook(2, "CUSTOMERS_UPDATE", url),
            hook(3, "ORDERS_CREATE", url, fmt="XML"),
            hook(4, "ORDERS_CREATE", "https://elsewhere.example.com"),
        ]
    )
    topics = ["customers/update", "orders/create", "checkouts/update"]
    first = register(settings(), url, topics, transport=shop)
    assert [s.id.rsplit("/", 1)[-1] for s in first.kept] == ["1"]
    assert [s.id.rsplit("/", 1)[-1] for s in first.replaced] == ["2", "3"]
    assert [s.topic for s in first.created] == ["ORDERS_CREATE", "CHECKOUTS_UPDATE"]
    again = register(settings(), url, topics, transport=shop)
    assert (len(again.kept), again.created, again.replaced) == (3, [], [])
    listed = list_subscriptions(settings(), transport=shop)
    assert sorted(s.topic for s in listed if s.callback_url == url) == [
        "CHECKOUTS_UPDATE",
        "CUSTOMERS_UPDATE",
        "ORDERS_CREATE",
    ]


def test_the_topics_of_pushed_resources_are_their_creates_changes_and_deletes() -> None:
    assert topics_for(["customers"]) == ["customers/create", "customers/update", "customers/delete"]
    assert topics_for(["orders", "carts"]) == [
        "orders/create",
        "orders/updated",
        "checkouts/create",
        "checkouts/update",
    ]
    assert topics_for([]) == []


def test_only_topics_of_synced_objects_with_a_known_verb_are_synced_topics() -> None:
    assert is_synced_topic("customers/update")
    assert is_synced_topic("ORDERS_PAID")
    assert is_synced_topic("checkouts/delete")
    assert not is_synced_topic("app/uninstalled")
    assert not is_synced_topic("customers/redact")
