"""The three ways Brevo recognises a contact (email, EXT_ID, SMS) and what makes each valid."""

from __future__ import annotations

import re

#: Deliberately stricter than the spec's `format: email` (which only wants an "@"): Brevo
#: refuses addresses without a dotted domain or with spaces.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 6, 15  # E.164 allows at most 15 digits


def normalize_email(raw: str) -> str | None:
    """Lower-cased address, or None when Brevo would call it invalid."""
    email = raw.strip().lower()
    return email if _EMAIL.match(email) else None


def normalize_sms(raw: object) -> str | None:
    """`"+33 6 12-34"` / `"0033612..."` / `33612...` -> `"+33612..."`; None when not a number.

    Brevo wants SMS numbers with their country code ("+91xxxxxxxxxx" or "0091xxxxxxxxxx").
    """
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        return None
    text = _PHONE_SEPARATORS.sub("", str(raw))
    if text.startswith("+"):
        text = text[1:]
    elif text.startswith("00"):
        text = text[2:]
    if not text.isdigit() or not MIN_PHONE_DIGITS <= len(text) <= MAX_PHONE_DIGITS:
        return None
    return f"+{text}"
