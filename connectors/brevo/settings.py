"""The `brevo:` block of tajo.yaml."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from connectors.core.settings import StrictModel

#: Brevo documents 10 MB as the hard ceiling of an import body and recommends about 8 MB.
#: https://developers.brevo.com/reference/importcontacts-1
IMPORT_BODY_HARD_LIMIT = 10 * 1024 * 1024

#: What to do when Brevo says an email or SMS of ours belongs to another contact.
ConflictPolicy = Literal["retry_without_conflicting", "dead_letter"]


class BrevoRateLimit(StrictModel):
    """Brevo's buckets per API key: /contacts endpoints 10 per second, most others (including
    GET /processes, which import polling calls) 100 per hour.
    https://developers.brevo.com/docs/api-limits"""

    contacts_per_second: int = Field(default=10, ge=1)
    other_per_hour: int = Field(default=100, ge=1)


class ContactWritePolicy(StrictModel):
    """How contacts of one connector are written (`brevo.contact_policies.<connector>`)."""

    #: `retry_without_conflicting`: write the contact without the identifier another contact
    #: holds, and dead-letter a note of it; `dead_letter`: write nothing, dead-letter the record.
    conflict_policy: ConflictPolicy = "retry_without_conflicting"
    #: A sync never takes a contact off Brevo's blocklist unless this says it may.
    lift_blocklist: bool = False


class BrevoSettings(StrictModel):
    api_key: SecretStr | None = None
    base_url: str = "https://api.brevo.com/v3"
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: Largest JSON body sent to /contacts/import.
    import_max_bytes: int = Field(default=8 * 1024 * 1024, gt=0, le=IMPORT_BODY_HARD_LIMIT)
    #: Contacts gathered before an import is sent; fewer, bigger imports spare Brevo's limits.
    import_batch_records: int = Field(default=10_000, gt=0, le=10_000)
    #: The list every imported contact joins when the connector names none (Brevo requires one).
    default_list_id: int | None = None
    #: The shared limiter's budget for this key (every worker together stays within it).
    rate_limit: BrevoRateLimit = BrevoRateLimit()
    #: Public base URL of the webhooks app. When set, every import asks Brevo to call it back
    #: (`notifyUrl`) and polling becomes a rare fallback; without it imports are polled.
    webhooks_base_url: str | None = None
    #: Single-contact writes (webhooks, replays) waiting at once past which new ones are staged
    #: into an import instead: a burst then costs one request, not one per contact.
    single_write_threshold: int = Field(default=20, ge=0)
    #: Per connector (`pipedrive`, `shopify`...): conflicts and blocklist lifts.
    contact_policies: dict[str, ContactWritePolicy] = Field(default_factory=dict)

    def contact_policy(self, connector: str) -> ContactWritePolicy:
        return self.contact_policies.get(connector) or ContactWritePolicy()
