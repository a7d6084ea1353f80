"""The Brevo fake's contacts: imports, upserts, conflicts, attributes and lists, over HTTP."""

from __future__ import annotations

import time
from typing import Any

import httpx

from sandbox.server import SandboxHandle


def existing(contact: dict[str, Any] | None) -> dict[str, Any]:
    assert contact is not None, "no such contact in the fake"
    return contact


def wait_for_process(brevo: httpx.Client, process_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        process: dict[str, Any] = brevo.get(f"/processes/{process_id}").json()
        if process["status"] == "completed":
            return process
        time.sleep(0.02)
    raise AssertionError(f"import {process_id} did not complete")


def test_a_valid_import_completes_and_its_contacts_are_readable(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    rows = [
        {"email": "Zoe.Muller@Example.com", "attributes": {"FIRSTNAME": "Zoë", "EXT_ID": "pd:1"}},
        {"attributes": {"EXT_ID": "pd:2", "LASTNAME": "Núñez"}},
        {"attributes": {"SMS": "+33612345678"}},
    ]
    response = brevo.post("/contacts/import", json={"jsonBody": rows, "listIds": [3]})
    assert response.status_code == 202
    process_id = response.json()["processId"]

    process = wait_for_process(brevo, process_id)

    assert process["name"] == "IMPORTUSER"
    assert set(process["info"]["import"].values()) == {None}
    outcome = sandbox.brevo.import_outcome(process_id)
    assert outcome is not None
    assert (outcome.counts.imported, outcome.counts.failed) == (3, 0)
    by_email = brevo.get("/contacts/zoe.muller%40example.com").json()
    assert by_email["attributes"] == {"FIRSTNAME": "Zoë", "EXT_ID": "pd:1"}
    assert by_email["listIds"] == [3]
    by_ext_id = brevo.get("/contacts/pd:2", params={"identifierType": "ext_id"}).json()
    assert by_ext_id["attributes"]["LASTNAME"] == "Núñez"
    by_phone = brevo.get("/contacts/%2B33612345678", params={"identifierType": "phone_id"})
    assert by_phone.status_code == 200
    assert sandbox.brevo.contact_count() == 3
    assert sandbox.brevo.contact_by_ext_id("pd:1") == sandbox.brevo.contact_by_email(
        "ZOE.MULLER@example.com"
    )
    assert sandbox.brevo.off_spec == []


def test_import_rows_with_a_bad_email_or_no_identifier_are_counted_as_failed(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    rows = [
        {"email": "not-an-email", "attributes": {"FIRSTNAME": "A"}},
        {"attributes": {"FIRSTNAME": "nobody"}},
        {"email": "ok@example.com"},
    ]
    process_id = brevo.post("/contacts/import", json={"jsonBody": rows, "listIds": [1]}).json()[
        "processId"
    ]
    report = wait_for_process(brevo, process_id)["info"]["import"]
    outcome = sandbox.brevo.import_outcome(process_id)
    assert outcome is not None
    assert (outcome.counts.imported, outcome.counts.failed) == (1, 2)
    assert report["invalid_emails"] is not None
    assert [row.reason for row in outcome.failed_rows] == [
        "Invalid email address",
        "No email, EXT_ID or SMS to identify the contact",
    ]


def test_an_import_is_queued_until_its_delay_has_passed(brevo: httpx.Client) -> None:
    process_id = brevo.post(
        "/contacts/import", json={"jsonBody": [{"email": "q@example.com"}], "listIds": [1]}
    ).json()["processId"]
    assert brevo.get(f"/processes/{process_id}").json()["status"] == "queued"
    wait_for_process(brevo, process_id)
    listed = brevo.get("/processes").json()
    assert listed["count"] == 1
    assert listed["processes"][0]["id"] == process_id


def test_an_import_honours_update_existing_and_empty_attributes_flags(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    def run(rows: list[dict[str, Any]], **flags: Any) -> dict[str, int]:
        body = {"jsonBody": rows, "listIds": [1], **flags}
        process_id = brevo.post("/contacts/import", json=body).json()["processId"]
        wait_for_process(brevo, process_id)
        outcome = sandbox.brevo.import_outcome(process_id)
        assert outcome is not None
        return outcome.counts.as_json()

    run([{"email": "a@example.com", "attributes": {"FIRSTNAME": "Ana", "LASTNAME": "Silva"}}])
    skipped = run(
        [{"email": "a@example.com", "attributes": {"FIRSTNAME": "Other"}}],
        updateExistingContacts=False,
    )
    assert skipped["skipped"] == 1
    assert (
        existing(sandbox.brevo.contact_by_email("a@example.com"))["attributes"]["FIRSTNAME"]
        == "Ana"
    )

    run([{"email": "a@example.com", "attributes": {"LASTNAME": ""}}])
    assert (
        existing(sandbox.brevo.contact_by_email("a@example.com"))["attributes"]["LASTNAME"]
        == "Silva"
    )
    run([{"email": "a@example.com", "attributes": {"LASTNAME": ""}}], emptyContactsAttributes=True)
    assert "LASTNAME" not in existing(sandbox.brevo.contact_by_email("a@example.com"))["attributes"]


def test_an_import_needs_list_ids_or_a_new_list(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    rows = [{"email": "n@example.com"}]
    refused = brevo.post("/contacts/import", json={"jsonBody": rows})
    assert refused.status_code == 400
    assert refused.json()["code"] == "missing_parameter"
    accepted = brevo.post(
        "/contacts/import", json={"jsonBody": rows, "newList": {"listName": "Fresh"}}
    )
    assert accepted.status_code == 202
    sandbox.brevo.wait_for_imports()
    assert existing(sandbox.brevo.contact_by_email("n@example.com"))["listIds"] == [101]


def test_creating_a_contact_whose_email_or_sms_belongs_to_another_is_a_duplicate_parameter(
    brevo: httpx.Client,
) -> None:
    brevo.post("/contacts", json={"email": "one@example.com"})
    brevo.post(
        "/contacts", json={"email": "two@example.com", "attributes": {"SMS": "+4915112345678"}}
    )

    same_email = brevo.post("/contacts", json={"email": "one@example.com"})
    clash = brevo.post(
        "/contacts",
        json={
            "email": "one@example.com",
            "attributes": {"SMS": "004915112345678"},
            "updateEnabled": True,
        },
    )

    assert same_email.status_code == 400
    assert same_email.json()["code"] == "duplicate_parameter"
    assert same_email.json()["metadata"] == {"duplicate_identifiers": ["email"]}
    assert clash.status_code == 400
    assert clash.json()["metadata"] == {"duplicate_identifiers": ["SMS"]}


def test_create_with_update_enabled_creates_then_updates_the_same_contact(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    body = {"ext_id": "pd:9", "attributes": {"FIRSTNAME": "Iñaki"}, "updateEnabled": True}
    created = brevo.post("/contacts", json=body)
    updated = brevo.post("/contacts", json={**body, "attributes": {"FIRSTNAME": "Inés"}})
    assert created.status_code == 201
    assert isinstance(created.json()["id"], int)
    assert updated.status_code == 204
    assert sandbox.brevo.contact_count() == 1
    assert existing(sandbox.brevo.contact_by_ext_id("pd:9"))["attributes"]["FIRSTNAME"] == "Inés"


def test_a_contact_needs_an_identifier_and_a_valid_email(brevo: httpx.Client) -> None:
    nothing = brevo.post("/contacts", json={"attributes": {"FIRSTNAME": "X"}})
    bad_email = brevo.post("/contacts", json={"email": "no-dot@localhost"})
    bad_phone = brevo.post("/contacts", json={"attributes": {"SMS": "call me"}})
    assert nothing.json()["code"] == "missing_parameter"
    assert bad_email.json() == {"code": "invalid_parameter", "message": "Invalid email address"}
    assert bad_phone.json() == {"code": "invalid_parameter", "message": "Invalid phone number"}


def test_updating_by_ext_id_changes_attributes_and_email_and_refuses_a_taken_email(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    brevo.post("/contacts", json={"email": "old@example.com", "ext_id": "pd:5"})
    brevo.post("/contacts", json={"email": "taken@example.com"})

    moved = brevo.put(
        "/contacts/pd:5",
        params={"identifierType": "ext_id"},
        json={"attributes": {"EMAIL": "new@example.com", "LASTNAME": "Weiß"}},
    )
    clash = brevo.put(
        "/contacts/pd:5",
        params={"identifierType": "ext_id"},
        json={"attributes": {"EMAIL": "taken@example.com"}},
    )
    missing = brevo.put(
        "/contacts/pd:404", params={"identifierType": "ext_id"}, json={"attributes": {}}
    )

    assert moved.status_code == 204
    assert existing(sandbox.brevo.contact_by_ext_id("pd:5"))["email"] == "new@example.com"
    assert sandbox.brevo.contact_by_email("old@example.com") is None
    assert clash.json()["metadata"] == {"duplicate_identifiers": ["email"]}
    assert missing.status_code == 404
    assert missing.json()["code"] == "document_not_found"


def test_unknown_attributes_are_dropped_and_counted_until_they_are_created(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    brevo.post("/contacts", json={"email": "c@example.com", "attributes": {"COMPANY": "Atlas"}})
    assert existing(sandbox.brevo.contact_by_email("c@example.com"))["attributes"] == {}
    assert sandbox.brevo.attributes.ignored["COMPANY"] == 1

    created = brevo.post("/contacts/attributes/normal/company", json={"type": "text"})
    again = brevo.post("/contacts/attributes/normal/COMPANY", json={"type": "text"})
    brevo.put("/contacts/c@example.com", json={"attributes": {"COMPANY": "Atlas"}})

    assert created.status_code == 201
    assert again.status_code == 400
    names = [a["name"] for a in brevo.get("/contacts/attributes").json()["attributes"]]
    assert {"FIRSTNAME", "LASTNAME", "SMS", "EXT_ID", "COMPANY"} <= set(names)
    assert existing(sandbox.brevo.contact_by_email("c@example.com"))["attributes"] == {
        "COMPANY": "Atlas"
    }


def test_adding_contacts_to_a_list_reports_successes_and_failures(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    brevo.post("/contacts", json={"email": "in@example.com", "ext_id": "pd:1"})
    added = brevo.post(
        "/contacts/lists/7/contacts/add", json={"emails": ["in@example.com", "ghost@example.com"]}
    )
    again = brevo.post("/contacts/lists/7/contacts/add", json={"extIds": ["pd:1"]})
    no_list = brevo.post("/contacts/lists/999/contacts/add", json={"emails": ["in@example.com"]})

    assert added.status_code == 201
    assert added.json() == {
        "contacts": {"success": ["in@example.com"], "failure": ["ghost@example.com"]}
    }
    assert again.status_code == 400
    assert no_list.status_code == 404
    lists = {
        item["id"]: item
        for item in brevo.get("/contacts/lists", params={"limit": 50, "sort": "asc"}).json()[
            "lists"
        ]
    }
    assert lists[7]["totalSubscribers"] == 1
    assert brevo.get("/contacts/lists").json()["count"] == 100
    assert sandbox.brevo.off_spec == []


def test_contacts_are_listed_newest_first_with_a_total_count(brevo: httpx.Client) -> None:
    for i in range(5):
        brevo.post("/contacts", json={"email": f"p{i}@example.com"})
    page = brevo.get("/contacts", params={"limit": 2, "offset": 1}).json()
    assert page["count"] == 5
    assert [c["email"] for c in page["contacts"]] == ["p3@example.com", "p2@example.com"]


def test_the_harness_lists_contacts_and_stats_for_another_process(
    brevo: httpx.Client, brevo_control: httpx.Client
) -> None:
    brevo.post("/contacts/import", json={"jsonBody": [{"email": "s@example.com"}], "listIds": [1]})
    stats = brevo_control.get("/_sandbox/stats").json()
    assert stats["imports"]["pending"] + stats["imports"]["completed"] == 1
    deadline = time.monotonic() + 5
    while brevo_control.get("/_sandbox/stats").json()["contacts"] == 0:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    stats = brevo_control.get("/_sandbox/stats").json()
    assert stats["imports"] == {"pending": 0, "completed": 1}
    assert stats["off_spec"] == []
    listed = brevo_control.get("/_sandbox/contacts", params={"limit": 10}).json()
    assert [c["email"] for c in listed["contacts"]] == ["s@example.com"]
