"""Shopify consent on the contact upsert: subscribed -> the channel's list, unsubscribed -> its
blocklist flag, and never a re-subscription."""

from __future__ import annotations

from typing import Any

import pytest

from mapping import SpecError, compile_contact_mapping, consent_lists

MAPPER = compile_contact_mapping(
    {"email": "email", "phone": "SMS"},
    vendor="shopify",
    resource="customers",
    extras=(consent_lists({"newsletter": 12, "sms": 13}),),
)
BASE = {"id": 1, "email": "ana@example.com", "phone": "+33612345678"}


def contact(customer: dict[str, Any]) -> dict[str, Any]:
    """The upsert's lists and flags; consent adds no operation of its own."""
    [upsert] = MAPPER.map_operations({**BASE, **customer})
    data: dict[str, Any] = dict(upsert.to_json())
    assert data["op"] == "contact.upsert"
    return {k: data[k] for k in ("list_ids", "email_blacklisted", "sms_blacklisted") if k in data}


def test_a_subscribed_customer_joins_the_newsletter_and_sms_lists() -> None:
    assert contact(
        {
            "email_marketing_consent": {"state": "subscribed"},
            "sms_marketing_consent": {"state": "subscribed"},
        }
    ) == {"list_ids": [12, 13]}


def test_graphql_marketing_states_in_capitals_are_read_too() -> None:
    assert contact({"emailMarketingConsent": {"marketingState": "SUBSCRIBED"}}) == {
        "list_ids": [12]
    }


@pytest.mark.parametrize("state", ["unsubscribed", "redacted"])
def test_an_unsubscribed_customer_is_blocklisted_and_never_added_to_a_list(state: str) -> None:
    assert contact({"email_marketing_consent": {"state": state}}) == {
        "list_ids": [],
        "email_blacklisted": True,
    }


@pytest.mark.parametrize("state", ["not_subscribed", "pending", "invalid", None, 3, ["x"]])
def test_any_other_state_changes_nothing(state: object) -> None:
    assert contact({"email_marketing_consent": {"state": state}}) == {"list_ids": []}


def test_both_channels_unsubscribed_flag_both_on_the_one_upsert() -> None:
    assert contact(
        {
            "email_marketing_consent": {"state": "unsubscribed"},
            "sms_marketing_consent": {"state": "unsubscribed"},
        }
    ) == {"list_ids": [], "email_blacklisted": True, "sms_blacklisted": True}


def test_the_flag_a_spec_maps_itself_is_kept() -> None:
    mapper = compile_contact_mapping(
        {"email": "email", "email_marketing_consent": "emailBlacklisted"},
        vendor="shopify",
        resource="customers",
        extras=(consent_lists({}),),
    )
    ops = mapper.map_operations({**BASE, "email_marketing_consent": {"state": "unsubscribed"}})
    assert [op.to_json()["op"] for op in ops] == ["contact.upsert"]
    assert ops[0].to_json()["email_blacklisted"] is True  # type: ignore[typeddict-item]


def test_no_list_is_joined_without_the_channel_identifier_or_a_configured_list() -> None:
    [no_phone] = MAPPER.map_operations(
        {"id": 2, "email": "b@example.com", "sms_marketing_consent": {"state": "subscribed"}}
    )
    assert no_phone.to_json()["list_ids"] == []  # type: ignore[typeddict-item]
    unconfigured = compile_contact_mapping(
        {"email": "email"}, vendor="shopify", resource="customers", extras=(consent_lists({}),)
    )
    subscribed = {**BASE, "email_marketing_consent": {"state": "subscribed"}}
    [upsert] = unconfigured.map_operations(subscribed)
    assert upsert.to_json()["list_ids"] == []  # type: ignore[typeddict-item]


def test_a_bad_consent_list_id_is_a_spec_error_naming_the_list() -> None:
    with pytest.raises(SpecError) as caught:
        consent_lists({"newsletter": "twelve"})
    assert caught.value.key_path == "lists.newsletter"


def test_extras_change_the_mapping_version_and_no_extras_keep_it() -> None:
    plain = compile_contact_mapping({"email": "email"}, vendor="shopify", resource="customers")
    same = compile_contact_mapping(
        {"email": "email"}, vendor="shopify", resource="customers", extras=()
    )
    with_consent = compile_contact_mapping(
        {"email": "email"}, vendor="shopify", resource="customers", extras=(consent_lists({}),)
    )
    assert plain.version == same.version != with_consent.version
