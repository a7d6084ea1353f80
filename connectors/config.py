"""The whole tajo.yaml as one validated model. Loading (files, ${VAR}) lives in workers.config."""

from __future__ import annotations

from pydantic import Field

from connectors.brevo.settings import BrevoSettings
from connectors.core.settings import StrictModel
from connectors.pipedrive.settings import PipedriveSettings
from connectors.shopify.settings import ShopifySettings

ConnectorSettings = PipedriveSettings | ShopifySettings


class ConnectorsConfig(StrictModel):
    pipedrive: PipedriveSettings | None = None
    shopify: ShopifySettings | None = None


class TajoConfig(StrictModel):
    brevo: BrevoSettings = Field(default_factory=BrevoSettings)
    connectors: ConnectorsConfig = Field(default_factory=ConnectorsConfig)

    def enabled_connectors(self) -> dict[str, ConnectorSettings]:
        found: dict[str, ConnectorSettings | None] = {
            "pipedrive": self.connectors.pipedrive,
            "shopify": self.connectors.shopify,
        }
        return {name: s for name, s in found.items() if s is not None and s.enabled}
