"""The Shopify fake's bulk operations (lifecycle, JSONL with `__parentId`, Range reads, flat
memory) and webhooks (subscriptions, signed REST-shaped deliveries), over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import tracemalloc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.common.background import BackgroundServer
from sandbox.server import SandboxHandle
from sandbox.shopify import ShopifyFake, create_shopify_app

GRAPHQL = "/admin/api/2025-01/graphql.json"
RUN = """mutation($q: String!) { bulkOperationRunQuery(query: $q) {
  bulkOperation { id status } userErrors { field message } } }"""
ORDERS_WITH_LINES = """{ orders(query: "id:<=40") { edges { node { id name
  totalPriceSet { shopMoney { amount } } lineItems { edges { node { id sku quantity } } } } } } }"""


@pytest.fixture
def shopify(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sandbox.urls["shopify"],
        headers={"X-Shopify-Access-Token": "shpat_test"},
        timeout=30,
    ) as client:
        yield client


def graphql(client: httpx.Client, document: str, **variables: Any) -> dict[str, Any]:
    body: dict[str, Any] = client.post(
        GRAPHQL, json={"query": document, "variables": variables}
    ).json()
    return body


def run_to_completion(client: httpx.Client, fake: ShopifyFake, query: str) -> dict[str, Any]:
    started = graphql(client, RUN, q=query)["data"]["bulkOperationRunQuery"]
    assert started["userErrors"] == []
    number = int(started["bulkOperation"]["id"].rsplit("/", 1)[1])
    fake.bulk.wait(number)
    current = "{ currentBulkOperation { id status errorCode objectCount rootObjectCount "
    current += "fileSize url } }"
    operation: dict[str, Any] = graphql(client, current)["data"]["currentBulkOperation"]
    return operation


def test_bulk_lifecycle_and_jsonl_with_parent_ids(
    shopify: httpx.Client, sandbox: SandboxHandle
) -> None:
    started = graphql(shopify, RUN, q=ORDERS_WITH_LINES)["data"]["bulkOperationRunQuery"]
    assert started["bulkOperation"]["status"] in ("CREATED", "RUNNING")
    second = graphql(shopify, RUN, q=ORDERS_WITH_LINES)["data"]["bulkOperationRunQuery"]
    assert second["bulkOperation"] is None
    assert "already in progress" in second["userErrors"][0]["message"]
    sandbox.shopify.bulk.wait(int(started["bulkOperation"]["id"].rsplit("/", 1)[1]))
    node = graphql(
        shopify,
        "query($id: ID!) { node(id: $id) { ... on BulkOperation { status url } } }",
        id=started["bulkOperation"]["id"],
    )["data"]["node"]
    assert node["status"] == "COMPLETED"
    lines = [json.loads(line) for line in httpx.get(node["url"]).text.splitlines()]
    parents = [line for line in lines if "__parentId" not in line]
    assert [p["id"] for p in parents] == [
        f"gid://shopify/Order/{i}" for i in range(1, 41) if sandbox.shopify.exists("orders", i)
    ]
    assert all(set(p) == {"id", "name", "totalPriceSet"} for p in parents)
    seen: set[str] = set()
    for line in lines:
        if "__parentId" in line:
            assert line["__parentId"] in seen  # children come after their parent
            assert set(line) == {"id", "sku", "quantity", "__parentId"}
        else:
            seen.add(line["id"])


def test_bulk_result_supports_range_reads_from_any_offset(
    shopify: httpx.Client, sandbox: SandboxHandle
) -> None:
    operation = run_to_completion(shopify, sandbox.shopify, ORDERS_WITH_LINES)
    whole = httpx.get(operation["url"]).content
    assert len(whole) == int(operation["fileSize"])
    assert whole.count(b"\n") == int(operation["objectCount"])
    for offset in (0, 1, 777, len(whole) - 5):
        part = httpx.get(operation["url"], headers={"Range": f"bytes={offset}-"})
        assert part.status_code == 206
        assert part.content == whole[offset:]
        assert part.headers["content-range"] == f"bytes {offset}-{len(whole) - 1}/{len(whole)}"
    beyond = httpx.get(operation["url"], headers={"Range": f"bytes={len(whole)}-"})
    assert beyond.status_code == 416


def test_bulk_can_fail_or_be_canceled(shopify: httpx.Client, sandbox: SandboxHandle) -> None:
    sandbox.shopify.bulk.fail_next = True
    failed = run_to_completion(shopify, sandbox.shopify, ORDERS_WITH_LINES)
    assert (failed["status"], failed["errorCode"], failed["url"]) == (
        "FAILED",
        "INTERNAL_SERVER_ERROR",
        None,
    )
    started = graphql(shopify, RUN, q=ORDERS_WITH_LINES)["data"]["bulkOperationRunQuery"]
    cancel = "mutation($id: ID!) { bulkOperationCancel(id: $id) { bulkOperation { status } "
    cancel += "userErrors { message } } }"
    answer = graphql(shopify, cancel, id=started["bulkOperation"]["id"])
    assert answer["data"]["bulkOperationCancel"]["bulkOperation"]["status"] == "CANCELED"


def test_a_query_without_a_connection_is_a_bulk_user_error(shopify: httpx.Client) -> None:
    answer = graphql(shopify, RUN, q="{ shop { name } }")["data"]["bulkOperationRunQuery"]
    assert answer["bulkOperation"] is None
    assert "connection" in answer["userErrors"][0]["message"]


def test_a_large_bulk_file_streams_without_being_held_in_memory() -> None:
    fake = ShopifyFake(customers=6000, seed=5, bulk_delay_seconds=0.01)
    server = BackgroundServer(create_shopify_app(fake), host="127.0.0.1", port=0, name="bulk")
    server.start()
    try:
        with httpx.Client(
            base_url=server.base_url, headers={"X-Shopify-Access-Token": "t"}, timeout=60
        ) as client:
            query = "{ orders { edges { node { id name lineItems { edges { node { id } } } } } } }"
            operation = run_to_completion(client, fake, query)
            size = int(operation["fileSize"])
            assert size > 1_000_000
            tracemalloc.start()
            received = 0
            with client.stream("GET", operation["url"]) as response:
                for chunk in response.iter_bytes():
                    received += len(chunk)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert received == size
        assert peak < size / 2, f"peak {peak} bytes for a {size}-byte file"
    finally:
        server.stop()


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []

        async def hook(request: Request) -> Response:
            self.requests.append((dict(request.headers), await request.body()))
            return Response("ok")

        self.server = BackgroundServer(
            Starlette(routes=[Route("/hooks", hook, methods=["POST"])]),
            host="127.0.0.1",
            port=0,
            name="receiver",
        )


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    hooks = Receiver()
    hooks.server.start()
    try:
        yield hooks
    finally:
        hooks.server.stop()


def test_webhook_subscriptions_and_signed_rest_shaped_deliveries(
    shopify: httpx.Client, sandbox: SandboxHandle, receiver: Receiver
) -> None:
    callback = f"{receiver.server.base_url}/hooks"
    create = """mutation($url: URL!) { webhookSubscriptionCreate(topic: CUSTOMERS_UPDATE,
      webhookSubscription: {callbackUrl: $url, format: JSON}) {
      webhookSubscription { id topic } userErrors { field message } } }"""
    made = graphql(shopify, create, url=callback)["data"]["webhookSubscriptionCreate"]
    assert made["userErrors"] == []
    again = graphql(shopify, create, url=callback)["data"]["webhookSubscriptionCreate"]
    assert again["userErrors"][0]["message"] == "Address for this topic has already been taken"
    listed = graphql(shopify, "{ webhookSubscriptions(first: 10) { nodes { id topic } } }")
    assert listed["data"]["webhookSubscriptions"]["nodes"] == [made["webhookSubscription"]]

    sent = sandbox.shopify.deliver("customers/update", 4)
    assert [d.status for d in sent] == [200]
    headers, body = receiver.requests[0]
    secret = b"sandbox-shopify-secret"
    expected = base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()
    assert headers["x-shopify-hmac-sha256"] == expected
    assert headers["x-shopify-topic"] == "customers/update"
    assert headers["x-shopify-shop-domain"].endswith(".myshopify.com")
    assert headers["x-shopify-api-version"] == "2025-01"
    assert headers["x-shopify-webhook-id"]
    assert headers["x-shopify-triggered-at"]
    payload = json.loads(body)
    assert payload["id"] == 4
    assert payload["admin_graphql_api_id"] == "gid://shopify/Customer/4"
    assert isinstance(payload["orders_count"], int)
    whole, cents = payload["total_spent"].split(".")
    assert whole.isdigit()
    assert len(cents) == 2
    assert set(payload["email_marketing_consent"] or {}) <= {
        "state",
        "opt_in_level",
        "consent_updated_at",
    }

    delete = (
        "mutation($id: ID!) { webhookSubscriptionDelete(id: $id) { deletedWebhookSubscriptionId } }"
    )
    gone = graphql(shopify, delete, id=made["webhookSubscription"]["id"])
    assert gone["data"]["webhookSubscriptionDelete"]["deletedWebhookSubscriptionId"]
    assert sandbox.shopify.deliver("CUSTOMERS_UPDATE", 4) == []
