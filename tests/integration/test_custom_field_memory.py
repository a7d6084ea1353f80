"""The keys custom fields named by name resolved to are kept in the database, so the mapping
still resolves them after someone renames the field in Pipedrive."""

from __future__ import annotations

import pytest

from tasks import jobs, streams
from tasks.runtime import transaction
from workers.config import parse_config

pytestmark = pytest.mark.usefixtures("installed_runtime")

KEY = "a" * 40
CONFIG = """
connectors:
  pipedrive:
    api_token: t
    lists: {all_contacts: 60}
    person_mapping:
      email: email
      custom_fields.lead_source: LEAD_SOURCE
"""
BEFORE = [{"key": KEY, "name": "Lead source", "field_type": "varchar"}]
AFTER = [{"key": KEY, "name": "Origin", "field_type": "varchar"}]


def test_a_field_renamed_at_the_vendor_keeps_mapping_with_the_key_kept_from_before() -> None:
    config = parse_config(CONFIG, env={})
    first = streams.mapper_for(config, "pipedrive", "persons", vendor_fields=BEFORE)
    streams.remember_fields("pipedrive", "persons", first.resolved_fields, {})
    kept = streams.remembered_fields("pipedrive", "persons")
    assert kept == {"lead_source": KEY}
    renamed = streams.mapper_for(
        config, "pipedrive", "persons", vendor_fields=AFTER, remembered_fields=kept
    )
    person = {"id": 1, "email": "a@example.com", "custom_fields": {KEY: "Website"}}
    assert renamed.map(person).attributes["LEAD_SOURCE"] == "Website"


def test_keeping_the_same_resolution_twice_writes_nothing_new_and_a_change_updates_it() -> None:
    streams.remember_fields("pipedrive", "persons", {"lead_source": KEY}, {})
    streams.remember_fields("pipedrive", "persons", {"lead_source": KEY}, {"lead_source": KEY})
    streams.remember_fields("pipedrive", "persons", {"lead_source": "b" * 40}, {"lead_source": KEY})
    assert streams.remembered_fields("pipedrive", "persons") == {"lead_source": "b" * 40}


def test_kept_keys_do_not_disturb_the_streams_own_cursor() -> None:
    with transaction() as session:
        jobs.advance_cursor(session, "pipedrive", "persons", "2024-01-02T00:00:00Z")
    streams.remember_fields("pipedrive", "persons", {"lead_source": KEY}, {})
    with transaction() as session:
        opened = jobs.open_job(session, "pipedrive", "persons", "incremental")
    assert opened.since == "2024-01-02T00:00:00Z"
    assert streams.remembered_fields("pipedrive", "deals") == {}


def test_a_name_too_long_to_keep_is_skipped_rather_than_failing_the_job() -> None:
    long_name = "n" * 80
    streams.remember_fields("pipedrive", "persons", {long_name: KEY}, {})
    assert streams.remembered_fields("pipedrive", "persons") == {}
