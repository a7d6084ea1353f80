"""Sync modes in the config: which resources beat schedules and which webhooks the ingress takes."""

from __future__ import annotations

import pytest

from connectors.config import TajoConfig
from connectors.core.errors import ConfigError
from connectors.core.webhooks import ObjectRef
from workers.config import parse_config
from workers.schedule import beat_schedule
from workers.webhooks.vendors import PipedriveIngress, ShopifyIngress
from workers.webhooks_cli import subscriptions
from workers.webhooks_shopify import topics as shopify_topics

BLOCK = """
connectors:
  pipedrive:
    api_token: tok
    schedule: {incremental: "15m"}
    webhook_auth: {username: hooks, password: "${HOOK_PASSWORD}"}
    modes: {persons: MODE}
"""


def _config(mode: str) -> TajoConfig:
    return parse_config(BLOCK.replace("MODE", mode), env={"HOOK_PASSWORD": "pw"})


@pytest.mark.parametrize(("mode", "scheduled", "pushed"), [
    ("batch", True, False), ("hybrid", True, True), ("realtime", False, True),
])  # fmt: skip
def test_each_mode_decides_between_the_schedule_and_the_webhooks(
    mode: str, scheduled: bool, pushed: bool
) -> None:
    config = _config(mode)
    assert ("sync-pipedrive-persons-incremental" in beat_schedule(config)) is scheduled
    assert PipedriveIngress().enabled(config) is pushed


def test_an_unknown_mode_is_a_config_error_naming_its_key() -> None:
    with pytest.raises(ConfigError, match=r"connectors\.pipedrive\.modes\.persons"):
        _config("sometimes")


def test_registration_subscribes_to_every_action_on_each_pushed_resource() -> None:
    hybrid, batch = _config("hybrid").connectors.pipedrive, _config("batch").connectors.pipedrive
    assert hybrid is not None
    assert batch is not None
    [only] = subscriptions(hybrid)
    assert (only.event_action, only.event_object) == ("*", "person")
    with pytest.raises(ConfigError, match=r"connectors\.pipedrive\.modes"):
        subscriptions(batch)


SHOPIFY_BLOCK = """
connectors:
  shopify:
    shop_url: shop.test
    access_token: tok
    api_secret: "${SHOPIFY_SECRET}"
    sync: {customers: true, orders: true}
    schedule: {incremental: "15m"}
    modes: {customers: MODE, orders: hybrid}
"""


APP_SECRET = "app-secret-for-tests"


def _shopify(mode: str, secret: str = APP_SECRET) -> TajoConfig:
    block = SHOPIFY_BLOCK.replace("MODE", mode)
    return parse_config(block, env={"SHOPIFY_SECRET": secret})


@pytest.mark.parametrize(("mode", "scheduled"), [
    ("batch", True), ("hybrid", True), ("realtime", False),
])  # fmt: skip
def test_shopify_modes_decide_between_the_schedule_and_the_webhooks_too(
    mode: str, scheduled: bool
) -> None:
    config = _shopify(mode)
    assert ("sync-shopify-customers-incremental" in beat_schedule(config)) is scheduled
    assert "sync-shopify-orders-incremental" in beat_schedule(config)
    assert ShopifyIngress().enabled(config)
    hint = ObjectRef("customers", "1", "change")
    assert ShopifyIngress().wanted(config, hint) is (mode != "batch")


def test_the_shopify_ingress_is_off_without_the_secret_deliveries_are_signed_with() -> None:
    assert not ShopifyIngress().enabled(_shopify("hybrid", secret=""))


def test_shopify_registration_subscribes_to_the_topics_of_each_pushed_resource() -> None:
    hybrid = _shopify("hybrid").connectors.shopify
    assert hybrid is not None
    assert shopify_topics(hybrid) == [
        "customers/create", "customers/update", "customers/delete",
        "orders/create", "orders/updated",
    ]  # fmt: skip
    unsigned = _shopify("hybrid", secret="").connectors.shopify
    assert unsigned is not None
    with pytest.raises(ConfigError, match=r"connectors\.shopify\.api_secret"):
        shopify_topics(unsigned)
