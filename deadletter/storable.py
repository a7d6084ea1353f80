"""Making text and JSON storable the same way in SQLite and Postgres.

Postgres refuses what SQLite takes: NUL characters in text ("invalid byte sequence"), lone UTF-16
surrogates (they cannot be encoded at all), NaN in `json`, and both differ on over-long strings.
A dead letter must never fail to be written because the record it holds is odd, so odd parts are
replaced by visible markers here, before the insert.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Final

REPLACEMENT: Final = "\ufffd"
MAX_DEPTH: Final = 64
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: json.dumps refuses integers past 4,300 digits; far smaller ones are already not real data.
_MAX_INTEGER: Final = 10**300


def storable_text(text: str, max_length: int | None = None) -> str:
    """`text` without NUL or lone surrogates, cut to `max_length` characters (marked with …)."""
    cleaned = _UNSTORABLE.sub(REPLACEMENT, text)
    if max_length is not None and len(cleaned) > max_length:
        return cleaned[: max_length - 1] + "…"
    return cleaned


def storable_json(value: object, depth: int = 0) -> object:
    """A JSON value both databases accept, close to `value`; never raises."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < _MAX_INTEGER else f"[integer of {value.bit_length()} bits]"
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, str):
        return storable_text(value)
    if depth >= MAX_DEPTH and isinstance(value, Mapping | list | tuple):
        return "[truncated: nested too deeply]"
    if isinstance(value, Mapping):
        return {_key(key): storable_json(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable_json(item, depth + 1) for item in value]
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    # Decimals, bytes, sets...: not JSON; keep a readable trace rather than fail the insert.
    return storable_text(f"[{type(value).__name__}]")


def _key(key: object) -> str:
    return storable_text(key if isinstance(key, str) else str(key))
