"""Reading a bulk export's JSONL a page at a time: children joined, offsets exact."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from connectors.shopify.bulk import MALFORMED_KEY, bulk_query, read_page
from connectors.shopify.cursors import (
    BulkCursor,
    InvalidCursor,
    ListCursor,
    decode_bulk,
    decode_list,
)
from connectors.shopify.streams import STREAMS, stream_spec


def jsonl(*objects: object) -> bytes:
    return b"".join(json.dumps(o).encode() + b"\n" for o in objects)


def order(n: int) -> dict[str, object]:
    return {"id": f"gid://shopify/Order/{n}", "name": f"#{n}"}


def line(order_id: int, n: int) -> dict[str, object]:
    return {"id": f"gid://shopify/LineItem/{n}", "__parentId": f"gid://shopify/Order/{order_id}"}


FILE = jsonl(order(1), line(1, 10), line(1, 11), order(2), order(3), line(3, 30))


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("chunk_size", [1, 7, 4096])
def test_children_join_their_parent_and_the_next_page_starts_at_the_next_parent_line(
    chunk_size: int,
) -> None:
    first = read_page(chunks(FILE, chunk_size), start=0, limit=1, child_field="lineItems")
    assert [r["id"] for r in first.records] == ["gid://shopify/Order/1"]
    assert [c["id"] for c in first.records[0]["lineItems"]["nodes"]] == [
        "gid://shopify/LineItem/10",
        "gid://shopify/LineItem/11",
    ]
    assert "__parentId" not in first.records[0]["lineItems"]["nodes"][0]
    assert first.next_offset == FILE.index(b'{"id": "gid://shopify/Order/2"')
    rest = FILE[first.next_offset :]
    second = read_page(
        chunks(rest, chunk_size), start=first.next_offset, limit=2, child_field="lineItems"
    )
    assert [r["id"] for r in second.records] == ["gid://shopify/Order/2", "gid://shopify/Order/3"]
    assert "lineItems" not in second.records[0]
    assert second.records[1]["lineItems"]["nodes"] == [{"id": "gid://shopify/LineItem/30"}]
    assert second.next_offset is None


def test_a_page_boundary_after_the_last_child_still_reads_every_child_of_the_last_parent() -> None:
    page = read_page(iter([FILE]), start=0, limit=3, child_field="lineItems")
    assert [len(r.get("lineItems", {"nodes": []})["nodes"]) for r in page.records] == [2, 0, 1]
    assert page.next_offset is None
    assert page.orphans == 0


def test_a_file_without_a_final_newline_reads_its_last_line() -> None:
    page = read_page(iter([FILE.rstrip(b"\n")]), start=0, limit=10, child_field="lineItems")
    assert page.records[-1]["lineItems"]["nodes"] == [{"id": "gid://shopify/LineItem/30"}]


def test_malformed_lines_become_records_to_dead_letter_and_orphans_are_counted() -> None:
    data = jsonl(order(1)) + b"{not json\n" + jsonl(line(9, 90), [1, 2])
    page = read_page(iter([data]), start=0, limit=10, child_field="lineItems")
    assert page.records[1] == {MALFORMED_KEY: "{not json"}
    assert page.records[2] == {MALFORMED_KEY: "[1, 2]"}
    assert (page.malformed, page.orphans) == (2, 1)


def test_the_orders_bulk_query_nests_line_items_as_a_child_connection() -> None:
    query = bulk_query(stream_spec("orders"))
    assert query.startswith("{ orders { edges { node { id name")
    assert "lineItems { edges { node { id title" in query
    assert "first:" not in query
    assert "lineItems" not in bulk_query(stream_spec("customers"))


def test_every_stream_page_stays_within_shopifys_cost_cap_and_its_page_limit() -> None:
    for spec in STREAMS.values():
        assert 1 <= spec.page_size <= 250
        assert spec.requested_cost(spec.page_size) <= 1000
    assert stream_spec("carts").connection == "abandonedCheckouts"
    assert stream_spec("carts").sort_key == "ID"
    assert stream_spec("customers").sort_key == "UPDATED_AT"
    with pytest.raises(KeyError, match="known: carts, customers, orders, products"):
        stream_spec("refunds")


def test_cursors_round_trip_and_anything_else_is_refused() -> None:
    cursor = ListCursor(since="2024-01-01T00:00:00Z", after="abc", ts="2024-01-02T00:00:00Z", id=7)
    assert decode_list(cursor.encode()) == cursor
    assert decode_bulk(BulkCursor(op="gid://shopify/BulkOperation/1", offset=42).encode()) == (
        BulkCursor(op="gid://shopify/BulkOperation/1", offset=42)
    )
    for bad in ("", "l1.%%%", "l1.WzFd", BulkCursor(op="x").encode(), "b1.e30"):
        with pytest.raises(InvalidCursor):
            decode_list(bad)
    with pytest.raises(InvalidCursor):
        decode_bulk(cursor.encode())
