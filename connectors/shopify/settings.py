"""The `connectors.shopify` block of tajo.yaml, as the connectors overview writes it."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from connectors.core.settings import StrictModel
from connectors.core.webhooks import SyncMode

#: The overview's "Basic Setup" field mapping, used when the config gives none.
DEFAULT_FIELD_MAPPING: dict[str, Any] = {
    "email": "email",
    "first_name": "FIRSTNAME",
    "last_name": "LASTNAME",
    "total_spent": "TOTAL_SPENT",
}
#: Shopify's Admin API version the connector speaks (https://shopify.dev/docs/api/usage/versioning).
API_VERSION = "2025-01"


class ShopifySync(StrictModel):
    """Which resources to sync (`sync: {customers: true, ...}`)."""

    customers: bool = True
    orders: bool = False
    products: bool = False
    carts: bool = False


class ShopifySchedule(StrictModel):
    """When beat runs each mode: crontab strings or intervals ("15m")."""

    incremental: str | None = None
    full: str | None = None


class ShopifySettings(StrictModel):
    enabled: bool = True
    shop_url: str | None = None
    api_key: SecretStr | None = None
    api_secret: SecretStr | None = None
    #: The Admin API access token of the shop's custom app (`X-Shopify-Access-Token`); the API
    #: key and secret identify the app, and the secret also signs webhooks.
    access_token: SecretStr | None = None
    #: The shop's root URL, always overridable (sandbox, proxies); the GraphQL Admin API is at
    #: `<base_url>/admin/api/<api_version>/graphql.json`. Default: `https://<shop_url>`.
    base_url: str | None = None
    #: The Admin API version (https://shopify.dev/docs/api/usage/versioning).
    api_version: str = Field(default=API_VERSION, pattern=r"^(\d{4}-\d{2}|unstable)$")
    #: `first` of one page; None: each stream's largest page under Shopify's cost cap.
    page_size: int | None = Field(default=None, ge=1, le=250)
    timeout_seconds: float = Field(default=30.0, gt=0)
    #: How far before the previous run's high-water mark an incremental run starts reading.
    #: Shopify's search index trails writes by a few seconds, so a record saved just before
    #: the last read may only become searchable after it; re-reading a short window catches
    #: it (the write ledger skips what did not change).
    overlap_seconds: float = Field(default=60.0, ge=0)
    #: How long to wait between polls of a running bulk export.
    bulk_poll_seconds: float = Field(default=5.0, gt=0)
    sync: ShopifySync = ShopifySync()
    lists: dict[str, int] = Field(default_factory=dict)
    #: source path -> Brevo target (short form) or Brevo target -> {from, transform, ...}
    field_mapping: dict[str, Any] = Field(default_factory=lambda: dict(DEFAULT_FIELD_MAPPING))
    #: Region for phone numbers written without a country code (ISO 3166, e.g. FR).
    phone_region: str | None = None
    schedule: ShopifySchedule = ShopifySchedule()
    #: Per resource: `batch` (schedule only, the default), `realtime` (webhooks only) or
    #: `hybrid` (webhooks, with the scheduled incremental run as the safety net). Webhooks are
    #: received once a resource is pushed and `api_secret` (which signs them) is set.
    modes: dict[str, SyncMode] = Field(default_factory=dict)
    #: Reasons whose open dead letters are replayed when the next job of the stream starts.
    retry_dead_letters: list[str] = Field(
        default_factory=lambda: ["vendor_unavailable", "retries_exhausted"]
    )

    @property
    def effective_base_url(self) -> str:
        """The shop's root URL: the override, else `https://<shop_url>`."""
        if self.base_url:
            return self.base_url.rstrip("/")
        shop = (self.shop_url or "example.myshopify.com").removeprefix("https://").rstrip("/")
        return f"https://{shop}"

    @property
    def graphql_path(self) -> str:
        """The GraphQL Admin endpoint, relative to the base URL."""
        return f"/admin/api/{self.api_version}/graphql.json"
