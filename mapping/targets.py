"""Brevo targets: where a mapped value goes in the contact Brevo receives.

A spec value is the literal `email` (the contact's email identifier), one of Brevo's blocklist
flags (`emailBlacklisted`, `smsBlacklisted`, fed by consent), or the name of a Brevo contact
attribute. Brevo wants attribute names in capitals and ignores values for attributes that
do not exist in the account ("These attributes must be present in your Brevo account", createContact
in https://developers.brevo.com/reference/createcontact), so we insist on the documented shape here
and leave "does the attribute exist" to the config check that can call Brevo.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from mapping.errors import SpecError

EMAIL_TARGET: Final = "email"
#: Brevo's own contact flags (createContact `emailBlacklisted` / `smsBlacklisted`): consent targets.
BLOCKLIST_TARGETS: Final = frozenset({"emailBlacklisted", "smsBlacklisted"})
#: Brevo's phone identifier is the SMS attribute (E.164, with the country code).
SMS_ATTRIBUTE: Final = "SMS"

_ATTRIBUTE_NAME = re.compile(r"[A-Z][A-Z0-9_]*")

#: Attributes the mapper owns: EMAIL is the identifier (spelled `email` in specs), EXT_ID is
#: built from vendor, resource and record id so that upserts stay idempotent.
_RESERVED = {
    "EMAIL": "EMAIL is the contact's identifier: map it with the target `email`",
    "EXT_ID": "EXT_ID is set by Tajo Sync from the vendor and the record id",
}


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed target: `attribute` is None for the email identifier."""

    attribute: str | None

    @property
    def is_email(self) -> bool:
        return self.attribute is None

    @property
    def is_sms(self) -> bool:
        return self.attribute == SMS_ATTRIBUTE

    @property
    def is_blocklist(self) -> bool:
        return self.attribute in BLOCKLIST_TARGETS

    @property
    def label(self) -> str:
        """How the target reads in messages and in the mapping version."""
        return EMAIL_TARGET if self.attribute is None else self.attribute


def parse_target(key_path: str, value: object) -> Target:
    """Parse the spec value found at `key_path`, or raise `SpecError` naming that key."""
    if not isinstance(value, str):
        raise SpecError(key_path, f"the target must be a string, not {type(value).__name__}")
    if value == EMAIL_TARGET:
        return Target(attribute=None)
    if value in BLOCKLIST_TARGETS:
        return Target(attribute=value)
    if value in _RESERVED:
        raise SpecError(key_path, _RESERVED[value])
    if not _ATTRIBUTE_NAME.fullmatch(value):
        raise SpecError(
            key_path,
            f"{value!r} is not a Brevo attribute name: use `email` or UPPER_CASE "
            "letters, digits and underscores starting with a letter",
        )
    return Target(attribute=value)
