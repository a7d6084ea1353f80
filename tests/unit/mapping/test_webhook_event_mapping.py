"""Pipedrive `webhooks:` rules: vendor changes become Brevo `event.track` operations."""

from __future__ import annotations

from typing import Any

import pytest

from mapping import MappingError, Reason, SpecError, compile_record_mapping, compile_webhook_events

# The Pipedrive docs' own rules.
DOCS_RULES = [
    {"event_action": "added", "event_object": "person", "brevo_event": "contact_created"},
    {"event_action": "updated", "event_object": "person", "brevo_event": "contact_updated"},
    {"event_action": "added", "event_object": "deal", "brevo_event": "deal_created"},
    {"event_action": "updated", "event_object": "deal", "brevo_event": "deal_updated"},
    {"event_action": "merged", "event_object": "person", "brevo_event": "contact_merged"},
    {"event_action": "added", "event_object": "activity", "brevo_event": "activity_logged"},
]
MAPPER = compile_record_mapping(
    [compile_webhook_events(DOCS_RULES)], vendor="pipedrive", resource="webhooks", id_path="meta.id"
)


def payload(action: str, entity: str, data: Any, previous: Any = None, **meta: Any) -> dict:
    return {
        "meta": {"id": "9f1c", "action": action, "entity": entity, "version": "2.0", **meta},
        "data": data,
        "previous": previous,
    }


def test_a_deal_stage_change_is_a_deal_updated_event_on_its_person_with_the_previous_stage() -> (
    None
):
    change = payload(
        "change",
        "deal",
        {"id": 42, "title": "Big", "value": 120, "currency": "EUR", "stage_id": 3, "person_id": 7},
        {"stage_id": 2},
        entity_id="42",
        timestamp="2024-09-27T14:25:28+02:00",
    )
    (op,) = MAPPER.map_operations(change)
    assert op.to_json() == {
        "op": "event.track",
        "key": "event:deal_updated:9f1c",
        "source_id": "9f1c",
        "body": {
            "event_name": "deal_updated",
            "identifiers": {"ext_id": "pipedrive:persons:7"},
            "event_date": "2024-09-27T12:25:28Z",
            "event_properties": {
                "object": "deal",
                "action": "change",
                "object_id": "42",
                "title": "Big",
                "value": 120,
                "currency": "EUR",
                "stage_id": 3,
                "previous_stage_id": 2,
            },
        },
    }


def test_v1_action_names_in_the_rules_match_v2_payloads() -> None:
    created = payload("create", "person", {"id": 5, "name": "Ana"}, entity_id="5")
    (op,) = MAPPER.map_operations(created)
    assert op.body["event_name"] == "contact_created"
    assert op.body["identifiers"] == {"ext_id": "pipedrive:persons:5"}


def test_a_merge_is_a_delete_with_merged_to_id_and_lands_on_the_surviving_person() -> None:
    merged = payload("delete", "person", None, {"id": 5, "name": "Ana"}, entity_id="5")
    merged["meta"]["merged_to_id"] = "8"
    (op,) = MAPPER.map_operations(merged)
    assert op.body["event_name"] == "contact_merged"
    assert op.body["identifiers"] == {"ext_id": "pipedrive:persons:8"}


def test_a_change_no_rule_asks_for_maps_to_no_operation() -> None:
    assert MAPPER.map_operations(payload("delete", "deal", None, {"id": 1, "person_id": 2})) == []
    assert MAPPER.map_operations(payload("change", "product", {"id": 1})) == []


def test_an_activity_without_a_person_is_a_missing_identifier() -> None:
    with pytest.raises(MappingError) as caught:
        MAPPER.map_operations(payload("create", "activity", {"id": 3, "subject": "Call"}))
    assert caught.value.reason is Reason.MISSING_IDENTIFIER
    assert "activity_logged" in caught.value.message


def test_a_payload_without_meta_or_delivery_id_is_an_unsupported_record() -> None:
    for bad in ({"data": {}}, {"meta": {"action": "change", "entity": "deal"}}):
        with pytest.raises(MappingError) as caught:
            MAPPER.map_operations(bad)
        assert caught.value.reason is Reason.UNSUPPORTED_RECORD


def test_wildcards_match_every_action_and_object() -> None:
    mapper = compile_record_mapping(
        [compile_webhook_events([{"event_action": "*", "event_object": "*", "brevo_event": "x"}])],
        vendor="pipedrive",
        resource="webhooks",
        id_path="meta.id",
    )
    assert len(mapper.map_operations(payload("change", "lead", {"id": "l1", "person_id": 3}))) == 1


@pytest.mark.parametrize(
    ("rule", "key_path"),
    [
        ({"event_action": "renamed", "event_object": "deal", "brevo_event": "x"}, "event_action"),
        ({"event_action": "added", "event_object": "Deal!", "brevo_event": "x"}, "event_object"),
        (
            {"event_action": "added", "event_object": "deal", "brevo_event": "deal created"},
            "brevo_event",
        ),
    ],
)
def test_a_bad_rule_is_a_spec_error_naming_its_key(rule: dict[str, str], key_path: str) -> None:
    with pytest.raises(SpecError) as caught:
        compile_webhook_events([DOCS_RULES[0], rule])
    assert caught.value.key_path == f"webhooks[1].{key_path}"
