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


class DeadLetterSettings(StrictModel):
    """How long resolved and discarded dead letters are kept, and when beat purges older ones."""

    #: An age like `30d`, `12h` or `2w`; open dead letters are never purged.
    retention: str = "30d"
    #: A crontab string or an interval like `1d`.
    purge_schedule: str = "0 4 * * *"


class TajoConfig(StrictModel):
    brevo: BrevoSettings = Field(default_factory=BrevoSettings)
    connectors: ConnectorsConfig = Field(default_factory=ConnectorsConfig)
    deadletters: DeadLetterSettings = Field(default_factory=DeadLetterSettings)

    def enabled_connectors(self) -> dict[str, ConnectorSettings]:
        found: dict[str, ConnectorSettings | None] = {
            "pipedrive": self.connectors.pipedrive,
            "shopify": self.connectors.shopify,
        }
        return {name: s for name, s in found.items() if s is not None and s.enabled}
