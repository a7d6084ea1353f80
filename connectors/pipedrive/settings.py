"""The `connectors.pipedrive` block of tajo.yaml, as the Pipedrive connector docs write it."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator

from connectors.core.settings import StrictModel
from connectors.core.webhooks import BasicAuthCredentials, SyncMode

#: The person mapping used when the config gives none: the docs' own example, minus fields that
#: need related records.
DEFAULT_PERSON_MAPPING: dict[str, Any] = {
    "email": "email",
    "name": "FULLNAME",
    "first_name": "FIRSTNAME",
    "last_name": "LASTNAME",
    "phone": "SMS",
    "org_id.name": "COMPANY",
}


class PipedriveSync(StrictModel):
    """Which resources to sync (`sync: {persons: true, ...}`)."""

    persons: bool = True
    deals: bool = False
    organizations: bool = False
    activities: bool = False
    leads: bool = False


class PipedriveWebhookRule(StrictModel):
    """One `webhooks:` entry: a vendor change and the Brevo event it becomes."""

    event_action: str
    event_object: str
    brevo_event: str


class ScheduleSettings(StrictModel):
    """When beat runs each mode: crontab strings ("*/5 * * * *") or intervals ("15m", "30s")."""

    incremental: str | None = None
    full: str | None = None


class PipedriveRateLimit(StrictModel):
    """Pipedrive's burst limit: requests per rolling 2-second window per token, by plan (80 on
    Essential for OAuth apps). https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting"""

    requests: int = Field(default=80, ge=1)
    per_seconds: float = Field(default=2.0, gt=0)


class PipedriveTokenBudget(StrictModel):
    """The account's daily token budget (30,000 x plan multiplier x seats, plus top-ups). Every
    request spends tokens by its endpoint's cost (see `connectors.pipedrive.client.TOKEN_COSTS`);
    once spent, every call is refused until the budget resets at the start of the next day.
    https://pipedrive.readme.io/docs/core-api-concepts-rate-limiting"""

    #: Tokens per day the shared limiter lets every worker together spend; None: not metered
    #: ahead, only learnt from Pipedrive's answers (other integrations share the same budget).
    daily_tokens: int | None = Field(default=None, ge=1)
    #: The budget's period; it resets at each multiple of it since the epoch (midnight UTC for
    #: a day). Shorter only for the sandbox.
    day_seconds: float = Field(default=86_400.0, gt=0)


#: Where Pipedrive's OAuth server refreshes tokens.
#: https://pipedrive.readme.io/docs/marketplace-oauth-authorization
PIPEDRIVE_OAUTH_URL = "https://oauth.pipedrive.com/oauth/token"


class PipedriveOAuth(StrictModel):
    """The `oauth:` block: a Marketplace app's credentials and the grant it holds for an account.

    The refresh token comes from the app's one-time authorization-code exchange (done outside
    Tajo); the access token is optional, as one is fetched with the refresh token when missing.
    """

    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    refresh_token: SecretStr
    access_token: SecretStr | None = None
    #: Overridable for the sandbox.
    token_url: str = PIPEDRIVE_OAUTH_URL

    @field_validator("client_secret", "refresh_token")
    @classmethod
    def _not_empty(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("must not be empty")
        return value

    def fingerprint_material(self) -> SecretStr:
        """What stands for this grant in limiter keys: a hash of the client id and the
        configured refresh token, so a refreshed access token keeps the same bucket."""
        material = f"{self.client_id}\0{self.refresh_token.get_secret_value()}"
        return SecretStr("oauth:" + hashlib.sha256(material.encode()).hexdigest())


class PipedriveSettings(StrictModel):
    enabled: bool = True
    #: A personal API token, or `oauth:` below; exactly one of them.
    api_token: SecretStr | None = None
    oauth: PipedriveOAuth | None = None
    company_domain: str | None = None
    #: Always overridable (sandbox, proxies). Default: the company domain's own host.
    base_url: str | None = None
    sync: PipedriveSync = PipedriveSync()
    lists: dict[str, int] = Field(default_factory=dict)
    #: source path -> Brevo target (short form) or Brevo target -> {from, transform, ...}
    person_mapping: dict[str, Any] = Field(default_factory=lambda: dict(DEFAULT_PERSON_MAPPING))
    #: Region for phone numbers written without a country code (ISO 3166, e.g. FR); without it
    #: such numbers are invalid rather than guessed.
    phone_region: str | None = None
    deal_stage_mapping: dict[int | str, int] = Field(default_factory=dict)
    webhooks: list[PipedriveWebhookRule] = Field(default_factory=list)
    #: The basic-auth credentials Pipedrive sends with every webhook (set at registration);
    #: without them the webhook ingress for Pipedrive is off.
    webhook_auth: BasicAuthCredentials | None = None
    #: Per resource: `batch` (schedule only, the default), `realtime` (webhooks only) or
    #: `hybrid` (webhooks, with the scheduled incremental run as the safety net).
    modes: dict[str, SyncMode] = Field(default_factory=dict)
    #: Pipedrive's v2 list endpoints accept at most 500 items a page.
    page_size: int = Field(default=500, ge=1, le=500)
    timeout_seconds: float = Field(default=30.0, gt=0)
    schedule: ScheduleSettings = ScheduleSettings()
    #: The shared limiter's budget for this token (every worker together stays within it).
    rate_limit: PipedriveRateLimit = PipedriveRateLimit()
    token_budget: PipedriveTokenBudget = PipedriveTokenBudget()
    #: Worker processes on the `src.pipedrive` queue (`tajo demo`, compose workers without -c).
    concurrency: int = Field(default=4, ge=1, le=64)
    #: Reasons whose open dead letters are replayed when the next job of the stream starts:
    #: the passing failures, which a later run usually gets through.
    retry_dead_letters: list[str] = Field(
        default_factory=lambda: ["vendor_unavailable", "retries_exhausted"]
    )

    @model_validator(mode="after")
    def _one_credential(self) -> PipedriveSettings:
        has_token = self.api_token is not None and bool(self.api_token.get_secret_value())
        if has_token and self.oauth is not None:
            raise ValueError("api_token and oauth are both set; keep one of them")
        if self.enabled and not has_token and self.oauth is None:
            raise ValueError(
                "api_token (or an oauth block) is required when the connector is enabled"
            )
        return self

    @property
    def credential(self) -> SecretStr | None:
        """What the request gate keys this account by: the API token, or for OAuth a stable
        stand-in for the grant (never the access token, which changes at every refresh)."""
        if self.oauth is not None:
            return self.oauth.fingerprint_material()
        return self.api_token

    @property
    def effective_base_url(self) -> str:
        """Where requests go: the override, else the company's own domain, else the shared host."""
        if self.base_url:
            return self.base_url.rstrip("/")
        if self.company_domain:
            return f"https://{self.company_domain}.pipedrive.com"
        return "https://api.pipedrive.com"
