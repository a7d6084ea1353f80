"""Shopify's global ids: `gid://shopify/Customer/123` (the REST API's numeric id at the end).

https://shopify.dev/docs/api/usage/gids
"""

from __future__ import annotations

PREFIX = "gid://shopify/"


def gid(resource: str, record_id: int) -> str:
    return f"{PREFIX}{resource}/{record_id}"


def parse_gid(text: object) -> tuple[str, int] | None:
    """(resource, id) of a well-formed gid, else None (Shopify answers null for those)."""
    if not isinstance(text, str) or not text.startswith(PREFIX):
        return None
    resource, _, tail = text[len(PREFIX) :].partition("/")
    number = tail.split("?", 1)[0]
    if not resource or not number.isdigit():
        return None
    return resource, int(number)
