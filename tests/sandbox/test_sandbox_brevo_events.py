"""The Brevo fake's events: single and batch, validated (the spec, or brevo-python's types for
/events/batch), kept for tests to read, and limited by their own bucket."""

from __future__ import annotations

from typing import Any

import httpx

from sandbox.server import SandboxHandle


def event(name: str = "order_paid", **identifiers: Any) -> dict[str, Any]:
    return {
        "event_name": name,
        "identifiers": identifiers or {"email_id": "a@example.com"},
        "event_date": "2024-01-24T17:39:57+01:00",
        "event_properties": {"amount": 12.5, "items": [{"sku": "A"}], "paid": True},
    }


def test_a_single_event_is_a_204_and_is_kept_as_sent(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    response = brevo.post("/events", json=event(ext_id="pd:1"))

    assert response.status_code == 204
    [kept] = sandbox.brevo.events.all()
    assert kept["identifiers"] == {"ext_id": "pd:1"}
    assert kept["event_properties"]["items"] == [{"sku": "A"}]
    assert sandbox.brevo.events_for(ext_id="pd:1") == [kept]
    assert sandbox.brevo.off_spec == []


def test_contact_properties_update_the_contact_the_event_names(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    brevo.post("/contacts", json={"email": "a@example.com"})
    body = {**event(email_id="A@Example.com"), "contact_properties": {"FIRSTNAME": "Ana"}}

    assert brevo.post("/events", json=body).status_code == 204

    contact = sandbox.brevo.contact_by_email("a@example.com")
    assert contact is not None
    assert contact["attributes"]["FIRSTNAME"] == "Ana"
    assert len(sandbox.brevo.events_for(email="a@example.com")) == 1


def test_a_single_event_brevo_would_refuse_is_a_400_invalid_parameter(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    bad_name = brevo.post("/events", json=event("order paid!"))
    bad_email = brevo.post("/events", json=event(email_id="not-an-email"))
    no_identifier = brevo.post("/events", json={"event_name": "x", "identifiers": {}})

    assert bad_name.json()["code"] == "invalid_parameter"
    assert "event_name" in bad_name.json()["message"]
    assert bad_email.json() == {"code": "invalid_parameter", "message": "Invalid email_id"}
    assert no_identifier.status_code == 400
    # minProperties is the spec's own rule: that one is off-spec, the other two are not
    assert [o["path"] for o in sandbox.brevo.off_spec] == ["/v3/events"]
    assert sandbox.brevo.events.all() == []


def test_a_batch_of_valid_events_is_accepted_with_its_count(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    events = [event(email_id=f"p{i}@example.com") for i in range(3)]

    response = brevo.post("/events/batch", json={"events": events})

    assert response.status_code == 202
    assert response.json() == {"message": "Batch accepted", "count": 3}
    assert sandbox.brevo.events.count() == 3
    assert sandbox.brevo.request_count("/v3/events/batch") == 1


def test_a_batch_with_some_rejected_events_is_a_207_naming_their_indexes(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    events = [
        event(email_id="ok@example.com"),
        event(email_id="broken"),
        event("bad name"),
        event(email_id="also-broken"),
    ]

    response = brevo.post("/events/batch", json={"events": events})

    assert response.status_code == 207
    body = response.json()
    assert (body["total_events"], body["successful_events"], body["failed_events"]) == (4, 1, 3)
    assert {"eventIndex": [1, 3], "message": "Invalid email_id"} in body["errors"]
    assert [e["identifiers"]["email_id"] for e in sandbox.brevo.events.all()] == ["ok@example.com"]


def test_a_batch_with_no_acceptable_event_is_a_400(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    response = brevo.post("/events/batch", json={"events": [event(email_id="nope")]})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert sandbox.brevo.off_spec == []


def test_a_batch_that_breaks_the_sdk_types_is_off_spec_and_names_the_field(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    misspelt = {"events": [{"eventName": "x", "identifiers": {"email_id": "a@example.com"}}]}
    wrong_type = {"events": [{**event(), "contact_properties": {"AGE": 3.5}}]}

    first = brevo.post("/events/batch", json=misspelt)
    second = brevo.post("/events/batch", json=wrong_type)
    empty = brevo.post("/events/batch", json={"events": []})

    assert [r.status_code for r in (first, second, empty)] == [400, 400, 400]
    messages = [o["message"] for o in sandbox.brevo.off_spec]
    assert "$.events[0].event_name: Field required" in messages[0]
    assert "$.events[0].eventName: Extra inputs are not permitted" in messages[0]
    assert "$.events[0].contact_properties.AGE" in messages[1]
    assert len(messages) == 3
    assert sandbox.brevo.events.all() == []


def test_events_have_their_own_bucket_of_ten_per_second(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    statuses = [brevo.post("/events", json=event()).status_code for _ in range(11)]
    contacts = brevo.get("/contacts")

    assert statuses == [204] * 10 + [429]
    assert contacts.status_code == 200
    assert contacts.headers["x-sib-ratelimit-remaining"] == "9"
    refused = brevo.post("/events/batch", json={"events": [event()]})
    assert refused.status_code == 429
    assert refused.headers["x-sib-ratelimit-limit"] == "10"
