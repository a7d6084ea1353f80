"""Short, safe renderings of record values for error messages.

Messages end up in dead letters, logs and Flower, so they must stay short, must not recurse into
a hostile record (a 10,000-level nested list would blow the stack of `repr`), and must be plain
encodable text: `repr` escapes control characters and lone surrogates, which Postgres would refuse.
"""

from __future__ import annotations

_MAX_PREVIEW = 60


def preview(value: object) -> str:
    """`repr` of a scalar cut to a readable length; containers are named, not rendered."""
    if isinstance(value, str):
        shown = repr(value[:_MAX_PREVIEW])
        return shown if len(value) <= _MAX_PREVIEW else f"{shown}... ({len(value)} chars)"
    if isinstance(value, bool | float) or value is None:
        return repr(value)
    if isinstance(value, int):
        # str() of a huge int raises past 4,300 digits (CPython's int_max_str_digits).
        return repr(value) if abs(value) < 10**30 else "a very large integer"
    return f"a {kind_of(value)}"


def kind_of(value: object) -> str:
    """The JSON name of a value's type, for messages ("object", "list", "string", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list | tuple):
        return "list"
    return type(value).__name__
