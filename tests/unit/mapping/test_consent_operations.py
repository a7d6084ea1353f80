"""Shopify consent: subscribed -> list.add, unsubscribed -> contact.blocklist, no re-subscribe."""

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


def kinds(customer: dict[str, Any]) -> list[tuple[str, Any]]:
    ops = MAPPER.map_operations({**BASE, **customer})
    assert ops[0].to_json()["op"] == "contact.upsert"
    return [(op.op, op.body.get("listId", op.body)) for op in ops[1:]]  # type: ignore[union-attr]


def test_a_subscribed_customer_joins_the_newsletter_and_sms_lists() -> None:
    assert kinds(
        {
            "email_marketing_consent": {"state": "subscribed"},
            "sms_marketing_consent": {"state": "subscribed"},
        }
    ) == [("list.add", 12), ("list.add", 13)]


def test_graphql_marketing_states_in_capitals_are_read_too() -> None:
    assert kinds({"emailMarketingConsent": {"marketingState": "SUBSCRIBED"}}) == [("list.add", 12)]


@pytest.mark.parametrize("state", ["unsubscribed", "redacted"])
def test_an_unsubscribed_customer_is_blocklisted_and_never_added_to_a_list(state: str) -> None:
    ops = kinds({"email_marketing_consent": {"state": state}})
    assert ops == [
        (
            "contact.blocklist",
            {"identifier": {"ext_id": "shopify:customers:1"}, "emailBlacklisted": True},
        )
    ]


@pytest.mark.parametrize("state", ["not_subscribed", "pending", "invalid", None, 3, ["x"]])
def test_any_other_state_changes_nothing(state: object) -> None:
    assert kinds({"email_marketing_consent": {"state": state}}) == []


def test_both_channels_unsubscribed_make_one_blocklist_operation_with_both_flags() -> None:
    ops = kinds(
        {
            "email_marketing_consent": {"state": "unsubscribed"},
            "sms_marketing_consent": {"state": "unsubscribed"},
        }
    )
    assert ops == [
        (
            "contact.blocklist",
            {
                "identifier": {"ext_id": "shopify:customers:1"},
                "emailBlacklisted": True,
                "smsBlacklisted": True,
            },
        )
    ]


def test_no_blocklist_operation_when_the_upsert_already_carries_the_flag() -> None:
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
    no_phone = MAPPER.map_operations(
        {"id": 2, "email": "b@example.com", "sms_marketing_consent": {"state": "subscribed"}}
    )
    assert len(no_phone) == 1
    unconfigured = compile_contact_mapping(
        {"email": "email"}, vendor="shopify", resource="customers", extras=(consent_lists({}),)
    )
    subscribed = {**BASE, "email_marketing_consent": {"state": "subscribed"}}
    assert len(unconfigured.map_operations(subscribed)) == 1


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
