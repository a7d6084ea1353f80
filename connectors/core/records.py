"""The unit a stream yields: one page of records and where the next one starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Record = dict[str, Any]


@dataclass(frozen=True)
class Page:
    """One page of source records, in the connector's documented shape.

    `next_cursor` is opaque to everything but the connector; None means this was the last page.
    """

    records: list[Record]
    next_cursor: str | None
    #: the highest update timestamp seen on this page (ISO-8601), for incremental cursors
    high_water: str | None = None
    #: vendor facts worth logging (rate-limit headroom and the like); never secrets
    info: dict[str, Any] = field(default_factory=dict)
