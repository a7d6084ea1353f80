"""The Shopify fake's calculated query cost, leaky bucket, THROTTLED answers, access scopes and
failure switches, over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.server import SandboxHandle
from sandbox.shopify import ShopifyFake

GRAPHQL = "/admin/api/2025-01/graphql.json"
CUSTOMERS_250 = "{ customers(first: 250) { edges { node { id email } } } }"


@pytest.fixture
def shopify(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sandbox.urls["shopify"],
        headers={"X-Shopify-Access-Token": "shpat_test"},
        timeout=10,
    ) as client:
        yield client


def post(client: httpx.Client, document: str) -> httpx.Response:
    return client.post(GRAPHQL, json={"query": document})


def test_requested_cost_follows_shopifys_rules_and_actual_cost_is_refunded(
    shopify: httpx.Client, sandbox: SandboxHandle
) -> None:
    # A connection is 2 plus `first` times one node (an object: 1; scalars: 0).
    body = post(shopify, CUSTOMERS_250).json()
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 252
    # The sandbox has fewer customers than asked for: the actual cost counts what came back.
    assert cost["actualQueryCost"] == 2 + sandbox.shopify.customer_count
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 2000.0
    assert status["restoreRate"] == 100.0
    assert status["currentlyAvailable"] == pytest.approx(2000 - cost["actualQueryCost"], abs=10)
    mutation = 'mutation { webhookSubscriptionDelete(id: "gid://shopify/WebhookSubscription/9") '
    mutation += "{ userErrors { message } } }"
    assert post(shopify, mutation).json()["extensions"]["cost"]["requestedQueryCost"] == 10


def test_a_query_that_does_not_fit_the_bucket_is_throttled_with_http_200(
    shopify: httpx.Client, sandbox: SandboxHandle
) -> None:
    sandbox.shopify.set_bucket(1000, 50)
    answers = [post(shopify, CUSTOMERS_250) for _ in range(6)]
    assert {a.status_code for a in answers} == {200}
    throttled = [a.json() for a in answers if "errors" in a.json()]
    assert throttled, "1000 points cannot pay for six 252-point queries"
    first = throttled[0]
    assert first["errors"][0]["message"] == "Throttled"
    assert first["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert first["extensions"]["cost"]["actualQueryCost"] is None
    status = first["extensions"]["cost"]["throttleStatus"]
    assert status["maximumAvailable"] == 1000.0
    assert status["restoreRate"] == 50.0
    assert status["currentlyAvailable"] < 252
    counters = sandbox.shopify.counters
    assert counters.requests == 6
    assert counters.throttled == len(throttled)
    assert counters.points_spent > 0


def test_a_query_over_the_single_query_limit_is_refused_before_running(
    shopify: httpx.Client,
) -> None:
    document = "{ customers(first: 250) { nodes { id orders(first: 10) { nodes { id } } } } }"
    error = post(shopify, document).json()["errors"][0]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["extensions"]["maxCost"] == 1000


def test_a_throttle_storm_answers_throttled_whatever_the_bucket_holds(
    shopify: httpx.Client, sandbox: SandboxHandle
) -> None:
    sandbox.shopify.throttle_storm(count=3)
    codes = [
        post(shopify, "{ shop { name } }").json().get("errors", [{}])[0].get("extensions", {})
        for _ in range(4)
    ]
    assert [c.get("code") for c in codes] == ["THROTTLED"] * 3 + [None]


def test_wrong_or_missing_token_gets_shopifys_401(sandbox: SandboxHandle) -> None:
    url = sandbox.urls["shopify"] + GRAPHQL
    missing = httpx.post(url, json={"query": "{ shop { name } }"}, timeout=5)
    assert missing.status_code == 401
    assert missing.json()["errors"].startswith("[API] Invalid API key or access token")


def test_a_configured_token_is_the_only_one_accepted() -> None:
    fake = ShopifyFake(customers=3, token="shpat_right")
    assert fake.accepts("shpat_right")
    assert not fake.accepts("shpat_wrong")
    assert "shpat_right" not in repr(fake)


def test_missing_scope_is_access_denied_with_the_required_scope(
    shopify: httpx.Client, sandbox: SandboxHandle
) -> None:
    sandbox.shopify.set_scopes(["read_orders"])
    body = post(shopify, "{ customers(first: 1) { nodes { id } } }").json()
    error = body["errors"][0]
    assert error["extensions"]["code"] == "ACCESS_DENIED"
    assert error["extensions"]["requiredAccess"] == "`read_customers` access scope."
    scopes = post(shopify, "{ currentAppInstallation { accessScopes { handle } } }").json()
    handles = scopes["data"]["currentAppInstallation"]["accessScopes"]
    assert handles == [{"handle": "read_orders"}]


@pytest.mark.parametrize("status", [401, 403, 500, 503])
def test_failure_switches_answer_the_status_with_shopifys_body(
    shopify: httpx.Client, sandbox: SandboxHandle, status: int
) -> None:
    sandbox.shopify.failures.set(status, count=1)
    failed = post(shopify, "{ shop { name } }")
    assert failed.status_code == status
    assert isinstance(failed.json()["errors"], str)
    assert post(shopify, "{ shop { name } }").status_code == 200


def test_slow_switch_delays_the_answer(shopify: httpx.Client, sandbox: SandboxHandle) -> None:
    sandbox.shopify.failures.set("slow", count=1, delay_seconds=0.3)
    started = time.monotonic()
    assert post(shopify, "{ shop { name } }").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_failure_rules_and_bucket_can_be_set_over_http(sandbox: SandboxHandle) -> None:
    base = sandbox.urls["shopify"]
    assert httpx.post(
        f"{base}/_sandbox/bucket", json={"size": 1000, "restore_rate": 50}
    ).json() == {
        "size": 1000.0,
        "restore_rate": 50.0,
    }
    rules: dict[str, Any] = httpx.post(
        f"{base}/_sandbox/failures", json={"mode": 503, "count": 2}
    ).json()
    assert rules["failures"][0]["mode"] == 503
