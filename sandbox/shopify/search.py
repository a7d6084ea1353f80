"""Shopify's search syntax in a connection's `query:` argument, the part a sync relies on.

`updated_at:>='2024-01-01T00:00:00Z' AND id:>1234` - terms joined by `AND` (or by spaces), each
`field:value` with an optional comparator. Unknown fields are ignored with a warning, as Shopify
does (it reports them under `extensions.search`).
https://shopify.dev/docs/api/usage/search-syntax
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sandbox.shopify.keyset import Window

TERM = re.compile(r"""(?P<field>[a-z_]+):(?P<op>>=|<=|>|<|=)?(?P<value>'[^']*'|"[^"]*"|\S+)""")
DATE_FIELDS = {"updated_at": "updated", "created_at": "created", "processed_at": "created"}


@dataclass(frozen=True)
class ParsedSearch:
    window: Window
    warnings: list[dict[str, str]] = field(default_factory=list)


def parse_search(text: str | None) -> ParsedSearch:
    window = Window()
    warnings: list[dict[str, str]] = []
    if not text:
        return ParsedSearch(window)
    for token in _terms(text):
        match = TERM.fullmatch(token)
        if match is None:
            warnings.append({"field": token, "message": "Invalid search field for this query."})
            continue
        name, op = match["field"], match["op"] or "="
        raw = match["value"].strip("'\"")
        if name == "id":
            window = _bound(window, "id", op, _as_id(raw))
        elif name in DATE_FIELDS:
            moment = _as_epoch(raw)
            if moment is None:
                window = replace(window, empty=True)
                continue
            window = _bound(window, DATE_FIELDS[name], op, moment)
        else:
            warnings.append({"field": name, "message": "Invalid search field for this query."})
    return ParsedSearch(window, warnings)


def _terms(text: str) -> list[str]:
    # Split on spaces outside quotes; `AND` is the default join, so it is dropped.
    parts = re.findall(r"""(?:[^\s'"]+|'[^']*'|"[^"]*")+""", text)
    return [part for part in parts if part.upper() != "AND"]


def _as_id(raw: str) -> int | None:
    tail = raw.rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _as_epoch(raw: str) -> float | None:
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _bound(window: Window, name: str, op: str, value: float | None) -> Window:
    """Narrow one inclusive integer range; record times and ids are whole numbers, so
    `> 10.5` and `>= 11` select the same records."""
    if value is None:
        return replace(window, empty=True)
    low_key, high_key = f"{name}_min", f"{name}_max"
    low, high = getattr(window, low_key), getattr(window, high_key)
    if op in (">", ">=", "="):
        bound = math.floor(value) + 1 if op == ">" else math.ceil(value)
        low = bound if low is None else max(low, bound)
    if op in ("<", "<=", "="):
        bound = math.ceil(value) - 1 if op == "<" else math.floor(value)
        high = bound if high is None else min(high, bound)
    result = replace(window, **{low_key: low, high_key: high})
    if low is not None and high is not None and low > high:
        result = replace(result, empty=True)
    return result
