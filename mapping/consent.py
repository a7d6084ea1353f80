"""Marketing consent -> Brevo list membership and the blocklist, never a re-subscription.

Shopify keeps a consent state per channel: `email_marketing_consent.state` and
`sms_marketing_consent.state` (REST), `emailMarketingConsent.marketingState` and
`smsMarketingConsent.marketingState` (GraphQL), with the states subscribed, not_subscribed,
pending, unsubscribed, redacted and invalid
(https://shopify.dev/docs/api/admin-rest/latest/resources/customer).

- subscribed: the contact joins the connector's named list for that channel (`lists:
  {newsletter: 12, sms: 13}`), when one is configured and it has that channel's identifier;
- unsubscribed (or redacted): the contact carries that channel's blocklist flag;
- anything else: nothing. A contact is never added to a list on a state other than subscribed,
  and no flag is ever lifted, so a sync never re-subscribes anyone.

Both go on the contact upsert itself, not into operations of their own: a new contact is
written by an import that finishes later, and a list move or a blocklist call sent beside it
would find no contact yet. In the upsert they land with the contact, in one row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

from mapping.operations import BrevoOperation, ContactUpsert
from mapping.parts import check_list_id
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
    """A contact part: a list on subscribed, a blocklist flag on unsubscribed, per channel."""

    newsletter: int | None = None
    sms: int | None = None

    def describe(self) -> object:
        return {"part": "consent", "newsletter": self.newsletter, "sms": self.sms}

    def apply(
        self, record: Mapping[str, object], contact: ContactUpsert
    ) -> tuple[ContactUpsert, list[BrevoOperation]]:
        email_state = _state(record, _EMAIL_STATES)
        sms_state = _state(record, _SMS_STATES)
        lists = list(contact.list_ids)
        if email_state == "subscribed" and self.newsletter is not None and contact.email:
            lists.append(self.newsletter)
        if (
            sms_state == "subscribed"
            and self.sms is not None
            and SMS_ATTRIBUTE in contact.attributes
        ):
            lists.append(self.sms)
        amended = replace(
            contact,
            list_ids=tuple(dict.fromkeys(lists)),
            email_blacklisted=True if is_unsubscribed(email_state) else contact.email_blacklisted,
            sms_blacklisted=True if is_unsubscribed(sms_state) else contact.sms_blacklisted,
        )
        return amended, []


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
