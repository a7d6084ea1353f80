"""Relay connections over one resource: `first/after`, `last/before`, `reverse`, `sortKey`.

Cursors are opaque to clients; here they carry the sort key of the edge they stand for
(`{"last_id": 42, "last_value": 1705314600, "sort": "updated"}`), so a page is "the records
strictly after that key" and paging to the end neither skips nor repeats one while nothing
changes. https://shopify.dev/docs/api/usage/pagination-graphql
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError

from sandbox.shopify.keyset import CREATED, UPDATED, Key, Keyed, Window, scan, sort_key
from sandbox.shopify.nested import page_size_args
from sandbox.shopify.timeline import Timeline

#: Sort keys that follow creation order (ids are handed out in creation order).
SORT_ORDERS = {
    "ID": CREATED,
    "CREATED_AT": CREATED,
    "PROCESSED_AT": CREATED,
    "ORDER_NUMBER": CREATED,
    "CHECKOUT_ID": CREATED,
    "RELEVANCE": CREATED,
    "UPDATED_AT": UPDATED,
}

BuildNode = Callable[[int], dict[str, Any] | None]


@dataclass(frozen=True)
class PageOfIds:
    ids: list[tuple[Key, int]]
    has_next: bool
    has_previous: bool


def sort_order(sort_key_name: str | None) -> str:
    order = SORT_ORDERS.get(sort_key_name or "ID")
    if order is None:
        raise GraphQLError(f"Sorting by {sort_key_name} is not supported by this sandbox.")
    return order


def encode_cursor(order: str, key: Key) -> str:
    payload = {"last_id": key[1], "last_value": key[0], "sort": order}
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def decode_cursor(order: str, cursor: object) -> Key:
    try:
        payload = json.loads(base64.b64decode(str(cursor), validate=True))
        if payload["sort"] != order:
            raise ValueError("cursor of another sort")
        return (int(payload["last_value"]), int(payload["last_id"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphQLError("Invalid cursor for current pagination sort.") from exc


def page_ids(timeline: Timeline, order: str, window: Window, args: dict[str, Any]) -> PageOfIds:
    first, last = page_size_args(args)
    reverse = bool(args.get("reverse"))
    after = None if args.get("after") is None else decode_cursor(order, args["after"])
    before = None if args.get("before") is None else decode_cursor(order, args["before"])

    def forward(start: Key | None, stop: Key | None, descending: bool) -> Iterator[Keyed]:
        stream = scan(timeline, order, window, descending=descending, after=start)
        if stop is None:
            return stream
        return itertools.takewhile(
            lambda item: item[0] < stop if not descending else item[0] > stop, stream
        )

    if first is not None:
        window_items = list(itertools.islice(forward(after, before, reverse), first + 1))
        items = window_items[:first]
        has_next = len(window_items) > first
        anchor = items[0][0] if items else after
        has_previous = anchor is not None and _any(forward(anchor, None, not reverse))
        return PageOfIds(items, has_next, has_previous)
    assert last is not None
    window_items = list(itertools.islice(forward(before, after, not reverse), last + 1))
    items = list(reversed(window_items[:last]))
    has_previous = len(window_items) > last
    anchor = items[-1][0] if items else before
    has_next = anchor is not None and _any(forward(anchor, None, reverse))
    return PageOfIds(items, has_next, has_previous)


def _any(stream: Iterator[Keyed]) -> bool:
    return next(stream, None) is not None


def connection(
    timeline: Timeline, order: str, window: Window, args: dict[str, Any], build: BuildNode
) -> dict[str, Any]:
    page = page_ids(timeline, order, window, args)
    edges = []
    for key, record_id in page.ids:
        node = build(record_id)
        if node is not None:
            edges.append({"cursor": encode_cursor(order, key), "node": node})
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": page.has_next,
            "hasPreviousPage": page.has_previous,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


__all__ = ["connection", "decode_cursor", "encode_cursor", "page_ids", "sort_key", "sort_order"]
