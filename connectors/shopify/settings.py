"""The `connectors.shopify` block of tajo.yaml, as the connectors overview writes it."""

from __future__ import annotations

from typing import Any

from pydantic import Field, SecretStr

from connectors.core.settings import StrictModel

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
    #: An Admin API access token (custom apps); optional until the client lands.
    access_token: SecretStr | None = None
    #: Always overridable (sandbox, proxies). Default: the shop's own admin host.
    base_url: str | None = None
    sync: ShopifySync = ShopifySync()
    lists: dict[str, int] = Field(default_factory=dict)
    #: source path -> Brevo target (short form) or Brevo target -> {from, transform, ...}
    field_mapping: dict[str, Any] = Field(default_factory=lambda: dict(DEFAULT_FIELD_MAPPING))
    #: Region for phone numbers written without a country code (ISO 3166, e.g. FR).
    phone_region: str | None = None
    schedule: ShopifySchedule = ShopifySchedule()
    #: Reasons whose open dead letters are replayed when the next job of the stream starts.
    retry_dead_letters: list[str] = Field(
        default_factory=lambda: ["vendor_unavailable", "retries_exhausted"]
    )

    @property
    def effective_base_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        shop = (self.shop_url or "example.myshopify.com").removeprefix("https://").rstrip("/")
        return f"https://{shop}/admin/api/{API_VERSION}"
