"""BrevoClient against the Brevo fake, which checks every request against Brevo's OpenAPI spec."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.brevo.client import BrevoClient, import_chunks
from connectors.brevo.settings import BrevoSettings
from connectors.core.errors import (
    AuthError,
    RateLimitedError,
    VendorUnavailableError,
    VendorValidationError,
)
from sandbox.brevo.fake import CONTACTS_REQUESTS_PER_SECOND, DEFAULT_IMPORT_MAX_BYTES
from sandbox.server import SandboxHandle

LIST_ID = 7


@pytest.fixture(autouse=True)
def nothing_off_spec(sandbox: SandboxHandle) -> Iterator[None]:
    """Every test starts clean and must end without a request Brevo would refuse as malformed.

    The contacts bucket is off unless a test turns it on, so only the rate-limit test meets it.
    """
    fake = sandbox.brevo
    fake.failures.clear()
    fake.clear_off_spec()
    fake.set_contacts_rate_limit(None)
    yield
    fake.failures.clear()
    fake.set_contacts_rate_limit(CONTACTS_REQUESTS_PER_SECOND)
    fake.import_max_bytes = DEFAULT_IMPORT_MAX_BYTES
    assert fake.off_spec == []


@pytest.fixture
def settings(sandbox: SandboxHandle, brevo_key: str) -> BrevoSettings:
    return BrevoSettings(api_key=brevo_key, base_url=sandbox.urls["brevo"])


@pytest.fixture
def client(settings: BrevoSettings) -> Iterator[BrevoClient]:
    with BrevoClient(settings) as brevo:
        yield brevo


def rows(prefix: str, count: int) -> list[dict[str, Any]]:
    return [
        {
            "email": f"{prefix}.{i}@example.com",
            "attributes": {"FIRSTNAME": "Zoë", "LASTNAME": f"Núñez {i}", "EXT_ID": f"{prefix}:{i}"},
        }
        for i in range(count)
    ]


def wait_until_done(client: BrevoClient, process_id: int, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        process = client.get_process(process_id)
        if process["status"] == "completed" or time.monotonic() > deadline:
            return process
        time.sleep(0.05)


def test_an_import_completes_and_its_contacts_are_there(
    sandbox: SandboxHandle, client: BrevoClient
) -> None:
    imported = rows("import", 25)

    process_id = client.import_contacts(imported, list_ids=[LIST_ID])

    assert wait_until_done(client, process_id)["status"] == "completed"
    for row in imported:
        contact = client.get_contact(row["email"])
        assert contact is not None
        assert contact["attributes"]["LASTNAME"] == row["attributes"]["LASTNAME"]
        assert LIST_ID in contact["listIds"]
    assert sandbox.brevo.contact_by_ext_id("import:3") is not None


def test_a_reimport_with_empty_values_keeps_what_brevo_has(client: BrevoClient) -> None:
    [row] = rows("keep", 1)
    wait_until_done(client, client.import_contacts([row], list_ids=[LIST_ID]))
    blanked = {"email": row["email"], "attributes": {"FIRSTNAME": "", "LASTNAME": "Changed"}}

    wait_until_done(client, client.import_contacts([blanked], list_ids=[LIST_ID]))

    contact = client.get_contact(row["email"])
    assert contact is not None
    assert contact["attributes"]["FIRSTNAME"] == "Zoë"
    assert contact["attributes"]["LASTNAME"] == "Changed"


def test_chunked_imports_stay_under_brevos_body_limit(
    sandbox: SandboxHandle, brevo_key: str
) -> None:
    limit = 12_000
    sandbox.brevo.import_max_bytes = limit
    settings = BrevoSettings(
        api_key=brevo_key, base_url=sandbox.urls["brevo"], import_max_bytes=limit
    )
    many = rows("chunked", 300)

    with BrevoClient(settings) as client:
        chunks = import_chunks(many, limit)
        process_ids = [client.import_contacts(chunk, list_ids=[LIST_ID]) for chunk in chunks]
        statuses = {wait_until_done(client, pid)["status"] for pid in process_ids}

    assert len(chunks) > 1
    assert statuses == {"completed"}
    assert all(sandbox.brevo.contact_by_email(r["email"]) for r in many)


def test_an_upsert_creates_then_updates_the_same_contact(
    sandbox: SandboxHandle, client: BrevoClient
) -> None:
    contact = {"email": "upsert@example.com", "ext_id": "pipedrive:person:1", "attributes": {}}

    client.upsert_contact({**contact, "attributes": {"FIRSTNAME": "Ana"}})
    client.upsert_contact({**contact, "attributes": {"FIRSTNAME": "Anaïs"}})

    stored = client.get_contact("pipedrive:person:1", identifier_type="ext_id")
    assert stored is not None
    assert stored["email"] == "upsert@example.com"
    assert stored["attributes"]["FIRSTNAME"] == "Anaïs"
    assert sandbox.brevo.contact_by_email("upsert@example.com") is not None


def test_a_rejected_upsert_is_a_validation_error_with_brevos_code(client: BrevoClient) -> None:
    with pytest.raises(VendorValidationError) as caught:
        client.upsert_contact({"email": "lost@example.com", "listIds": [999_999]})

    assert caught.value.code == "invalid_parameter"
    assert "List ID does not exist" in caught.value.detail


def test_an_unknown_contact_is_none(client: BrevoClient) -> None:
    assert client.get_contact("nobody+tag@example.com") is None
    assert client.get_contact("pipedrive:person:999999", identifier_type="ext_id") is None


def test_the_accounts_attributes_are_listed(client: BrevoClient) -> None:
    names = {attribute["name"] for attribute in client.get_attributes()}

    assert {"FIRSTNAME", "LASTNAME", "SMS", "EXT_ID"} <= names


def test_list_adds_go_in_calls_of_150_and_a_repeat_adds_nobody(
    sandbox: SandboxHandle, client: BrevoClient
) -> None:
    members = rows("listed", 160)
    wait_until_done(client, client.import_contacts(members, list_ids=[LIST_ID]))
    ext_ids = [m["attributes"]["EXT_ID"] for m in members]
    before = sandbox.brevo.request_count("/v3/contacts/lists")

    first = client.add_to_list(LIST_ID + 1, ext_ids=ext_ids)
    again = client.add_to_list(LIST_ID + 1, ext_ids=ext_ids)

    assert sorted(first.success) == sorted(ext_ids)
    assert first.failure == []
    assert sorted(again.already_in_list_or_missing) == sorted(ext_ids)
    assert sandbox.brevo.request_count("/v3/contacts/lists") - before == 4


def test_a_spent_contacts_bucket_is_rate_limited_by_brevos_reset_header(
    sandbox: SandboxHandle, client: BrevoClient
) -> None:
    sandbox.brevo.set_contacts_rate_limit(1)
    client.get_attributes()

    with pytest.raises(RateLimitedError) as caught:
        client.get_attributes()

    assert 0 < caught.value.wait_seconds <= 1


def test_a_forced_429_is_rate_limited_too(sandbox: SandboxHandle, client: BrevoClient) -> None:
    sandbox.brevo.failures.set(429, count=1)

    with pytest.raises(RateLimitedError):
        client.upsert_contact({"email": "later@example.com"})


def test_a_wrong_key_is_an_auth_error_that_never_shows_either_key(
    sandbox: SandboxHandle, brevo_key: str
) -> None:
    wrong = "xkeysib-not-the-right-one"
    settings = BrevoSettings(api_key=wrong, base_url=sandbox.urls["brevo"])

    with BrevoClient(settings) as client, pytest.raises(AuthError) as caught:
        client.get_attributes()

    assert wrong not in str(caught.value)
    assert brevo_key not in str(caught.value)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_vendor_unavailable_and_passes(
    sandbox: SandboxHandle, client: BrevoClient, status: int
) -> None:
    sandbox.brevo.failures.set(status, count=1)

    with pytest.raises(VendorUnavailableError):
        client.import_contacts(rows("outage", 1), list_ids=[LIST_ID])

    assert client.import_contacts(rows("outage", 1), list_ids=[LIST_ID]) > 0
