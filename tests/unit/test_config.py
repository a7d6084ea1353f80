"""The YAML config: the connector docs' blocks load as written; every mistake names its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.core.errors import ConfigError
from tasks.streams import mapper_for
from workers.config import parse_config
from workers.plan import mapping_versions

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


SHOPIFY_ENV = {"SHOPIFY_API_KEY": "key-1", "SHOPIFY_API_SECRET": "secret-1"}


def test_the_shopify_config_example_file_loads_as_written() -> None:
    config = parse_config((EXAMPLES / "shopify.yaml").read_text(), env=SHOPIFY_ENV)
    shopify = config.connectors.shopify
    assert shopify is not None
    assert shopify.api_secret is not None
    assert shopify.api_secret.get_secret_value() == "secret-1"
    assert shopify.field_mapping == {
        "email": "email",
        "first_name": "FIRSTNAME",
        "last_name": "LASTNAME",
        "total_spent": "TOTAL_SPENT",
    }


def test_the_shopify_example_field_mapping_compiles_and_maps_a_customer() -> None:
    config = parse_config((EXAMPLES / "shopify.yaml").read_text(), env=SHOPIFY_ENV)
    versions = mapping_versions(config, "shopify")  # what `tajo config check` compiles
    mapper = mapper_for(config, "shopify", "customers")
    assert versions["customers"] == mapper.version
    # every resource the example syncs has a mapping, and each is compiled
    assert set(versions) == {"customers", "orders", "products", "carts"}
    customer = {"id": 7, "email": "Zoe@Example.com", "first_name": "Zoë", "total_spent": "19.90"}
    operation = mapper.map(customer)
    assert operation.email == "zoe@example.com"
    assert operation.attributes == {"FIRSTNAME": "Zoë", "TOTAL_SPENT": 19.9}


def check_pipedrive_mapping(extra_lines: str) -> ConfigError:
    """The error `tajo config check` reports for the issue's block with `extra_lines` appended
    to its person_mapping; parsing alone succeeds (specs are compiled, not parsed, there)."""
    config = parse_config(ISSUE_BLOCK + extra_lines, env={"PIPEDRIVE_API_TOKEN": "x"})
    with pytest.raises(ConfigError) as caught:
        mapping_versions(config, "pipedrive")
    return caught.value


def test_a_spec_with_an_unknown_transform_names_the_transform_key() -> None:
    error = check_pipedrive_mapping("      NICKNAME: {from: name, transform: [strip, shout]}\n")
    assert error.key_path == "connectors.pipedrive.person_mapping.NICKNAME.transform[1]"
    assert "unknown transform 'shout'" in error.problem


def test_a_spec_with_an_attribute_not_in_upper_case_names_the_source_key() -> None:
    error = check_pipedrive_mapping("      nickname: FirstName\n")
    assert error.key_path == "connectors.pipedrive.person_mapping.nickname"
    assert "UPPER_CASE" in error.problem


def test_a_long_form_attribute_not_in_upper_case_names_its_key() -> None:
    error = check_pipedrive_mapping("      Nickname: {from: first_name}\n")
    assert error.key_path == "connectors.pipedrive.person_mapping.Nickname"


def test_a_spec_with_a_malformed_json_pointer_names_the_from_key() -> None:
    error = check_pipedrive_mapping('      WORK_PHONE: {from: "/phones/~2/value"}\n')
    assert error.key_path == "connectors.pipedrive.person_mapping.WORK_PHONE.from"
    assert "RFC 6901" in error.problem


def test_a_malformed_pointer_among_several_sources_names_its_index() -> None:
    error = check_pipedrive_mapping('      FULL: {from: [name, "/a//b"], transform: concat}\n')
    assert error.key_path == "connectors.pipedrive.person_mapping.FULL.from[1]"
