"""The Brevo fake's list membership calls: add and remove by emails, ids or extIds, at most
150 a call, answered with Brevo's `contacts.success/failure` shape."""

from __future__ import annotations

import httpx

from sandbox.server import SandboxHandle


def create(brevo: httpx.Client, email: str, ext_id: str) -> int:
    response = brevo.post("/contacts", json={"email": email, "ext_id": ext_id})
    contact_id: int = response.json()["id"]
    return contact_id


def test_contacts_are_added_by_ids_and_ext_ids_and_removed_by_emails(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    first = create(brevo, "one@example.com", "pd:1")
    second = create(brevo, "two@example.com", "pd:2")

    by_ids = brevo.post("/contacts/lists/5/contacts/add", json={"ids": [first, 999]})
    by_ext_ids = brevo.post("/contacts/lists/5/contacts/add", json={"extIds": ["pd:2", "pd:1"]})
    members_after_add = sandbox.brevo.list_members(5)
    removed = brevo.post(
        "/contacts/lists/5/contacts/remove",
        json={"emails": ["One@Example.com", "ghost@example.com"]},
    )

    assert by_ids.status_code == 201
    assert by_ids.json() == {"contacts": {"success": [first], "failure": [999]}}
    assert by_ext_ids.json() == {"contacts": {"success": ["pd:2"], "failure": ["pd:1"]}}
    assert members_after_add == [first, second]
    assert removed.status_code == 201
    assert removed.json() == {
        "contacts": {"success": ["One@Example.com"], "failure": ["ghost@example.com"]}
    }
    assert sandbox.brevo.list_members(5) == [second]
    assert brevo.get("/contacts/two%40example.com").json()["listIds"] == [5]
    assert sandbox.brevo.off_spec == []


def test_removing_contacts_none_of_which_is_in_the_list_is_a_400(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    create(brevo, "out@example.com", "pd:9")
    response = brevo.post("/contacts/lists/6/contacts/remove", json={"extIds": ["pd:9"]})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert brevo.post("/contacts/lists/999/contacts/remove", json={"ids": [1]}).status_code == 404
    assert sandbox.brevo.off_spec == []


def test_exactly_150_identifiers_pass_and_151_ext_ids_are_refused_as_off_spec(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    sandbox.brevo.set_contacts_rate_limit(None)
    create(brevo, "member@example.com", "pd:0")
    ext_ids = [f"pd:{i}" for i in range(150)]

    allowed = brevo.post("/contacts/lists/8/contacts/add", json={"extIds": ext_ids})
    refused = brevo.post("/contacts/lists/8/contacts/remove", json={"extIds": [*ext_ids, "pd:150"]})

    assert allowed.status_code == 201
    assert allowed.json()["contacts"]["success"] == ["pd:0"]
    assert len(allowed.json()["contacts"]["failure"]) == 149
    assert refused.status_code == 400
    [recorded] = sandbox.brevo.off_spec
    assert recorded["path"] == "/v3/contacts/lists/8/contacts/remove"
    assert sandbox.brevo.list_members(8) != []
