"""The Shopify fake's connections over real HTTP: paging, search filters, sorts, single reads,
related data that agrees, errors as Shopify words them, malformed records."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.server import SandboxHandle

GRAPHQL = "/admin/api/2025-01/graphql.json"
PAGE = """
query Page($first: Int, $after: String, $query: String, $sortKey: CustomerSortKeys,
           $reverse: Boolean) {
  customers(first: $first, after: $after, query: $query, sortKey: $sortKey, reverse: $reverse) {
    edges { cursor node { id updatedAt email numberOfOrders } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


@pytest.fixture
def shopify(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sandbox.urls["shopify"],
        headers={"X-Shopify-Access-Token": "shpat_test"},
        timeout=10,
    ) as client:
        yield client


def graphql(client: httpx.Client, document: str, **variables: Any) -> dict[str, Any]:
    response = client.post(GRAPHQL, json={"query": document, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "cost" in body["extensions"]
    return body


def all_customers(client: httpx.Client, **variables: Any) -> list[dict[str, Any]]:
    nodes, after = [], None
    while True:
        page = graphql(client, PAGE, first=100, after=after, **variables)["data"]["customers"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def numeric(gid: str) -> int:
    return int(gid.rsplit("/", 1)[1])


def test_paging_to_the_end_lists_every_customer_once_in_id_order(
    shopify: httpx.Client, sandbox: SandboxHandle
) -> None:
    ids = [numeric(node["id"]) for node in all_customers(shopify)]
    assert ids == list(range(1, sandbox.shopify.customer_count + 1))


def test_updated_at_sort_has_ties_and_breaks_them_on_id(shopify: httpx.Client) -> None:
    nodes = all_customers(shopify, sortKey="UPDATED_AT")
    keys = [(node["updatedAt"], numeric(node["id"])) for node in nodes]
    assert keys == sorted(keys)
    assert len({node["updatedAt"] for node in nodes}) < len(nodes)


def test_updated_at_and_id_filters_combine_with_and(shopify: httpx.Client) -> None:
    everyone = all_customers(shopify, sortKey="UPDATED_AT")
    pivot = everyone[len(everyone) // 2]["updatedAt"]
    later = all_customers(shopify, sortKey="UPDATED_AT", query=f"updated_at:>='{pivot}' AND id:>10")
    expected = [n for n in everyone if n["updatedAt"] >= pivot and numeric(n["id"]) > 10]
    assert later == expected
    earlier = all_customers(shopify, query=f"updated_at:<{pivot}")
    assert {n["id"] for n in earlier} == {n["id"] for n in everyone if n["updatedAt"] < pivot}


def test_touched_customers_move_to_the_end_with_one_shared_updated_at(
    shopify: httpx.Client, sandbox: SandboxHandle
) -> None:
    stamp = sandbox.shopify.touch("customers", [5, 3, 9])
    nodes = all_customers(shopify, sortKey="UPDATED_AT", query=f"updated_at:>={stamp}")
    assert [numeric(n["id"]) for n in nodes] == [3, 5, 9]
    assert {n["updatedAt"] for n in nodes} == {stamp}


def test_reverse_and_last_before_page_backwards(shopify: httpx.Client) -> None:
    newest = graphql(shopify, PAGE, first=3, reverse=True)["data"]["customers"]
    ids = [numeric(e["node"]["id"]) for e in newest["edges"]]
    assert ids == sorted(ids, reverse=True)
    query = """query($before: String) { customers(last: 2, before: $before) {
        nodes { id } pageInfo { hasPreviousPage hasNextPage } } }"""
    page = graphql(shopify, PAGE, first=5)["data"]["customers"]
    before = page["edges"][4]["cursor"]
    back = graphql(shopify, query, before=before)["data"]["customers"]
    assert [numeric(n["id"]) for n in back["nodes"]] == [3, 4]
    assert back["pageInfo"] == {"hasPreviousPage": True, "hasNextPage": True}


def test_deleted_and_added_customers_show_in_the_listing(
    shopify: httpx.Client, sandbox: SandboxHandle
) -> None:
    sandbox.shopify.delete("customers", [2])
    added = sandbox.shopify.add("customers", 2)
    ids = [numeric(n["id"]) for n in all_customers(shopify)]
    assert 2 not in ids
    assert ids[-2:] == added


def test_customer_aggregates_agree_with_their_orders(shopify: httpx.Client) -> None:
    query = """{ customers(first: 15) { nodes { id numberOfOrders amountSpent { amount }
        lastOrder { id } orders(first: 10) { nodes { id cancelledAt
        totalPriceSet { shopMoney { amount } } customer { id } } } } } }"""
    for customer in graphql(shopify, query)["data"]["customers"]["nodes"]:
        orders = customer["orders"]["nodes"]
        assert int(customer["numberOfOrders"]) == len(orders)
        spent = sum(
            float(o["totalPriceSet"]["shopMoney"]["amount"]) for o in orders if not o["cancelledAt"]
        )
        assert float(customer["amountSpent"]["amount"]) == pytest.approx(spent)
        assert customer["lastOrder"] == ({"id": orders[-1]["id"]} if orders else None)
        assert all(o["customer"]["id"] == customer["id"] for o in orders)


def test_single_reads_node_and_nodes_return_the_same_records(shopify: httpx.Client) -> None:
    query = """{ customer(id: "gid://shopify/Customer/7") { id email }
        order(id: "gid://shopify/Order/1") { id name lineItems(first: 5) { nodes { sku
          variant { id } product { id } } } }
        product(id: "gid://shopify/Product/2") { id title priceRangeV2 { minVariantPrice {
          amount currencyCode } } variants(first: 5) { nodes { id sku price } } }
        node(id: "gid://shopify/Customer/7") { id ... on Customer { email } }
        nodes(ids: ["gid://shopify/Product/2", "gid://shopify/Customer/999999"]) { id } }"""
    data = graphql(shopify, query)["data"]
    assert data["node"] == data["customer"]
    assert data["nodes"] == [{"id": "gid://shopify/Product/2"}, None]
    assert data["order"]["lineItems"]["nodes"]
    assert data["product"]["variants"]["nodes"][0]["price"].replace(".", "").isdigit()


def test_unknown_fields_and_oversized_pages_are_graphql_errors(shopify: httpx.Client) -> None:
    unknown = graphql(shopify, "{ customers(first: 1) { nodes { shoeSize } } }")
    assert unknown["errors"][0]["message"] == "Field 'shoeSize' doesn't exist on type 'Customer'"
    assert unknown["errors"][0]["extensions"]["code"] == "undefinedField"
    too_many = graphql(shopify, "{ customers(first: 251) { nodes { id } } }")
    assert "250" in too_many["errors"][0]["message"]
    no_size = graphql(shopify, "{ customers { nodes { id } } }")
    assert no_size["errors"][0]["message"] == "you must provide one of first or last"


def test_abandoned_checkouts_and_products_page_like_customers(shopify: httpx.Client) -> None:
    query = """{ abandonedCheckouts(first: 5) { nodes { id abandonedCheckoutUrl createdAt
        completedAt customer { id } totalPriceSet { shopMoney { amount currencyCode } }
        lineItems(first: 5) { nodes { title quantity } } } }
        products(first: 5, sortKey: UPDATED_AT) { nodes { id handle status vendor
        featuredImage { url } onlineStoreUrl } } }"""
    data = graphql(shopify, query)["data"]
    assert len(data["abandonedCheckouts"]["nodes"]) == 5
    assert all(p["handle"] for p in data["products"]["nodes"])


def test_malformed_switch_breaks_a_share_of_records_but_keeps_their_ids(
    shopify: httpx.Client, sandbox: SandboxHandle
) -> None:
    sandbox.shopify.set_malformed(0.5)
    query = "{ customers(first: 100) { nodes { id email phone firstName numberOfOrders } } }"
    nodes = graphql(shopify, query)["data"]["customers"]["nodes"]
    broken = [
        n
        for n in nodes
        if not isinstance(n["numberOfOrders"], str)
        or (n["email"] is not None and "@@" in n["email"])
        or n["phone"] == "call me maybe"
        or len(n["firstName"] or "") > 10_000
    ]
    assert 10 < len(broken) < 90
    assert [numeric(n["id"]) for n in nodes] == list(range(1, 101))
