"""Brevo's two contact identifiers, email and SMS: normalised, then checked.

Both checks are deliberately simple and offline (no DNS, no phone-number database): they catch what
Brevo would refuse outright or, worse, accept into the wrong contact.
"""

from __future__ import annotations

import re
from typing import Final

from mapping.errors import MappingError, Reason
from mapping.previews import kind_of, preview

#: RFC 5321 caps a forward path at 254 octets; longer values are not deliverable addresses.
_MAX_EMAIL_LENGTH: Final = 254
#: One @, no whitespace, and a domain with at least one dot and no empty label.
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")

#: Separators people type inside phone numbers; removed before the E.164 check.
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
#: E.164: a +, a country code that does not start with 0, at most 15 digits in all.
#: [0-9], not \d: \d also matches Arabic-Indic and other Unicode digits.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def normalise_email(value: object, *, path: str) -> str | None:
    """The email lower-cased and stripped; None when there is none; `MappingError` when invalid.

    Brevo matches contacts on the email as given, so `Zoe@Example.com` and `zoe@example.com` would
    otherwise be two contacts.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise MappingError(
            Reason.INVALID_EMAIL, f"{path} is a {kind_of(value)}, not an email address", path
        )
    email = value.strip().lower()
    if (
        len(email) > _MAX_EMAIL_LENGTH
        or not email.isprintable()
        or not _EMAIL_SHAPE.fullmatch(email)
    ):
        raise MappingError(
            Reason.INVALID_EMAIL, f"{path} = {preview(value)} is not a valid email address", path
        )
    return email


def normalise_phone(value: object, *, path: str) -> str | None:
    """The phone as E.164 (`+33612345678`); None when there is none; `MappingError` when invalid.

    Brevo's SMS attribute needs the country code ("+91xxxxxxxxxx" or "0091xxxxxxxxxx", createContact
    in https://developers.brevo.com/reference/createcontact). A number without one
    (`06 12 34 56 78`) cannot be made international offline, so it is invalid, not guessed.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise MappingError(
            Reason.INVALID_PHONE, f"{path} is a {kind_of(value)}, not a phone number", path
        )
    if isinstance(value, int):
        # A number stored as an integer has lost its + (and any leading 00): never E.164.
        raise MappingError(
            Reason.INVALID_PHONE,
            f"{path} = {preview(value)} is a bare number without a + and country code",
            path,
        )
    phone = _PHONE_SEPARATORS.sub("", value)
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if not _E164.fullmatch(phone):
        raise MappingError(
            Reason.INVALID_PHONE,
            f"{path} = {preview(value)} is not an international number (E.164, like +33612345678)",
            path,
        )
    return phone
