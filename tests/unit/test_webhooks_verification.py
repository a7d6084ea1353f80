"""Webhook checks on the raw body and the reading of Pipedrive v2 deliveries (pure logic)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from pydantic import SecretStr

from connectors.core.webhooks import (
    BasicAuthCredentials,
    basic_auth_matches,
    hmac_base64,
    hmac_base64_matches,
    shared_secret_matches,
)
from connectors.pipedrive.settings import PipedriveWebhookRule
from connectors.pipedrive.webhooks import MalformedDelivery, brevo_events, parse
from workers.webhooks_cli import subscription_url

CREDENTIALS = BasicAuthCredentials(username="hooks", password=SecretStr("s3cret:with:colons"))
SHOP_SECRET = SecretStr("shpss_0123456789abcdef")


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_basic_auth_accepts_exactly_the_configured_credentials() -> None:
    assert basic_auth_matches(_basic("hooks", "s3cret:with:colons"), CREDENTIALS)
    assert basic_auth_matches("basic " + _basic("hooks", "s3cret:with:colons")[6:], CREDENTIALS)
    assert not basic_auth_matches(_basic("hooks", "s3cret:with:colon"), CREDENTIALS)
    assert not basic_auth_matches(_basic("Hooks", "s3cret:with:colons"), CREDENTIALS)
    assert not basic_auth_matches(None, CREDENTIALS)
    assert not basic_auth_matches("Basic !!not-base64!!", CREDENTIALS)
    assert not basic_auth_matches("Bearer s3cret:with:colons", CREDENTIALS)


def test_a_shopify_style_hmac_matches_the_raw_body_and_fails_on_one_changed_byte() -> None:
    body = json.dumps({"id": 820982911946154508, "email": "jon@example.com"}).encode()
    expected = base64.b64encode(
        hmac.new(SHOP_SECRET.get_secret_value().encode(), body, hashlib.sha256).digest()
    ).decode()
    assert hmac_base64(SHOP_SECRET, body) == expected
    assert hmac_base64_matches(expected, SHOP_SECRET, body)
    tampered = body.replace(b"jon", b"jan")
    assert len(tampered) == len(body)
    assert not hmac_base64_matches(expected, SHOP_SECRET, tampered)
    assert not hmac_base64_matches(expected, SecretStr("another-secret"), body)
    assert not hmac_base64_matches(None, SHOP_SECRET, body)
    # Re-encoding the same JSON (other spacing) is another body: verification is on raw bytes.
    respaced = json.dumps(json.loads(body), separators=(",", ":")).encode()
    assert not hmac_base64_matches(expected, SHOP_SECRET, respaced)


def test_a_shared_secret_header_must_match_exactly() -> None:
    assert shared_secret_matches("token-1", SecretStr("token-1"))
    assert not shared_secret_matches("token-2", SecretStr("token-1"))
    assert not shared_secret_matches("", SecretStr("token-1"))


def _v2(action: str, **meta: object) -> dict[str, object]:
    return {
        "meta": {"id": "d-1", "action": action, "entity": "person", "entity_id": "42", **meta},
        "data": None,
        "previous": None,
    }


def test_a_v2_change_delivery_is_one_person_hint_keyed_by_its_delivery_id() -> None:
    delivery = parse(_v2("change"))
    assert delivery.delivery_id == "d-1"
    [hint] = delivery.hints
    assert (hint.resource, hint.object_id, hint.action) == ("persons", "42", "change")
    assert hint.merged_into is None


def test_a_delete_with_merged_to_id_is_a_merge_into_the_survivor() -> None:
    [hint] = parse(_v2("delete", merged_to_id="7")).hints
    assert (hint.action, hint.merged_into) == ("merge", "7")
    [plain] = parse(_v2("delete")).hints
    assert plain.action == "delete"


def test_v1_action_names_are_read_as_their_v2_equivalents() -> None:
    assert parse(_v2("added")).hints[0].action == "create"
    assert parse(_v2("updated")).hints[0].action == "change"
    assert parse(_v2("merged")).hints[0].action == "merge"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([], "body"),
        ({"meta": "x"}, "meta"),
        ({"meta": {"action": "change", "entity": "person", "entity_id": "1"}}, "meta.id"),
        ({"meta": {"id": "1", "action": "change", "entity_id": "1"}}, "meta.entity"),
        ({"meta": {"id": "1", "action": "poke", "entity": "person", "entity_id": "1"}}, "action"),
        ({"meta": {"id": "1", "action": "change", "entity": "person"}}, "meta.entity_id"),
        ({"meta": {"id": True, "action": "change", "entity": "person", "entity_id": 1}}, "meta.id"),
    ],
)
def test_a_delivery_missing_a_field_is_refused_naming_the_field(
    payload: object, field: str
) -> None:
    with pytest.raises(MalformedDelivery, match=field.replace(".", r"\.")):
        parse(payload)


def test_the_docs_webhook_rules_name_brevo_events_for_v2_changes() -> None:
    rules = [
        PipedriveWebhookRule(event_action=action, event_object=obj, brevo_event=event)
        for action, obj, event in [
            ("added", "person", "contact_created"),
            ("updated", "person", "contact_updated"),
            ("merged", "person", "contact_merged"),
            ("updated", "deal", "deal_updated"),
            ("*", "person", "person_touched"),
        ]
    ]
    assert brevo_events(rules, "persons", "create") == ["contact_created", "person_touched"]
    assert brevo_events(rules, "persons", "change") == ["contact_updated", "person_touched"]
    assert brevo_events(rules, "persons", "merge") == ["contact_merged", "person_touched"]
    assert brevo_events(rules, "deals", "change") == ["deal_updated"]
    assert brevo_events(rules, "deals", "delete") == []


def test_the_subscription_url_gets_the_connector_path_once() -> None:
    assert subscription_url("https://hooks.example.com", "pipedrive") == (
        "https://hooks.example.com/webhooks/pipedrive"
    )
    assert subscription_url("https://hooks.example.com/webhooks/pipedrive/", "pipedrive") == (
        "https://hooks.example.com/webhooks/pipedrive"
    )
