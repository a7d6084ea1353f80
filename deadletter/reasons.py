"""Why a record was dead-lettered: the mapping reasons plus what Brevo and vendors can say.

Every code has a one-line hint telling an operator what to do before replaying. An enum cannot
extend another, so the mapping codes are spelled out again here; a unit test keeps them in step
with `mapping.errors.Reason`, and since both are StrEnums, `DeadLetterReason(error.reason)`
converts one into the other.
"""

from __future__ import annotations

from enum import StrEnum


class DeadLetterReason(StrEnum):
    # The mapping reasons, spelled exactly as `mapping.errors.Reason`.
    MISSING_IDENTIFIER = "missing_identifier"
    INVALID_EMAIL = "invalid_email"
    INVALID_PHONE = "invalid_phone"
    TYPE_MISMATCH = "type_mismatch"
    UNKNOWN_ATTRIBUTE = "unknown_attribute"
    VALUE_TOO_LONG = "value_too_long"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_RECORD = "unsupported_record"
    TRANSFORM_FAILED = "transform_failed"
    # What the destination and the vendors can answer.
    BREVO_REJECTED = "brevo_rejected"
    BREVO_CONFLICT = "brevo_conflict"
    AUTH = "auth"
    FORBIDDEN = "forbidden"
    VENDOR_UNAVAILABLE = "vendor_unavailable"
    RETRIES_EXHAUSTED = "retries_exhausted"


_HINTS: dict[DeadLetterReason, str] = {
    DeadLetterReason.MISSING_IDENTIFIER: (
        "Add an email or an international phone number to the record at the vendor, then replay."
    ),
    DeadLetterReason.INVALID_EMAIL: "Fix the email address at the vendor, then replay.",
    DeadLetterReason.INVALID_PHONE: (
        "Fix the phone number at the vendor (with a + and country code, e.g. +33...), then replay."
    ),
    DeadLetterReason.TYPE_MISMATCH: (
        "Map a text, number, boolean or date field (or add a transform), then replay."
    ),
    DeadLetterReason.UNKNOWN_ATTRIBUTE: (
        "Create the attribute in Brevo or fix its name in the mapping, then replay."
    ),
    DeadLetterReason.VALUE_TOO_LONG: (
        "Shorten the value at the vendor or stop mapping that field, then replay."
    ),
    DeadLetterReason.PAYLOAD_TOO_LARGE: "Map fewer or shorter fields for this record, then replay.",
    DeadLetterReason.UNSUPPORTED_RECORD: (
        "The vendor sent a record we cannot read (no usable id?): check the connector, then replay."
    ),
    DeadLetterReason.TRANSFORM_FAILED: "Fix the transform or the source value, then replay.",
    DeadLetterReason.BREVO_REJECTED: (
        "Read Brevo's message, fix the data or the mapping, then replay."
    ),
    DeadLetterReason.BREVO_CONFLICT: (
        "Another Brevo contact already holds this email or SMS: merge them in Brevo, then replay."
    ),
    DeadLetterReason.AUTH: "Renew the connection's credentials, then replay.",
    DeadLetterReason.FORBIDDEN: "Grant the missing scope to the connection's key, then replay.",
    DeadLetterReason.VENDOR_UNAVAILABLE: "The vendor was down: replay once it answers again.",
    DeadLetterReason.RETRIES_EXHAUSTED: (
        "Retries ran out: check the vendor's status and the worker logs, then replay."
    ),
}


def hint(reason: str) -> str:
    """The operator hint for a reason code; `ValueError` for an unknown code."""
    return _HINTS[DeadLetterReason(reason)]
