"""The `brevo:` block of tajo.yaml."""

from __future__ import annotations

from pydantic import Field, SecretStr

from connectors.core.settings import StrictModel

#: Brevo documents 10 MB as the hard ceiling of an import body and recommends about 8 MB.
#: https://developers.brevo.com/reference/importcontacts-1
IMPORT_BODY_HARD_LIMIT = 10 * 1024 * 1024


class BrevoRateLimit(StrictModel):
    """Brevo's buckets per API key: /contacts endpoints 10 per second, most others (including
    GET /processes, which import polling calls) 100 per hour.
    https://developers.brevo.com/docs/api-limits"""

    contacts_per_second: int = Field(default=10, ge=1)
    other_per_hour: int = Field(default=100, ge=1)


class BrevoSettings(StrictModel):
    api_key: SecretStr | None = None
    base_url: str = "https://api.brevo.com/v3"
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: Largest JSON body sent to /contacts/import.
    import_max_bytes: int = Field(default=8 * 1024 * 1024, gt=0, le=IMPORT_BODY_HARD_LIMIT)
    #: Contacts gathered before an import is sent; fewer, bigger imports spare Brevo's limits.
    import_batch_records: int = Field(default=10_000, gt=0)
    #: The list every imported contact joins when the connector names none (Brevo requires one).
    default_list_id: int | None = None
    #: The shared limiter's budget for this key (every worker together stays within it).
    rate_limit: BrevoRateLimit = BrevoRateLimit()
