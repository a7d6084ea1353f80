"""Marketing consent -> Brevo list membership and the blocklist, never a re-subscription.

Shopify keeps a consent state per channel: `email_marketing_consent.state` and
`sms_marketing_consent.state` (REST), `emailMarketingConsent.marketingState` and
`smsMarketingConsent.marketingState` (GraphQL), with the states subscribed, not_subscribed,
pending, unsubscribed, redacted and invalid
(https://shopify.dev/docs/api/admin-rest/latest/resources/customer).

- subscribed: `list.add` to the connector's named list for that channel (`lists: {newsletter: 12,
  sms: 13}`), when one is configured and the contact has that channel's identifier;
- unsubscribed (or redacted): `contact.blocklist` for that channel, unless the contact upsert
  already carries the flag;
- anything else: nothing. A contact is never added to a list on a state other than subscribed,
  and no operation ever lifts a blocklist, so a sync never re-subscribes anyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mapping.operations import BrevoOperation, ContactUpsert
from mapping.parts import check_list_id, membership
from mapping.paths import SourcePath, parse_dotted
from mapping.targets import SMS_ATTRIBUTE
from mapping.transforms import is_unsubscribed

#: The `lists:` names the consent lists are read from.
NEWSLETTER_LIST: Final = "newsletter"
SMS_LIST: Final = "sms"
_EMAIL_STATES: Final = (
    parse_dotted("email_marketing_consent.state"),
    parse_dotted("emailMarketingConsent.marketingState"),
)
_SMS_STATES: Final = (
    parse_dotted("sms_marketing_consent.state"),
    parse_dotted("smsMarketingConsent.marketingState"),
)


@dataclass(frozen=True, slots=True)
class ConsentLists:
    """A contact part: list.add on subscribed, contact.blocklist on unsubscribed, per channel."""

    newsletter: int | None = None
    sms: int | None = None

    def describe(self) -> object:
        return {"part": "consent", "newsletter": self.newsletter, "sms": self.sms}

    def operations(
        self, record: Mapping[str, object], contact: ContactUpsert
    ) -> list[BrevoOperation]:
        email_state = _state(record, _EMAIL_STATES)
        sms_state = _state(record, _SMS_STATES)
        operations: list[BrevoOperation] = []
        ext_id, source_id = contact.ext_id, contact.source_id
        if email_state == "subscribed" and self.newsletter is not None and contact.email:
            operations.append(membership("list.add", self.newsletter, ext_id, source_id))
        if (
            sms_state == "subscribed"
            and self.sms is not None
            and SMS_ATTRIBUTE in contact.attributes
        ):
            operations.append(membership("list.add", self.sms, ext_id, source_id))
        body: dict[str, Any] = {}
        if is_unsubscribed(email_state) and contact.email_blacklisted is not True:
            body["emailBlacklisted"] = True
        if is_unsubscribed(sms_state) and contact.sms_blacklisted is not True:
            body["smsBlacklisted"] = True
        if body:
            body["identifier"] = {"ext_id": ext_id}
            operations.append(
                BrevoOperation("contact.blocklist", f"blocklist:{ext_id}", source_id, body)
            )
        return operations


def consent_lists(lists: Mapping[str, object]) -> ConsentLists:
    """The consent part for a connector's `lists:` block; `SpecError` names a bad list id."""
    newsletter, sms = lists.get(NEWSLETTER_LIST), lists.get(SMS_LIST)
    return ConsentLists(
        newsletter=None
        if newsletter is None
        else check_list_id(f"lists.{NEWSLETTER_LIST}", newsletter),
        sms=None if sms is None else check_list_id(f"lists.{SMS_LIST}", sms),
    )


def _state(record: Mapping[str, object], paths: tuple[SourcePath, ...]) -> str | None:
    """The channel's consent state, lower-cased (GraphQL spells them in capitals)."""
    for path in paths:
        value = path.get(record)
        if isinstance(value, str):
            return value.strip().lower()
    return None
