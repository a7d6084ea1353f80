"""The documented shapes of deals, organizations, activities and leads."""

from __future__ import annotations

from connectors.pipedrive.present import (
    ACTIVITY_KEYS,
    DEAL_KEYS,
    LEAD_KEYS,
    ORGANIZATION_KEYS,
    present_activity,
    present_deal,
    present_lead,
    present_organization,
)


def test_a_deal_keeps_every_field_and_always_has_the_documented_keys() -> None:
    deal = present_deal({"id": 4, "title": "Pilot", "extra": 1})

    assert set(DEAL_KEYS) <= set(deal)
    assert deal["extra"] == 1
    assert deal["won_time"] is None


def test_v1_style_embedded_ids_become_bare_ids() -> None:
    deal = present_deal({"id": 4, "person_id": {"value": 7, "name": "Ana"}, "org_id": {"value": 2}})

    assert (deal["person_id"], deal["org_id"]) == (7, 2)


def test_a_deleted_deal_says_so_in_its_status() -> None:
    assert present_deal({"id": 4, "status": "won", "is_deleted": True})["status"] == "deleted"


def test_a_malformed_value_is_passed_on_as_it_came() -> None:
    deal = present_deal({"id": 4, "person_id": "not-an-id", "value": "a lot"})

    assert (deal["person_id"], deal["value"]) == ("not-an-id", "a lot")


def test_an_activity_without_a_person_names_its_primary_participant() -> None:
    activity = present_activity(
        {"id": 1, "person_id": None, "participants": [{"person_id": 9, "primary": True}]}
    )

    assert set(ACTIVITY_KEYS) <= set(activity)
    assert activity["person_id"] == 9


def test_a_lead_names_its_organization_like_the_other_resources() -> None:
    lead = present_lead({"id": "abc", "organization_id": 5})

    assert set(LEAD_KEYS) <= set(lead)
    assert lead["org_id"] == 5


def test_an_organization_always_has_a_name_and_an_address_key() -> None:
    assert set(ORGANIZATION_KEYS) <= set(present_organization({"id": 1}))
