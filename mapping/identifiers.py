"""Brevo's two contact identifiers, email and SMS: normalised, then checked offline.

Emails go through `email-validator` (syntax only, no DNS: mapping is pure); phones through
`phonenumbers` (Google's libphonenumber metadata) into E.164. A number written without its country
code is read in the connector's default region when one is configured, and is invalid otherwise.
"""

from __future__ import annotations

import re
from typing import Final

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from mapping.errors import MappingError, Reason
from mapping.previews import kind_of, preview

#: RFC 5321 caps a forward path at 254 octets; longer values are not deliverable addresses.
_MAX_EMAIL_LENGTH: Final = 254
#: Longer input is not a phone number, and parsing it would only cost time.
_MAX_PHONE_INPUT: Final = 64
_E164: Final = phonenumbers.PhoneNumberFormat.E164
#: What Brevo accepts in SMS: a + and 7 to 15 digits, the first not 0. [0-9], not \d: \d also
#: matches Arabic-Indic and other Unicode digits.
_E164_SHAPE = re.compile(r"\+[1-9][0-9]{6,14}")


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
    if len(email) > _MAX_EMAIL_LENGTH or not email.isprintable():
        raise _bad_email(value, path)
    try:
        checked = validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise _bad_email(value, path) from None
    except (UnicodeError, ValueError):  # IDNA codecs raise these on hostile domains
        raise _bad_email(value, path) from None
    return str(checked.normalized).lower()


def _bad_email(value: object, path: str) -> MappingError:
    return MappingError(
        Reason.INVALID_EMAIL, f"{path} = {preview(value)} is not a valid email address", path
    )


def normalise_phone(value: object, *, path: str, region: str | None = None) -> str | None:
    """The phone as E.164 (`+33612345678`); None when there is none; `MappingError` when invalid.

    Brevo's SMS attribute needs the country code ("+91xxxxxxxxxx" or "0091xxxxxxxxxx", createContact
    in https://developers.brevo.com/reference/createcontact). Without `region`, a national number
    (`06 12 34 56 78`) cannot be made international, so it is invalid, not guessed.
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
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    if len(text) > _MAX_PHONE_INPUT or not text.isprintable():
        raise _bad_phone(value, path, region)
    try:
        number = phonenumbers.parse(text, region if not text.startswith("+") else None)
    except phonenumbers.NumberParseException:
        raise _bad_phone(value, path, region) from None
    # "Possible" (the right length for its region) rather than "valid" (an allocated range): the
    # offline metadata lags behind real allocations, and a real customer's new number must not
    # be dead-lettered because of it.
    if not phonenumbers.is_possible_number(number):
        raise _bad_phone(value, path, region)
    formatted = phonenumbers.format_number(number, _E164)
    if not _E164_SHAPE.fullmatch(formatted):
        raise _bad_phone(value, path, region)
    return formatted


def _bad_phone(value: object, path: str, region: str | None) -> MappingError:
    hint = f" in region {region}" if region else " (E.164, like +33612345678)"
    return MappingError(
        Reason.INVALID_PHONE,
        f"{path} = {preview(value)} is not a valid international number{hint}",
        path,
    )
