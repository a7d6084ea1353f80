"""Beat entries from the config."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.core.errors import ConfigError
from workers.config import parse_config
from workers.schedule import beat_schedule, parse_schedule


def test_intervals_and_crontabs_both_parse() -> None:
    assert parse_schedule("15m", "k")[0] == timedelta(minutes=15)
    assert parse_schedule("30s", "k")[0] == timedelta(seconds=30)
    schedule, _ = parse_schedule("*/5 * * * *", "k")
    assert "*/5" in repr(schedule) or hasattr(schedule, "minute")


def test_a_bad_schedule_names_its_key() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_schedule("every tuesday", "connectors.pipedrive.schedule.full")
    assert caught.value.key_path == "connectors.pipedrive.schedule.full"


def test_entries_are_named_per_connector_resource_and_mode() -> None:
    config = parse_config(
        """
connectors:
  pipedrive:
    api_token: t
    sync: {persons: true, deals: true}
    schedule: {incremental: "5m", full: "0 3 * * 0"}
""",
        env={},
    )
    entries = beat_schedule(config)
    assert set(entries) == {
        "sync-pipedrive-persons-incremental",
        "sync-pipedrive-persons-full",
        "sync-pipedrive-deals-incremental",
        "sync-pipedrive-deals-full",
        "deadletter-purge",
    }
    entry = entries["sync-pipedrive-persons-incremental"]
    assert entry["task"] == "sync.run"
    assert entry["kwargs"] == {
        "connector": "pipedrive",
        "resource": "persons",
        "mode": "incremental",
    }
    assert entry["options"]["expires"] == 300.0


def test_the_dead_letter_purge_runs_daily_with_the_configured_retention() -> None:
    config = parse_config("deadletters: {retention: 14d}", env={})
    entry = beat_schedule(config)["deadletter-purge"]
    assert entry["task"] == "deadletter.purge"
    assert entry["kwargs"] == {"older_than": "14d"}


def test_a_bad_retention_names_its_key() -> None:
    config = parse_config("deadletters: {retention: forever}", env={})
    with pytest.raises(ConfigError) as caught:
        beat_schedule(config)
    assert caught.value.key_path == "deadletters.retention"
