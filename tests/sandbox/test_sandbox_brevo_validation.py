"""The Brevo fake refuses what Brevo's OpenAPI spec (or Brevo's limits) would, and records it."""

from __future__ import annotations

import json

import httpx

from sandbox.server import SandboxHandle, start_sandbox


def test_an_off_spec_body_is_a_400_invalid_parameter_and_is_recorded(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    response = brevo.post("/contacts/import", json={"jsonBody": "not a list", "listIds": [1]})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_parameter"
    assert "jsonBody" in response.json()["message"]
    [recorded] = sandbox.brevo.off_spec
    assert recorded["method"] == "POST"
    assert recorded["path"] == "/v3/contacts/import"
    assert "jsonBody" in recorded["message"]


def test_an_off_spec_query_parameter_is_refused_too(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    response = brevo.get("/contacts/someone@example.com", params={"identifierType": "nickname"})
    assert response.status_code == 400
    assert "identifierType" in sandbox.brevo.off_spec[0]["message"]


def test_an_unknown_route_is_a_404_not_found_and_is_recorded(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    response = brevo.get("/contacts/everything/at/once")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert sandbox.brevo.off_spec[0]["path"] == "/v3/contacts/everything/at/once"


def test_a_body_that_is_not_json_is_refused(sandbox: SandboxHandle, brevo: httpx.Client) -> None:
    response = brevo.post(
        "/contacts", content=b"{email:", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert len(sandbox.brevo.off_spec) == 1


def test_adding_contacts_to_a_list_by_emails_is_valid_despite_the_specs_overlapping_one_of(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    brevo.post("/contacts", json={"email": "ana@example.com"})
    response = brevo.post("/contacts/lists/4/contacts/add", json={"emails": ["ana@example.com"]})
    assert response.status_code == 201
    assert sandbox.brevo.off_spec == []


def test_more_than_150_emails_in_one_list_call_is_refused(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    emails = [f"p{i}@example.com" for i in range(151)]
    response = brevo.post("/contacts/lists/4/contacts/add", json={"emails": emails})
    assert response.status_code == 400
    [recorded] = sandbox.brevo.off_spec
    assert "emails" in recorded["message"]


def test_an_import_body_above_8_mb_is_refused_with_a_clear_message(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    row = {"email": "someone@example.com", "attributes": {"FIRSTNAME": "x" * 200}}
    rows = [row] * (8 * 1024 * 1024 // len(json.dumps(row)) + 10)
    body = json.dumps({"jsonBody": rows, "listIds": [1]}).encode()
    assert len(body) > 8 * 1024 * 1024

    response = brevo.post(
        "/contacts/import", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 400
    assert "8388608 bytes" in response.json()["message"]
    assert "Split the import" in sandbox.brevo.off_spec[0]["message"]
    assert sandbox.brevo.imports == []


def test_a_missing_api_key_is_a_401_key_not_found(brevo: httpx.Client) -> None:
    response = httpx.get(f"{brevo.base_url}/contacts")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthorized", "message": "Key not found"}


def test_a_wrong_api_key_is_a_401_when_a_key_is_insisted_on() -> None:
    handle = start_sandbox(records=1, brevo_api_key="the-key")
    try:
        base = handle.urls["brevo"]
        assert httpx.get(f"{base}/contacts", headers={"api-key": "other"}).status_code == 401
        assert httpx.get(f"{base}/contacts", headers={"api-key": "the-key"}).status_code == 200
        assert "the-key" not in repr(handle.brevo)
    finally:
        handle.stop()


def test_sandbox_routes_are_neither_validated_nor_counted(
    sandbox: SandboxHandle, brevo: httpx.Client, brevo_control: httpx.Client
) -> None:
    brevo.get("/contacts")
    stats = brevo_control.get("/_sandbox/stats").json()
    brevo_control.get("/_sandbox/contacts")
    assert stats["requests"] == 1
    assert stats["requests_by_route"] == {"GET /v3/contacts": 1}
    assert sandbox.brevo.request_count() == 1
    assert sandbox.brevo.off_spec == []
