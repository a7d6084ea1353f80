"""The pure rules of the contacts writer: bodies, blocklists, conflicts, import reports, notify."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.brevo.client import BrevoClient, ContactConflict
from connectors.brevo.import_reports import FailedRow, parse_report, report_urls
from connectors.brevo.settings import BrevoSettings, ContactWritePolicy
from connectors.core.errors import ConfigError, VendorValidationError
from tasks import staging
from tasks.brevo_contacts import contact_body, without
from tasks.brevo_imports import match_failures, notify_url, signature
from workers.config import parse_config

DEFAULT = ContactWritePolicy()
LIFTS = ContactWritePolicy(lift_blocklist=True)


def operation(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "op": "contact.upsert",
        "ext_id": f"pipedrive:persons:{n}",
        "source_id": str(n),
        "email": f"p{n}@example.com",
        "attributes": {"FIRSTNAME": "Ana", "SMS": f"+3361234567{n}"},
        "list_ids": [60],
        **extra,
    }


def test_a_single_contact_body_keys_on_ext_id_and_forwards_a_blocklist() -> None:
    body = contact_body(operation(email_blacklisted=True, sms_blacklisted=True), DEFAULT)

    assert body == {
        "ext_id": "pipedrive:persons:1",
        "email": "p1@example.com",
        "attributes": {"FIRSTNAME": "Ana", "SMS": "+33612345671", "EXT_ID": "pipedrive:persons:1"},
        "listIds": [60],
        "emailBlacklisted": True,
        "smsBlacklisted": True,
    }


def test_a_blocklist_is_lifted_only_when_the_connector_policy_allows_it() -> None:
    lifting = operation(email_blacklisted=False)

    assert "emailBlacklisted" not in contact_body(lifting, DEFAULT)
    assert contact_body(lifting, LIFTS)["emailBlacklisted"] is False


def test_imports_group_rows_by_lists_and_true_blocklist_flags_only() -> None:
    plain, blocked = operation(1), operation(2, email_blacklisted=True)
    lifted = operation(3, email_blacklisted=False)

    assert staging.group_key(plain) == ((60,), False, False)
    assert staging.group_key(blocked) == ((60,), True, False)
    # An import cannot lift a blocklist: a False travels with the plain rows, lifting nothing.
    assert staging.group_key(lifted) == staging.group_key(plain)
    assert "emailBlacklisted" not in staging.import_row(blocked)


def test_a_conflict_drops_the_named_email_or_sms_but_never_the_ext_id() -> None:
    body = contact_body(operation(), DEFAULT)

    no_sms, dropped = without(body, ("SMS",))
    assert dropped == ["SMS"]
    assert "SMS" not in no_sms["attributes"]
    assert no_sms["email"] == "p1@example.com"
    no_email, dropped = without(body, ("email",))
    assert dropped == ["email"]
    assert "email" not in no_email
    _, dropped = without(body, ("ext_id",))
    assert dropped == []


@pytest.mark.parametrize("code", ["duplicate_parameter", "invalid_parameter"])
def test_a_conflict_is_read_from_the_metadata_whatever_the_code(code: str) -> None:
    answer = {
        "code": code,
        "message": "Unable to update contact, SMS is already associated with another Contact",
        "metadata": {"duplicate_identifiers": ["SMS"]},
    }
    transport = httpx.MockTransport(lambda request: httpx.Response(400, json=answer))
    settings = BrevoSettings(api_key="xkeysib-k", base_url="https://brevo.test/v3")

    with (
        BrevoClient(settings, transport=transport) as client,
        pytest.raises(ContactConflict) as caught,
    ):
        client.upsert_contact({"email": "a@example.com"})

    assert caught.value.identifiers == ("SMS",)
    assert caught.value.code == code


def test_a_duplicate_code_without_metadata_is_a_plain_rejection() -> None:
    answer = {"code": "duplicate_parameter", "message": "something else"}
    transport = httpx.MockTransport(lambda request: httpx.Response(400, json=answer))
    settings = BrevoSettings(api_key="xkeysib-k", base_url="https://brevo.test/v3")

    with (
        BrevoClient(settings, transport=transport) as client,
        pytest.raises(VendorValidationError) as caught,
    ):
        client.upsert_contact({"email": "a@example.com"})

    assert not isinstance(caught.value, ContactConflict)


def test_an_import_body_over_ten_megabytes_is_a_config_error_naming_its_key() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("brevo:\n  import_max_bytes: 10485761\n")

    assert caught.value.key_path == "brevo.import_max_bytes"


def test_a_completed_process_names_its_reports_and_each_row_of_them_is_read() -> None:
    process = {
        "id": 12,
        "name": "IMPORTUSER",
        "status": "completed",
        "info": {
            "import": {
                "invalid_emails": "http://files.test/12/invalid_emails.csv",
                "duplicate_phone_id": None,
            }
        },
    }
    text = "EMAIL;EXT_ID;SMS;REASON\nBAD@@x;pd:3;;Invalid email address\n"

    assert report_urls(process) == {"invalid_emails": "http://files.test/12/invalid_emails.csv"}
    [row] = parse_report("invalid_emails", text)
    assert row == FailedRow("invalid_emails", "Invalid email address", "bad@@x", "pd:3", None)
    assert not row.is_conflict


def test_failed_rows_match_our_rows_by_ext_id_then_email_then_sms() -> None:
    rows = [(1, operation(1)), (2, operation(2)), (3, operation(3))]
    failures = [
        FailedRow("invalid_emails", "bad", ext_id="pipedrive:persons:1"),
        FailedRow("duplicate_email_id", "held", email="P2@EXAMPLE.COM".lower()),
        FailedRow("duplicate_phone_id", "held", sms="+33612345673"),
        FailedRow("invalid_emails", "nobody of ours", email="stranger@example.com"),
    ]

    matched = match_failures(rows, failures)

    assert {k: v.kind for k, v in matched.items()} == {
        1: "invalid_emails",
        2: "duplicate_email_id",
        3: "duplicate_phone_id",
    }


def test_the_notify_url_names_the_import_and_is_signed_without_showing_the_key() -> None:
    settings = BrevoSettings(api_key="xkeysib-secret", webhooks_base_url="https://hooks.test/")

    url = notify_url(settings, 42)

    assert (
        url == f"https://hooks.test/webhooks/brevo/imports?import=42&sig={signature(settings, 42)}"
    )
    assert "xkeysib-secret" not in url
    assert signature(settings, 42) != signature(settings, 43)
    assert notify_url(BrevoSettings(api_key="xkeysib-secret"), 42) is None
