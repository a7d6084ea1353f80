"""The Shopify client against scripted answers (httpx.MockTransport): what it sends, how it
reads pages and cursors, and how every failure is classified without leaking the token."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.core import ratelimit
from connectors.core.errors import (
    AuthError,
    ForbiddenError,
    NotReadyError,
    RateLimitedError,
    SyncError,
    VendorUnavailableError,
    VendorValidationError,
)
from connectors.core.ratelimit import RateLimitSignal
from connectors.shopify.bulk import bulk_query
from connectors.shopify.client import BulkOperationError, ShopifyClient
from connectors.shopify.cursors import BulkCursor, decode_bulk, decode_list
from connectors.shopify.settings import ShopifySettings
from connectors.shopify.streams import stream_spec

TOKEN = "shpat_secret_token_0123456789"
GRAPHQL_URL = "https://shop.test/admin/api/2025-01/graphql.json"
COST = {
    "requestedQueryCost": 502,
    "actualQueryCost": 120,
    "throttleStatus": {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 1880,
        "restoreRate": 100.0,
    },
}

Handler = Callable[[httpx.Request], httpx.Response]


def settings(**extra: Any) -> ShopifySettings:
    return ShopifySettings(
        shop_url="shop.test",
        access_token=SecretStr(TOKEN),
        api_secret=SecretStr("app-secret"),
        **extra,
    )


class Shop(httpx.MockTransport):
    """Answers GraphQL by the operation name in the document; keeps every request."""

    def __init__(self, routes: dict[str, Handler | list[Any]]) -> None:
        self.requests: list[httpx.Request] = []
        self.bodies: list[dict[str, Any]] = []

        def handle(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            if request.url.path.endswith("graphql.json"):
                body = json.loads(request.content)
                self.bodies.append(body)
                name = body["query"].split("(")[0].split("{")[0].split()[-1]
            else:
                name = "download"
            route = routes[name]
            if isinstance(route, list):
                answer = route.pop(0)
                return answer(request) if callable(answer) else _data(answer)
            return route(request)

        super().__init__(handle)


def _data(data: Any, cost: dict[str, Any] = COST) -> httpx.Response:
    return httpx.Response(200, json={"data": data, "extensions": {"cost": cost}})


def customer(n: int, updated: str) -> dict[str, Any]:
    return {"id": f"gid://shopify/Customer/{n}", "email": f"c{n}@example.com", "updatedAt": updated}


def page(connection: str, nodes: list[Any], end: str | None) -> dict[str, Any]:
    info = {"hasNextPage": end is not None, "endCursor": end}
    return {connection: {"pageInfo": info, "nodes": nodes}}


def test_a_page_is_one_graphql_post_with_the_token_in_its_header_only() -> None:
    shop = Shop({"ListCustomers": [page("customers", [customer(1, "2024-01-01T00:00:00Z")], None)]})
    with ShopifyClient(settings(), transport=shop) as client:
        result = client.list_page("customers", None, limit=50)
    (request,) = shop.requests
    assert str(request.url) == GRAPHQL_URL
    assert request.headers["x-shopify-access-token"] == TOKEN
    assert TOKEN not in str(request.url)
    assert TOKEN not in request.content.decode()
    variables = shop.bodies[0]["variables"]
    assert variables == {"first": 50, "after": None, "query": None}
    assert "sortKey: UPDATED_AT" in shop.bodies[0]["query"]
    assert [r["id"] for r in result.records] == ["1"]
    assert result.next_cursor is None
    assert result.high_water == "2024-01-01T00:00:00Z"
    assert result.info["query_cost"]["maximum"] == 2000.0
    assert result.info["query_cost"]["restore_rate"] == 100.0
    assert TOKEN not in json.dumps(result.info)
    assert TOKEN not in repr(client)


def test_an_incremental_job_searches_from_the_mark_minus_the_overlap_on_every_page() -> None:
    shop = Shop(
        {
            "ListCustomers": [
                page("customers", [customer(1, "2024-05-01T00:00:00Z")], "c1"),
                page("customers", [customer(2, "2024-05-02T00:00:00Z")], None),
            ]
        }
    )
    with ShopifyClient(settings(overlap_seconds=30), transport=shop) as client:
        first = client.list_page("customers", None, updated_since="2024-05-01T00:00:00Z")
        assert first.next_cursor is not None
        # A later call passing another mark still runs the job's own query.
        client.list_page("customers", first.next_cursor, updated_since="2030-01-01T00:00:00Z")
    queries = [b["variables"]["query"] for b in shop.bodies]
    assert queries == ["updated_at:>='2024-04-30T23:59:30Z'"] * 2
    assert [b["variables"]["after"] for b in shop.bodies] == [None, "c1"]


def test_records_sharing_one_timestamp_are_never_skipped_nor_passed_on_twice() -> None:
    tie = "2024-05-01T00:00:00Z"
    shop = Shop(
        {
            "ListCustomers": [
                page("customers", [customer(1, tie), customer(2, tie)], "c2"),
                # Shopify serves #2 again (its index caught up between the reads), then the
                # rest of the tie group and a later record.
                page(
                    "customers",
                    [customer(2, tie), customer(3, tie), customer(4, "2024-05-02T00:00:00Z")],
                    None,
                ),
            ]
        }
    )
    with ShopifyClient(settings(), transport=shop) as client:
        first = client.list_page("customers", None, updated_since=tie, limit=2)
        assert first.next_cursor is not None
        state = decode_list(first.next_cursor)
        assert (state.ts, state.id, state.after) == (tie, 2, "c2")
        second = client.list_page("customers", first.next_cursor, limit=2)
    ids = [r["id"] for r in first.records + second.records]
    assert ids == ["1", "2", "3", "4"]
    assert (first.high_water, second.high_water) == (tie, "2024-05-02T00:00:00Z")


def test_carts_report_their_high_water_mark_only_on_the_last_page() -> None:
    def cart(n: int, updated: str) -> dict[str, Any]:
        return {"id": f"gid://shopify/AbandonedCheckout/{n}", "updatedAt": updated}

    shop = Shop(
        {
            "ListAbandonedCheckouts": [
                page("abandonedCheckouts", [cart(1, "2024-05-09T00:00:00Z")], "k1"),
                page("abandonedCheckouts", [cart(2, "2024-05-03T00:00:00Z")], None),
            ]
        }
    )
    with ShopifyClient(settings(), transport=shop) as client:
        first = client.list_page("carts", None, updated_since="2024-05-01T00:00:00Z")
        assert first.next_cursor is not None
        last = client.list_page("carts", first.next_cursor)
    assert "sortKey: ID" in shop.bodies[0]["query"]
    assert first.high_water is None
    assert last.high_water == "2024-05-09T00:00:00Z"
    assert last.next_cursor is None


def test_an_order_with_more_line_items_than_a_page_reads_gets_the_rest() -> None:
    def item(n: int) -> dict[str, Any]:
        return {
            "id": f"gid://shopify/LineItem/{n}",
            "quantity": 1,
            "product": {"id": "gid://shopify/Product/1"},
        }

    order = {
        "id": "gid://shopify/Order/9",
        "updatedAt": "2024-05-01T00:00:00Z",
        "lineItems": {
            "pageInfo": {"hasNextPage": True, "endCursor": "li10"},
            "nodes": [item(n) for n in range(10)],
        },
    }
    rest = {
        "node": {
            "lineItems": {
                "pageInfo": {"hasNextPage": False, "endCursor": None},
                "nodes": [item(10), item(11)],
            }
        }
    }
    shop = Shop({"ListOrders": [page("orders", [order], None)], "MorelineItems": [rest]})
    with ShopifyClient(settings(), transport=shop) as client:
        result = client.list_page("orders", None)
    assert len(result.records[0]["line_items"]) == 12
    assert shop.bodies[1]["variables"] == {"id": "gid://shopify/Order/9", "after": "li10"}


def test_the_gate_is_told_the_requested_cost_and_learns_the_bucket_from_throttle_status() -> None:
    seen: list[tuple[str, Any]] = []

    class Gate:
        def admit(
            self, vendor: str, credential: SecretStr | None, operation: str, cost: int
        ) -> None:
            assert credential is not None
            assert credential.get_secret_value() == TOKEN
            seen.append(("admit", (vendor, operation, cost)))

        def observe(
            self, vendor: str, credential: SecretStr | None, operation: str, signal: RateLimitSignal
        ) -> None:
            seen.append(("observe", signal))

    shop = Shop({"ListCustomers": [page("customers", [], None), page("customers", [], None)]})
    ratelimit.install_gate(Gate())
    try:
        with ShopifyClient(settings(), transport=shop) as client:
            estimate = client.estimated_cost("customers", 100)
            client.list_page("customers", None, limit=100)
            client.list_page("customers", None, limit=100)
            assert client.throttle_status is not None
            assert client.throttle_status.restore_rate == 100.0
    finally:
        ratelimit.install_gate(None)
    assert estimate == 2 + 100 * 6
    assert seen[0] == ("admit", ("shopify", "list_customers", estimate))
    signal = seen[1][1]
    assert (signal.limit, signal.remaining, signal.throttled) == (2000, 1880, False)
    assert seen[2] == ("admit", ("shopify", "list_customers", 502))  # Shopify's own figure


def test_a_throttled_answer_waits_until_the_requested_cost_has_refilled() -> None:
    body = {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {
            "cost": {
                "requestedQueryCost": 750,
                "actualQueryCost": None,
                "throttleStatus": {
                    "maximumAvailable": 1000,
                    "currentlyAvailable": 150,
                    "restoreRate": 50,
                },
            }
        },
    }
    shop = Shop({"ListCustomers": lambda r: httpx.Response(200, json=body)})
    with (
        ShopifyClient(settings(), transport=shop) as client,
        pytest.raises(RateLimitedError) as caught,
    ):
        client.list_page("customers", None)
    assert caught.value.wait_seconds == pytest.approx(12.0)  # (750 - 150) / 50
    assert pickle.loads(pickle.dumps(caught.value)).wait_seconds == pytest.approx(12.0)  # noqa: S301 - our own bytes


def _error(status: int, body: Any) -> Handler:
    return lambda request: httpx.Response(status, json=body)


@pytest.mark.parametrize(
    ("handler", "kind"),
    [
        (_error(401, {"errors": "[API] Invalid API key or access token"}), AuthError),
        (_error(403, {"errors": "Forbidden"}), ForbiddenError),
        (_error(402, {"errors": "Unavailable Shop"}), ForbiddenError),
        (_error(423, {"errors": "Locked"}), ForbiddenError),
        (_error(429, {"errors": "Exceeded 2 calls per second"}), RateLimitedError),
        (_error(500, {"errors": "Internal error"}), VendorUnavailableError),
        (_error(503, {}), VendorUnavailableError),
        (lambda r: httpx.Response(200, text="<html>maintenance</html>"), VendorUnavailableError),
        (
            _error(
                200,
                {
                    "errors": [
                        {
                            "message": "Access denied for customers. Required: `read_customers`.",
                            "extensions": {"code": "ACCESS_DENIED"},
                        }
                    ]
                },
            ),
            ForbiddenError,
        ),
        (
            _error(
                200,
                {
                    "errors": [
                        {
                            "message": "Internal error",
                            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                        }
                    ]
                },
            ),
            VendorUnavailableError,
        ),
        (
            _error(
                200,
                {
                    "errors": [
                        {
                            "message": "Field 'nope' doesn't exist on type 'Customer'",
                            "extensions": {"code": "undefinedField"},
                        }
                    ]
                },
            ),
            VendorValidationError,
        ),
        (
            _error(
                200,
                {
                    "errors": [
                        {
                            "message": "Query cost is 1502, which exceeds the max cost (1000).",
                            "extensions": {"code": "MAX_COST_EXCEEDED"},
                        }
                    ]
                },
            ),
            VendorValidationError,
        ),
        (_error(200, {"data": {"customers": None}}), VendorUnavailableError),
    ],
)
def test_every_failure_is_one_error_of_the_taxonomy_and_never_names_the_token(
    handler: Handler, kind: type[SyncError]
) -> None:
    shop = Shop({"ListCustomers": handler})
    with ShopifyClient(settings(), transport=shop) as client, pytest.raises(kind) as caught:
        client.list_page("customers", None)
    assert type(caught.value) is kind
    assert caught.value.vendor == "shopify"
    assert caught.value.operation == "list_customers"
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value)


def test_a_timeout_is_vendor_unavailable_and_a_retried_call_resumes_from_its_cursor() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    shop = Shop(
        {
            "ListCustomers": [
                page("customers", [customer(1, "2024-05-01T00:00:00Z")], "c1"),
                timeout,
                page("customers", [customer(2, "2024-05-02T00:00:00Z")], None),
            ]
        }
    )
    with ShopifyClient(settings(), transport=shop) as client:
        first = client.list_page("customers", None)
        with pytest.raises(VendorUnavailableError, match="ReadTimeout"):
            client.list_page("customers", first.next_cursor)
        again = client.list_page("customers", first.next_cursor)
    assert [r["id"] for r in again.records] == ["2"]
    assert shop.bodies[1] == shop.bodies[2]


def test_get_record_presents_one_node_and_gives_none_when_shopify_has_none() -> None:
    node = {"__typename": "Customer", **customer(5, "2024-05-01T00:00:00Z")}
    shop = Shop({"GetCustomer": [{"node": node}, {"node": None}]})
    with ShopifyClient(settings(), transport=shop) as client:
        found = client.get_record("customers", "5")
        assert client.get_record("customers", "gid://shopify/Customer/6") is None
        with pytest.raises(ValueError, match="numeric Shopify id"):
            client.get_record("customers", "x")
    assert found is not None
    assert found["id"] == "5"
    assert found["email"] == "c5@example.com"
    assert [b["variables"]["id"] for b in shop.bodies] == [
        "gid://shopify/Customer/5",
        "gid://shopify/Customer/6",
    ]


def test_shop_info_names_the_shop_its_plan_and_the_granted_scopes() -> None:
    answer = {
        "shop": {
            "name": "Demo",
            "myshopifyDomain": "demo.myshopify.com",
            "currencyCode": "EUR",
            "ianaTimezone": "Europe/Paris",
            "plan": {"displayName": "Basic", "shopifyPlus": False},
        },
        "currentAppInstallation": {
            "accessScopes": [{"handle": "read_orders"}, {"handle": "read_customers"}]
        },
    }
    with ShopifyClient(settings(), transport=Shop({"ShopInfo": [answer]})) as client:
        info = client.shop_info()
    assert info == {
        "name": "Demo",
        "domain": "demo.myshopify.com",
        "currency": "EUR",
        "timezone": "Europe/Paris",
        "plan": "Basic",
        "shopify_plus": False,
        "scopes": ["read_customers", "read_orders"],
    }


# -- bulk backfills ----------------------------------------------------------------------------

OP = "gid://shopify/BulkOperation/7"
RESULT_URL = "https://storage.test/results/7.jsonl?X-Goog-Signature=sig"
RESULT = (
    b'{"id":"gid://shopify/Order/1","name":"#1","updatedAt":"2024-01-01T00:00:00Z"}\n'
    b'{"id":"gid://shopify/LineItem/10","quantity":1,"__parentId":"gid://shopify/Order/1"}\n'
    b'{"id":"gid://shopify/Order/2","name":"#2","updatedAt":"2024-01-02T00:00:00Z"}\n'
    b'{"id":"gid://shopify/Order/3","name":"#3","updatedAt":"2024-01-03T00:00:00Z"}\n'
)


def operation(status: str, **extra: Any) -> dict[str, Any]:
    return {"node": {"id": OP, "status": status, "objectCount": "4", "url": None, **extra}}


def ranged(request: httpx.Request) -> httpx.Response:
    assert "x-shopify-access-token" not in request.headers
    start = int(request.headers.get("range", "bytes=0-")[6:-1])
    return httpx.Response(206 if start else 200, content=RESULT[start:])


def started() -> list[Any]:
    return [
        {
            "bulkOperationRunQuery": {
                "bulkOperation": {"id": OP, "status": "CREATED"},
                "userErrors": [],
            }
        }
    ]


def test_a_backfill_starts_an_export_waits_for_it_and_reads_every_order_once() -> None:
    done = operation("COMPLETED", url=RESULT_URL)
    shop = Shop(
        {
            "RunBulk": started(),
            "GetBulk": [operation("RUNNING"), done, done, done],
            "download": ranged,
        }
    )
    with ShopifyClient(settings(bulk_poll_seconds=2), transport=shop) as client:
        start = client.backfill_page("orders", None)
        assert start.records == []
        assert start.next_cursor is not None
        assert decode_bulk(start.next_cursor).op == OP
        with pytest.raises(NotReadyError) as waiting:
            client.backfill_page("orders", start.next_cursor, limit=2)
        assert waiting.value.wait_seconds == 2
        assert waiting.value.category == "not_ready"
        assert pickle.loads(pickle.dumps(waiting.value)).wait_seconds == 2  # noqa: S301 - our own bytes
        first = client.backfill_page("orders", start.next_cursor, limit=2)
        assert first.next_cursor is not None
        second = client.backfill_page("orders", first.next_cursor, limit=2)
    mutation = shop.bodies[0]
    assert "groupObjects: true" in mutation["query"]
    assert "lineItems { edges { node" in mutation["variables"]["query"]
    assert [r["id"] for r in first.records + second.records] == ["1", "2", "3"]
    assert first.records[0]["line_items"][0]["id"] == "10"
    assert second.next_cursor is None
    third_order = RESULT.index(b'{"id":"gid://shopify/Order/3"')
    assert shop.requests[-1].headers["range"] == f"bytes={third_order}-"
    assert RESULT_URL not in json.dumps(first.info)


def test_an_expired_result_url_is_fetched_again_from_the_operation() -> None:
    fresh = "https://storage.test/results/7.jsonl?X-Goog-Signature=fresh"
    downloads: list[str] = []

    def storage(request: httpx.Request) -> httpx.Response:
        downloads.append(str(request.url))
        if "fresh" not in str(request.url):
            return httpx.Response(403, text="<Error>ExpiredToken</Error>")
        return httpx.Response(200, content=RESULT)

    shop = Shop(
        {
            "GetBulk": [operation("COMPLETED", url=RESULT_URL), operation("COMPLETED", url=fresh)],
            "download": storage,
        }
    )
    cursor = BulkCursor(op=OP).encode()
    with ShopifyClient(settings(), transport=shop) as client:
        result = client.backfill_page("orders", cursor, limit=10)
    assert len(result.records) == 3
    assert downloads == [RESULT_URL, fresh]


def test_a_second_export_while_another_runs_waits_and_our_own_is_carried_on() -> None:
    busy = {
        "bulkOperationRunQuery": {
            "bulkOperation": None,
            "userErrors": [
                {
                    "code": "OPERATION_IN_PROGRESS",
                    "field": None,
                    "message": "A bulk query operation for this app and shop is in progress",
                }
            ],
        }
    }
    other = {
        "currentBulkOperation": {
            "id": "gid://shopify/BulkOperation/1",
            "status": "RUNNING",
            "query": "{ products { edges { node { id } } } }",
        }
    }
    ours = {
        "currentBulkOperation": {
            "id": OP,
            "status": "RUNNING",
            "query": bulk_query(stream_spec("customers")),
        }
    }
    shop = Shop({"RunBulk": [busy, busy], "CurrentBulk": [other, ours]})
    with ShopifyClient(settings(), transport=shop) as client:
        with pytest.raises(NotReadyError, match="BulkOperation/1 is still running"):
            client.backfill_page("customers", None)
        carried = client.backfill_page("customers", None)
    assert carried.next_cursor is not None
    assert decode_bulk(carried.next_cursor).op == OP


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        ("FAILED", "ACCESS_DENIED", ForbiddenError),
        ("FAILED", "TIMEOUT", VendorUnavailableError),
        ("FAILED", "INTERNAL_SERVER_ERROR", VendorUnavailableError),
        ("CANCELED", None, BulkOperationError),
        ("EXPIRED", None, BulkOperationError),
    ],
)
def test_an_export_that_ended_without_a_result_is_a_clear_error(
    status: str, code: str | None, kind: type[SyncError]
) -> None:
    shop = Shop({"GetBulk": [operation(status, errorCode=code)]})
    cursor = BulkCursor(op=OP).encode()
    with ShopifyClient(settings(), transport=shop) as client, pytest.raises(kind) as caught:
        client.backfill_page("orders", cursor)
    assert OP in str(caught.value)


def test_a_completed_export_of_nothing_is_one_empty_last_page() -> None:
    shop = Shop({"GetBulk": [operation("COMPLETED", objectCount="0")]})
    cursor = BulkCursor(op=OP).encode()
    with ShopifyClient(settings(), transport=shop) as client:
        result = client.backfill_page("orders", cursor)
    assert (result.records, result.next_cursor) == ([], None)


def test_without_an_access_token_the_client_names_the_setting() -> None:
    from connectors.core.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        ShopifyClient(ShopifySettings(shop_url="shop.test"))
    assert caught.value.key_path == "connectors.shopify.access_token"
