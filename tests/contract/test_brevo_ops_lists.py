"""List membership and blocklisting against the Brevo fake over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.brevo import lists, suppressions
from connectors.brevo.api import BrevoApi
from connectors.brevo.settings import BrevoSettings
from sandbox.server import SandboxHandle

LIST_ID = 12


@pytest.fixture(autouse=True)
def clean_fake(sandbox: SandboxHandle) -> Iterator[None]:
    sandbox.brevo.reset()
    sandbox.brevo.set_contacts_rate_limit(None)
    yield
    sandbox.brevo.reset()
    assert sandbox.brevo.off_spec == []


@pytest.fixture
def api(sandbox: SandboxHandle, brevo_key: str) -> Iterator[BrevoApi]:
    with BrevoApi(BrevoSettings(api_key=brevo_key, base_url=sandbox.urls["brevo"])) as client:
        yield client


def import_contacts(sandbox: SandboxHandle, api: BrevoApi, count: int) -> None:
    rows = [
        {"email": f"p{i}@example.com", "attributes": {"EXT_ID": f"pipedrive:persons:{i}"}}
        for i in range(count)
    ]
    body = {"jsonBody": rows, "listIds": [1], "updateExistingContacts": True}
    api.call("POST", "/contacts/import", "import", body=body)
    assert sandbox.brevo.wait_for_imports(10.0)


def test_310_members_are_added_in_calls_of_at_most_150(
    sandbox: SandboxHandle, api: BrevoApi
) -> None:
    import_contacts(sandbox, api, 310)
    planned = [(i, "add", LIST_ID, "ext_id", f"pipedrive:persons:{i}") for i in range(310)]

    groups = lists.group(planned)  # type: ignore[arg-type]
    answers = [
        lists.change_membership(api, g.list_id, g.direction, g.identifier_type, list(g.members))
        for g in groups
    ]

    assert [len(g.members) for g in groups] == [150, 150, 10]
    assert sum(len(a.success) for a in answers) == 310
    assert sandbox.brevo.request_count("/v3/contacts/lists/{listId}/contacts/add") == 3
    assert len(sandbox.brevo.list_members(LIST_ID)) == 310


def test_a_failure_is_told_apart_by_reading_the_contact(
    sandbox: SandboxHandle, api: BrevoApi
) -> None:
    import_contacts(sandbox, api, 2)
    lists.change_membership(api, LIST_ID, "add", "email", ["p0@example.com"])

    answer = lists.change_membership(
        api, LIST_ID, "add", "email", ["p0@example.com", "p1@example.com", "nobody@example.com"]
    )

    assert answer.success == {"p1@example.com"}
    assert answer.failure == {"p0@example.com", "nobody@example.com"}
    assert LIST_ID in (lists.membership(api, "email", "p0@example.com") or [])
    assert lists.membership(api, "email", "nobody@example.com") is None


def test_a_call_that_changes_nobody_is_a_failure_for_each_not_an_error(
    sandbox: SandboxHandle, api: BrevoApi
) -> None:
    answer = lists.change_membership(api, LIST_ID, "remove", "ext_id", ["pipedrive:persons:404"])

    assert answer.success == set()
    assert answer.failure == {"pipedrive:persons:404"}


def test_removal_takes_a_contact_out_of_the_list(sandbox: SandboxHandle, api: BrevoApi) -> None:
    import_contacts(sandbox, api, 1)
    lists.change_membership(api, LIST_ID, "add", "ext_id", ["pipedrive:persons:0"])

    answer = lists.change_membership(api, LIST_ID, "remove", "ext_id", ["pipedrive:persons:0"])

    assert answer.success == {"pipedrive:persons:0"}
    assert sandbox.brevo.list_members(LIST_ID) == []


def test_blocklisting_sets_the_flags_and_an_unknown_contact_is_reported(
    sandbox: SandboxHandle, api: BrevoApi
) -> None:
    import_contacts(sandbox, api, 1)
    item = suppressions.blocklisting_of(
        {"identifier": {"ext_id": "pipedrive:persons:0"}, "emailBlacklisted": True}
    )
    unknown = suppressions.blocklisting_of(
        {"identifier": {"email": "ghost@example.com"}, "smsBlacklisted": True}
    )

    assert suppressions.blocklist(api, item) is True
    assert suppressions.blocklist(api, unknown) is False
    contact = sandbox.brevo.contact_by_ext_id("pipedrive:persons:0")
    assert contact is not None
    assert contact["emailBlacklisted"] is True


def test_a_blocklist_body_that_would_lift_nothing_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="emailBlacklisted"):
        suppressions.blocklisting_of(
            {"identifier": {"email": "a@example.com"}, "emailBlacklisted": False}
        )
