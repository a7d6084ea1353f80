"""The contacts writer's Brevo calls against the fake: conflicts, import reports, blocklists."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.brevo.client import BrevoClient, ContactConflict
from connectors.brevo.settings import BrevoSettings, ContactWritePolicy
from connectors.config import TajoConfig
from sandbox.server import SandboxHandle
from tasks import runtime
from tasks.brevo_contacts import write_contact

LIST_ID = 7


@pytest.fixture(autouse=True)
def clean_fake(sandbox: SandboxHandle) -> Iterator[None]:
    sandbox.brevo.clear_off_spec()
    sandbox.brevo.clear_import_failures()
    # Calls here are not metered by the shared limiter: the bucket is the rate-limit tests' job.
    sandbox.brevo.set_contacts_rate_limit(None)
    yield
    sandbox.brevo.clear_import_failures()
    assert sandbox.brevo.off_spec == []


@pytest.fixture
def settings(sandbox: SandboxHandle, brevo_key: str) -> BrevoSettings:
    return BrevoSettings(api_key=brevo_key, base_url=sandbox.urls["brevo"])


@pytest.fixture
def client(settings: BrevoSettings) -> Iterator[BrevoClient]:
    # Single writes go through the (here absent) shared limiter: calls are then unmetered.
    runtime.install(
        runtime.Runtime(new_session=None, config=lambda: TajoConfig(brevo=settings))  # type: ignore[arg-type]
    )
    with BrevoClient(settings) as brevo:
        yield brevo


def operation(tag: str, **extra: Any) -> dict[str, Any]:
    return {
        "op": "contact.upsert",
        "ext_id": f"contract:{tag}",
        "source_id": tag,
        "email": f"{tag}@example.com",
        "attributes": {"FIRSTNAME": tag},
        "list_ids": [LIST_ID],
        **extra,
    }


def holder(client: BrevoClient, tag: str, **fields: Any) -> None:
    client.upsert_contact({"ext_id": f"holder:{tag}", "listIds": [LIST_ID], **fields})


@pytest.mark.parametrize("policy", ["retry_without_conflicting", "dead_letter"])
def test_an_email_another_contact_holds_follows_the_policy(
    sandbox: SandboxHandle, client: BrevoClient, settings: BrevoSettings, policy: str
) -> None:
    tag = f"em{policy[:5]}"
    client.upsert_contact({"ext_id": f"contract:{tag}", "email": f"{tag}@example.com"})
    holder(client, tag, email=f"{tag}.other@example.com")
    op = operation(tag, email=f"{tag}.other@example.com", attributes={"FIRSTNAME": "New"})
    rules = ContactWritePolicy(conflict_policy=policy)  # type: ignore[arg-type]

    if policy == "dead_letter":
        with pytest.raises(ContactConflict) as caught:
            write_contact(client, settings, op, rules)
        assert caught.value.identifiers == ("email",)
    else:
        assert write_contact(client, settings, op, rules).dropped == ("email",)

    ours = sandbox.brevo.contact_by_ext_id(f"contract:{tag}")
    assert ours is not None
    assert ours["email"] == f"{tag}@example.com"
    assert (ours["attributes"].get("FIRSTNAME") == "New") is (policy != "dead_letter")
    other = sandbox.brevo.contact_by_email(f"{tag}.other@example.com")
    assert other is not None
    assert other["attributes"]["EXT_ID"] == f"holder:{tag}"


def test_an_update_conflict_answered_invalid_parameter_is_still_a_conflict(
    client: BrevoClient,
) -> None:
    holder(client, "upd", email="upd.holder@example.com")
    client.upsert_contact({"ext_id": "contract:upd", "email": "upd@example.com"})

    with pytest.raises(ContactConflict) as caught:
        client.update_contact_by_ext_id(
            "contract:upd", {"attributes": {"EMAIL": "upd.holder@example.com"}}
        )

    assert caught.value.identifiers == ("email",)
    assert client.update_contact_by_ext_id("contract:nobody", {"attributes": {}}) is False


@pytest.mark.parametrize("policy", ["retry_without_conflicting", "dead_letter"])
def test_a_single_write_whose_sms_another_contact_holds_follows_the_policy(
    sandbox: SandboxHandle, client: BrevoClient, settings: BrevoSettings, policy: str
) -> None:
    tag = f"pol{policy[:5]}"
    sms = "+336111" + ("22201" if policy == "dead_letter" else "22202")
    # Brevo has our contact already, and another contact holds the SMS we now send.
    client.upsert_contact({"ext_id": f"contract:{tag}", "email": f"{tag}@example.com"})
    holder(client, tag, email=f"{tag}.holder@example.com", attributes={"SMS": sms})
    op = operation(tag, attributes={"FIRSTNAME": tag, "SMS": sms})
    rules = ContactWritePolicy(conflict_policy=policy)  # type: ignore[arg-type]

    if policy == "dead_letter":
        with pytest.raises(ContactConflict):
            write_contact(client, settings, op, rules)
        unchanged = sandbox.brevo.contact_by_ext_id(f"contract:{tag}")
        assert unchanged is not None
        assert "FIRSTNAME" not in unchanged["attributes"]
        return
    written = write_contact(client, settings, op, rules)

    assert written.dropped == ("SMS",)
    contact = sandbox.brevo.contact_by_ext_id(f"contract:{tag}")
    assert contact is not None
    assert contact["email"] == f"{tag}@example.com"
    assert "SMS" not in contact["attributes"]


def test_an_import_reports_the_rows_it_refused_and_applies_the_others(
    sandbox: SandboxHandle, client: BrevoClient
) -> None:
    rows = [
        {"email": f"rep{i}@example.com", "attributes": {"EXT_ID": f"contract:rep{i}"}}
        for i in range(5)
    ]
    sandbox.brevo.fail_import_rows(ext_ids=["contract:rep1"], kind="duplicate_email_id")
    sandbox.brevo.fail_import_rows(emails=["rep3@example.com"], kind="invalid_emails")

    process = wait(client, client.import_contacts(rows, list_ids=[LIST_ID]))
    failed = client.import_failures(process)

    assert sorted((f.kind, f.ext_id) for f in failed) == [
        ("duplicate_email_id", "contract:rep1"),
        ("invalid_emails", "contract:rep3"),
    ]
    assert [f.is_conflict for f in sorted(failed, key=lambda f: f.kind)] == [True, False]
    assert sandbox.brevo.contact_by_ext_id("contract:rep0") is not None
    assert sandbox.brevo.contact_by_ext_id("contract:rep1") is None


def test_an_import_puts_its_rows_on_the_blocklist_only_when_asked(
    sandbox: SandboxHandle, client: BrevoClient
) -> None:
    blocked = [{"email": "blocked@example.com", "attributes": {"EXT_ID": "contract:blocked"}}]
    plain = [{"email": "blocked@example.com", "attributes": {"FIRSTNAME": "Again"}}]

    wait(client, client.import_contacts(blocked, list_ids=[LIST_ID], email_blacklist=True))
    wait(client, client.import_contacts(plain, list_ids=[LIST_ID]))

    contact = client.get_contact("blocked@example.com")
    assert contact is not None
    # A later import without the flag leaves the blocklist as it is.
    assert contact["emailBlacklisted"] is True


def wait(client: BrevoClient, process_id: int, timeout: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        process = client.get_process(process_id)
        if process["status"] == "completed" or time.monotonic() > deadline:
            return process
        time.sleep(0.05)


def test_one_list_call_shows_several_completed_imports_with_their_reports(
    sandbox: SandboxHandle, client: BrevoClient
) -> None:
    sandbox.brevo.fail_import_rows(ext_ids=["contract:list1"], kind="invalid_emails")
    first = client.import_contacts(
        [{"email": "list1@example.com", "attributes": {"EXT_ID": "contract:list1"}}],
        list_ids=[LIST_ID],
    )
    second = client.import_contacts(
        [{"email": "list2@example.com", "attributes": {"EXT_ID": "contract:list2"}}],
        list_ids=[LIST_ID],
    )
    wait(client, first)
    wait(client, second)

    recent = {p["id"]: p for p in client.recent_processes()}

    assert recent[first]["status"] == recent[second]["status"] == "completed"
    assert [f.ext_id for f in client.import_failures(recent[first])] == ["contract:list1"]
    assert client.import_failures(recent[second]) == []
