"""Blocklisting contacts: `PUT /v3/contacts/{identifier}?identifierType=...` with
`emailBlacklisted` / `smsBlacklisted` set to true, and never to false: a sync does not lift a
blocklist. https://developers.brevo.com/reference/updatecontact
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from connectors.brevo.api import BrevoApi

#: Our identifier names (as BrevoOperation bodies spell them) -> Brevo's `identifierType`.
IDENTIFIER_TYPES = {"email": "email_id", "ext_id": "ext_id", "sms": "phone_id"}
FLAGS = ("emailBlacklisted", "smsBlacklisted")


@dataclass(frozen=True)
class Blocklisting:
    identifier_type: str
    identifier: str
    #: only the flags to set, each true
    flags: dict[str, bool]


def blocklisting_of(body: dict[str, Any]) -> Blocklisting:
    """A contact.blocklist body, checked; ValueError naming the field if malformed."""
    identifier = body.get("identifier")
    if not isinstance(identifier, dict) or len(identifier) != 1:
        raise ValueError("identifier must name exactly one of email, ext_id or sms")
    ((kind, value),) = identifier.items()
    if kind not in IDENTIFIER_TYPES or not isinstance(value, str) or not value:
        raise ValueError("identifier must be one of email, ext_id or sms, as a string")
    flags = {flag: True for flag in FLAGS if body.get(flag) is True}
    if not flags:
        raise ValueError("set emailBlacklisted and/or smsBlacklisted to true")
    return Blocklisting(IDENTIFIER_TYPES[kind], value, flags)


def blocklist(api: BrevoApi, item: Blocklisting) -> bool:
    """Set the flags; False when Brevo has no contact by that identifier."""
    path = f"/contacts/{quote(item.identifier, safe='')}"
    response = api.send(
        "PUT",
        path,
        "blocklist_contact",
        body=item.flags,
        params={"identifierType": item.identifier_type},
    )
    if response.status_code == 404:
        return False
    api.result(response, "blocklist_contact")
    return True
