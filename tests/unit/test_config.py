"""The YAML config: the connector docs' blocks load as written; every mistake names its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.core.errors import ConfigError
from workers.config import parse_config

EXAMPLES = Path(__file__).parent.parent / "fixtures" / "config-examples"

ISSUE_BLOCK = """
connectors:
  pipedrive:
    enabled: true
    api_token: "${PIPEDRIVE_API_TOKEN}"
    company_domain: "yourcompany"
    sync: {persons: true, deals: true, organizations: true, activities: true, leads: true}
    lists: {all_contacts: 60, qualified_leads: 61, customers: 62, churned: 63}
    person_mapping:
      email: email
      name: FULLNAME
      first_name: FIRSTNAME
      last_name: LASTNAME
      phone: SMS
      org_id.name: COMPANY
"""


def test_the_pipedrive_block_of_the_docs_loads_as_written() -> None:
    config = parse_config(ISSUE_BLOCK, env={"PIPEDRIVE_API_TOKEN": "tok-123"})
    pipedrive = config.connectors.pipedrive
    assert pipedrive is not None
    assert pipedrive.api_token is not None
    assert pipedrive.api_token.get_secret_value() == "tok-123"
    assert pipedrive.lists["qualified_leads"] == 61
    assert pipedrive.person_mapping["org_id.name"] == "COMPANY"
    assert pipedrive.effective_base_url == "https://yourcompany.pipedrive.com"


def test_the_pipedrive_config_example_file_loads_as_written() -> None:
    config = parse_config((EXAMPLES / "pipedrive.yaml").read_text(), env={})
    pipedrive = config.connectors.pipedrive
    assert pipedrive is not None
    assert pipedrive.deal_stage_mapping == {1: 61, 2: 61, 3: 62, 4: 62, "won": 63, "lost": 64}
    assert [w.brevo_event for w in pipedrive.webhooks][-1] == "activity_logged"
    assert pipedrive.person_mapping["custom_fields.lead_source"] == "LEAD_SOURCE"


def test_an_unset_variable_names_its_key() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(ISSUE_BLOCK, env={})
    assert caught.value.key_path == "connectors.pipedrive.api_token"
    assert "PIPEDRIVE_API_TOKEN" in caught.value.problem


def test_a_default_in_the_variable_reference_is_used_when_unset() -> None:
    text = ISSUE_BLOCK.replace("${PIPEDRIVE_API_TOKEN}", "${PIPEDRIVE_API_TOKEN:-fallback}")
    config = parse_config(text, env={})
    assert config.connectors.pipedrive is not None


def test_an_unknown_key_is_named() -> None:
    text = ISSUE_BLOCK.replace("    enabled: true\n", "    enabled: true\n    colour: blue\n")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, env={"PIPEDRIVE_API_TOKEN": "x"})
    assert caught.value.key_path == "connectors.pipedrive.colour"
    assert caught.value.problem == "unknown key"


def test_a_wrong_type_is_named_without_echoing_the_value() -> None:
    text = ISSUE_BLOCK.replace("all_contacts: 60", "all_contacts: sixty")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, env={"PIPEDRIVE_API_TOKEN": "x"})
    assert caught.value.key_path == "connectors.pipedrive.lists.all_contacts"
    assert "sixty" not in str(caught.value)


def test_an_enabled_connector_without_a_token_is_refused() -> None:
    text = ISSUE_BLOCK.replace('    api_token: "${PIPEDRIVE_API_TOKEN}"\n', "")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, env={})
    assert caught.value.key_path == "connectors.pipedrive"
    assert "api_token" in caught.value.problem


def test_broken_yaml_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        parse_config("connectors: [unclosed", env={})


def test_an_empty_file_is_an_empty_config() -> None:
    assert parse_config("", env={}).enabled_connectors() == {}
