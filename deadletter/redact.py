"""Masking secrets in a payload before it is stored as a dead letter.

Dead letters are read by operators and shown in Flower, so a token a vendor echoed back inside a
record (webhook payloads do this) must not survive into the store.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

MASK: Final = "[redacted]"
#: Deeper structures are cut here: nothing real nests this far, and recursion must stay bounded.
MAX_DEPTH: Final = 64
TOO_DEEP: Final = "[truncated: nested too deeply]"

#: Words that make a key secret wherever they appear in it (`api_token`, `X-Auth-Token`, ...).
_SECRET_WORDS: Final = frozenset(
    {
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "authorization",
        "auth",
        "cookie",
        "credential",
        "credentials",
        "signature",
    }
)
#: Secrets spelled as one word once separators are gone (`apiKey`, `x-api-key`, `private_key`).
_SECRET_RUNS: Final = ("apikey", "accesskey", "privatekey", "secretkey", "clientsecret")
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def is_secret_key(key: object, sensitive_keys: Iterable[str] = ()) -> bool:
    """True when a key names a secret, by its words or because the caller listed it."""
    text = str(key)
    if text.lower() in {name.lower() for name in sensitive_keys}:
        return True
    words = [word.lower() for word in _WORD.findall(text)]
    if _SECRET_WORDS.intersection(words):
        return True
    joined = "".join(words)
    return any(run in joined for run in _SECRET_RUNS)


def redact(payload: object, sensitive_keys: Iterable[str] = ()) -> object:
    """A copy of `payload` with the values of secret-looking keys masked; the input is untouched.

    Tuples become lists (the result is JSON-shaped), and anything nested deeper than `MAX_DEPTH`
    is replaced by a marker.
    """
    names = frozenset(name.lower() for name in sensitive_keys)
    return _redact(payload, names, 0)


def _redact(value: object, names: frozenset[str], depth: int) -> object:
    if isinstance(value, Mapping):
        if depth >= MAX_DEPTH:
            return TOO_DEEP
        return {
            key: MASK if is_secret_key(key, names) else _redact(item, names, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        if depth >= MAX_DEPTH:
            return TOO_DEEP
        return [_redact(item, names, depth + 1) for item in value]
    return value
