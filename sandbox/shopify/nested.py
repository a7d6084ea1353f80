"""A record's small nested list (an order's line items, a product's variants) as a connection,
and related records built on demand.

The record dict holds a `NestedList`; graphql-core's default resolver calls it with the field's
arguments and gets a connection, while a bulk export reads `items` directly (bulk queries
ignore paging arguments on nested connections).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, TypeAlias

from graphql import GraphQLError, GraphQLResolveInfo

#: graphql-core's resolver info, generic in the context type.
Info: TypeAlias = "GraphQLResolveInfo[Any]"

MAX_PAGE_SIZE = 250


class Lazy:
    """A related record built only when a query selects it (an order's customer)."""

    def __init__(
        self, build: Callable[[], dict[str, Any] | None], known: dict[str, Any] | None = None
    ) -> None:
        self.build = build
        #: fields known without building (`id`): a bulk export asking only for them skips
        #: building the whole related record, once per line of a million-line file
        self.known = known or {}

    def __call__(self, info: Info | None = None, **_: Any) -> dict[str, Any] | None:
        return self.build()


class NestedList:
    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items

    def __call__(self, info: Info, **args: Any) -> dict[str, Any]:
        first, last = page_size_args(args)
        start = _offset(args.get("after"), -1) + 1
        stop = _offset(args.get("before"), len(self.items))
        ordered = list(enumerate(self.items))[start:stop]
        if args.get("reverse"):
            ordered.reverse()
        before_cut = len(ordered)
        if first is not None:
            ordered = ordered[:first]
        elif last is not None:
            ordered = ordered[-last:] if last else []
        return {
            "edges": [{"cursor": _cursor(i), "node": item} for i, item in ordered],
            "nodes": [item for _, item in ordered],
            "pageInfo": {
                "hasNextPage": first is not None and before_cut > len(ordered),
                "hasPreviousPage": (last is not None and before_cut > len(ordered)) or start > 0,
                "startCursor": _cursor(ordered[0][0]) if ordered else None,
                "endCursor": _cursor(ordered[-1][0]) if ordered else None,
            },
        }


def page_size_args(args: dict[str, Any]) -> tuple[int | None, int | None]:
    """Validated `first`/`last`, with the errors Shopify gives for missing or oversized ones."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last")
    if first is not None and last is not None:
        raise GraphQLError("providing both first and last is not supported")
    for name, value in (("first", first), ("last", last)):
        if value is not None and (value < 0 or value > MAX_PAGE_SIZE):
            raise GraphQLError(
                f"The '{name}' argument must be between 0 and {MAX_PAGE_SIZE}.",
                extensions={"code": "BAD_USER_INPUT"},
            )
    return first, last


def _cursor(index: int) -> str:
    return base64.b64encode(json.dumps({"last_id": index}).encode()).decode()


def _offset(cursor: object, default: int) -> int:
    if cursor is None:
        return default
    try:
        return int(json.loads(base64.b64decode(str(cursor)))["last_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphQLError("Invalid cursor for current pagination sort.") from exc
