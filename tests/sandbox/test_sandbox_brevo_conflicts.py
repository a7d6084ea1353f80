"""The Brevo fake keeps email, SMS and ext_id unique across contacts and answers Brevo's
conflicts (code, message and `metadata.duplicate_identifiers`) over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from sandbox.server import SandboxHandle


def existing(contact: dict[str, Any] | None) -> dict[str, Any]:
    assert contact is not None, "no such contact in the fake"
    return contact


def seed_two_contacts(brevo: httpx.Client) -> None:
    """A: a@example.com / pd:a / +33611111111; B: b@example.com / pd:b / +33622222222."""
    for letter, phone in (("a", "+33611111111"), ("b", "+33622222222")):
        created = brevo.post(
            "/contacts",
            json={
                "email": f"{letter}@example.com",
                "ext_id": f"pd:{letter}",
                "attributes": {"SMS": phone},
            },
        )
        assert created.status_code == 201


def test_creating_a_contact_with_a_taken_sms_or_ext_id_names_each_clash(
    brevo: httpx.Client,
) -> None:
    seed_two_contacts(brevo)

    by_sms = brevo.post(
        "/contacts", json={"email": "c@example.com", "attributes": {"SMS": "0033611111111"}}
    )
    by_both = brevo.post(
        "/contacts",
        json={"email": "a@example.com", "ext_id": "pd:b", "attributes": {"FIRSTNAME": "X"}},
    )

    assert by_sms.status_code == 400
    assert by_sms.json() == {
        "code": "duplicate_parameter",
        "message": "Unable to create contact, SMS is already associated with another Contact",
        "metadata": {"duplicate_identifiers": ["SMS"]},
    }
    assert by_both.json()["code"] == "duplicate_parameter"
    assert by_both.json()["metadata"] == {"duplicate_identifiers": ["email", "ext_id"]}


def test_an_upsert_finds_its_contact_by_ext_id_and_reports_an_email_held_by_another(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    seed_two_contacts(brevo)

    clash = brevo.post(
        "/contacts",
        json={"email": "b@example.com", "ext_id": "pd:a", "updateEnabled": True},
    )
    renamed = brevo.post(
        "/contacts",
        json={"email": "a.new@example.com", "ext_id": "pd:a", "updateEnabled": True},
    )

    assert clash.status_code == 400
    assert clash.json() == {
        "code": "invalid_parameter",
        "message": "Unable to update contact, email is already associated with another Contact",
        "metadata": {"duplicate_identifiers": ["email"]},
    }
    assert renamed.status_code == 204
    assert existing(sandbox.brevo.contact_by_ext_id("pd:a"))["email"] == "a.new@example.com"
    assert (
        existing(sandbox.brevo.contact_by_email("b@example.com"))["attributes"]["EXT_ID"] == "pd:b"
    )


def test_the_code_of_an_update_conflict_can_be_switched_to_duplicate_parameter(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    seed_two_contacts(brevo)
    sandbox.brevo.update_conflict_code = "duplicate_parameter"

    clash = brevo.put(
        "/contacts/pd:a",
        params={"identifierType": "ext_id"},
        json={"attributes": {"SMS": "+33622222222"}},
    )

    assert clash.json()["code"] == "duplicate_parameter"
    assert clash.json()["metadata"] == {"duplicate_identifiers": ["SMS"]}


def test_updating_by_phone_id_or_email_id_finds_the_contact_and_refuses_a_taken_ext_id(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    seed_two_contacts(brevo)

    by_phone = brevo.put(
        "/contacts/+33611111111",
        params={"identifierType": "phone_id"},
        json={"attributes": {"FIRSTNAME": "Ana"}},
    )
    taken_ext_id = brevo.put(
        "/contacts/a@example.com",
        params={"identifierType": "email_id"},
        json={"ext_id": "pd:b"},
    )
    unknown = brevo.put(
        "/contacts/+33699999999", params={"identifierType": "phone_id"}, json={"attributes": {}}
    )

    assert by_phone.status_code == 204
    assert (
        existing(sandbox.brevo.contact_by_sms("+33611111111"))["attributes"]["FIRSTNAME"] == "Ana"
    )
    assert taken_ext_id.status_code == 400
    assert taken_ext_id.json()["metadata"] == {"duplicate_identifiers": ["ext_id"]}
    assert unknown.status_code == 404
    assert (
        existing(sandbox.brevo.contact_by_email("a@example.com"))["attributes"]["EXT_ID"] == "pd:a"
    )
    assert sandbox.brevo.off_spec == []


def test_blocklist_flags_are_stored_readable_and_only_changed_when_sent(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    brevo.post(
        "/contacts",
        json={"email": "stop@example.com", "emailBlacklisted": True, "smsBlacklisted": False},
    )
    brevo.post(
        "/contacts",
        json={"email": "stop@example.com", "attributes": {"FIRSTNAME": "S"}, "updateEnabled": True},
    )
    after_upsert = brevo.get("/contacts/stop%40example.com").json()

    brevo.put("/contacts/stop@example.com", json={"smsBlacklisted": True})
    after_put = brevo.get("/contacts/stop%40example.com").json()

    assert after_upsert["emailBlacklisted"] is True
    assert after_upsert["smsBlacklisted"] is False
    assert (after_put["emailBlacklisted"], after_put["smsBlacklisted"]) == (True, True)
    assert existing(sandbox.brevo.contact_by_email("stop@example.com"))["smsBlacklisted"] is True


def test_a_conflict_changes_nothing(sandbox: SandboxHandle, brevo: httpx.Client) -> None:
    seed_two_contacts(brevo)
    before = [sandbox.brevo.contact_by_ext_id("pd:a"), sandbox.brevo.contact_by_ext_id("pd:b")]

    brevo.post(
        "/contacts",
        json={
            "ext_id": "pd:a",
            "attributes": {"SMS": "+33622222222", "FIRSTNAME": "Changed"},
            "updateEnabled": True,
        },
    )

    after = [sandbox.brevo.contact_by_ext_id("pd:a"), sandbox.brevo.contact_by_ext_id("pd:b")]
    assert after == before
    assert sandbox.brevo.contact_count() == 2
