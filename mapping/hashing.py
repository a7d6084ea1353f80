"""Content hashes of operations, for the write ledger ("skip what Brevo already has").

The hash must be the same in every worker process and after every restart, so it is computed from
canonical JSON (sorted keys, no spaces, ASCII only) and never from Python's randomised `hash()`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any, Protocol


class JsonOperation(Protocol):
    def to_json(self) -> Any: ...


def canonical_json(value: object) -> str:
    """One spelling per JSON value: sorted keys, no spaces, non-ASCII escaped, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )


def content_hash(op: JsonOperation | Mapping[str, Any]) -> str:
    """32 hex characters of the sha256 of the operation's canonical JSON."""
    payload = op if isinstance(op, Mapping) else op.to_json()
    return hashlib.sha256(canonical_json(payload).encode("ascii")).hexdigest()[:32]
