"""Sync modes in the config: which resources beat schedules and which webhooks the ingress takes."""

from __future__ import annotations

import pytest

from connectors.config import TajoConfig
from connectors.core.errors import ConfigError
from workers.config import parse_config
from workers.schedule import beat_schedule
from workers.webhooks.vendors import PipedriveIngress
from workers.webhooks_cli import subscriptions

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
