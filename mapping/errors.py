"""Why a record could not be mapped: a closed set of reasons, each with a human message."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    MISSING_IDENTIFIER = "missing_identifier"
    INVALID_EMAIL = "invalid_email"
    INVALID_PHONE = "invalid_phone"
    TYPE_MISMATCH = "type_mismatch"
    UNKNOWN_ATTRIBUTE = "unknown_attribute"
    VALUE_TOO_LONG = "value_too_long"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_RECORD = "unsupported_record"
    TRANSFORM_FAILED = "transform_failed"


class MappingError(Exception):
    """A record that cannot become a Brevo operation; it is dead-lettered and the batch goes on."""

    def __init__(self, reason: Reason, message: str, field: str | None = None) -> None:
        self.reason = reason
        self.message = message
        self.field = field
        super().__init__(f"{reason.value}: {message}")

    def __reduce__(self) -> tuple[object, ...]:
        # Keep reason, message and field intact when the error is pickled across processes.
        return (type(self), (self.reason, self.message, self.field))


class SpecError(ValueError):
    """A mapping spec that cannot be compiled; `key_path` names the spec key that is wrong.

    Raised while compiling (at start-up, `tajo config check`), never while mapping records.
    """

    def __init__(self, key_path: str, problem: str) -> None:
        self.key_path = key_path
        self.problem = problem
        super().__init__(f"{key_path}: {problem}" if key_path else problem)

    def __reduce__(self) -> tuple[object, ...]:
        # Keep the fields intact when the error crosses a process boundary.
        return (type(self), (self.key_path, self.problem))
