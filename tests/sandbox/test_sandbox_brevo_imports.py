"""The Brevo fake's contact imports finish later, report failed rows the way Brevo does (CSV
report URLs in the process's `info.import`) and call `notifyUrl` back over real HTTP."""

from __future__ import annotations

import csv
import io
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.common.background import BackgroundServer
from sandbox.server import SandboxHandle


class Receiver:
    """A real HTTP endpoint that records what is POSTed to it."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.arrived = threading.Event()

    async def endpoint(self, request: Request) -> Response:
        self.calls.append((str(request.url.query), await request.json()))
        self.arrived.set()
        return Response(status_code=204)


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/brevo/imports", receiver.endpoint, methods=["POST"])])
    server = BackgroundServer(app, host="127.0.0.1", port=0, name="notify-receiver")
    server.start()
    try:
        yield receiver, f"{server.base_url}/brevo/imports"
    finally:
        server.stop()


def submit(brevo: httpx.Client, rows: list[dict[str, Any]], **extra: Any) -> int:
    response = brevo.post("/contacts/import", json={"jsonBody": rows, "listIds": [2], **extra})
    assert response.status_code == 202
    process_id: int = response.json()["processId"]
    return process_id


def completed(brevo: httpx.Client, process_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        process: dict[str, Any] = brevo.get(f"/processes/{process_id}").json()
        if process["status"] == "completed":
            return process
        time.sleep(0.02)
    raise AssertionError(f"process {process_id} did not complete")


def report_rows(url: str) -> list[dict[str, str]]:
    response = httpx.get(url)  # no api-key: Brevo serves reports outside the API
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text), delimiter=";"))


def test_an_import_is_queued_then_in_process_for_a_while_then_completed(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    sandbox.brevo.set_import_timing(0.1, 0.4)
    process_id = submit(brevo, [{"email": "slow@example.com"}])

    seen = []
    while (status := brevo.get(f"/processes/{process_id}").json()["status"]) != "completed":
        if not seen or seen[-1] != status:
            seen.append(status)
        assert sandbox.brevo.contact_by_email("slow@example.com") is None
        time.sleep(0.03)

    assert seen == ["queued", "in_process"]
    assert sandbox.brevo.contact_by_email("slow@example.com") is not None


def test_rows_with_a_bad_email_or_an_identifier_of_another_contact_fail_and_are_reported(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    brevo.post("/contacts", json={"email": "owner@example.com", "ext_id": "pd:owner"})
    brevo.post(
        "/contacts", json={"email": "phone@example.com", "attributes": {"SMS": "+4915112345678"}}
    )
    rows = [
        {"email": "fine@example.com", "attributes": {"EXT_ID": "pd:1", "FIRSTNAME": "Fine"}},
        {"email": "broken@@example", "attributes": {"EXT_ID": "pd:2"}},
        # found by its EXT_ID, but its new email is another contact's
        {"email": "phone@example.com", "attributes": {"EXT_ID": "pd:owner", "LASTNAME": "X"}},
        # found by its email, but its SMS number is another contact's
        {"email": "owner@example.com", "attributes": {"SMS": "+49 151 12345678"}},
    ]

    process = completed(brevo, submit(brevo, rows))

    report = process["info"]["import"]
    assert process["name"] == "IMPORTUSER"
    assert set(report) == {
        "invalid_emails",
        "duplicate_contact_id",
        "duplicate_ext_id",
        "duplicate_email_id",
        "duplicate_phone_id",
        "duplicate_whatsapp_id",
        "duplicate_landline_number_id",
    }
    assert [r["EMAIL"] for r in report_rows(report["invalid_emails"])] == ["broken@@example"]
    [email_clash] = report_rows(report["duplicate_email_id"])
    assert (email_clash["EMAIL"], email_clash["EXT_ID"]) == ("phone@example.com", "pd:owner")
    assert "email is already associated" in email_clash["REASON"]
    [phone_clash] = report_rows(report["duplicate_phone_id"])
    assert (phone_clash["EMAIL"], phone_clash["SMS"]) == ("owner@example.com", "+49 151 12345678")
    assert report["duplicate_ext_id"] is None
    assert sandbox.brevo.contact_by_ext_id("pd:1") is not None
    assert sandbox.brevo.contact_by_ext_id("pd:2") is None
    owner = sandbox.brevo.contact_by_ext_id("pd:owner")
    assert owner is not None
    assert (owner["email"], owner["attributes"].get("LASTNAME")) == ("owner@example.com", None)
    assert "SMS" not in owner["attributes"]
    assert sandbox.brevo.request_count("/v3/processes") >= 1
    assert sandbox.brevo.off_spec == []


def test_a_wrong_type_or_unknown_attribute_is_dropped_but_the_row_is_imported(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    rows = [{"email": "t@example.com", "attributes": {"OPT_IN": "yes", "SHOE_SIZE": 42}}]

    process = completed(brevo, submit(brevo, rows))

    assert set(process["info"]["import"].values()) == {None}
    contact = sandbox.brevo.contact_by_email("t@example.com")
    assert contact is not None
    assert contact["attributes"] == {}
    assert sandbox.brevo.attributes.ignored["SHOE_SIZE"] == 1
    assert sandbox.brevo.attributes.ignored["OPT_IN (value of the wrong type)"] == 1


def test_the_failure_switch_makes_chosen_rows_fail_under_the_chosen_kind(
    sandbox: SandboxHandle, brevo: httpx.Client, brevo_control: httpx.Client
) -> None:
    switched = brevo_control.post(
        "/_sandbox/import_failures",
        json={"ext_ids": ["pd:7"], "emails": ["Doomed@Example.com"], "kind": "duplicate_email_id"},
    )
    assert switched.status_code == 200
    rows = [
        {"email": "ok@example.com", "attributes": {"EXT_ID": "pd:6"}},
        {"email": "seven@example.com", "attributes": {"EXT_ID": "pd:7"}},
        {"email": "doomed@example.com"},
    ]

    process_id = submit(brevo, rows)
    process = completed(brevo, process_id)

    failed = report_rows(process["info"]["import"]["duplicate_email_id"])
    assert [row["EMAIL"] for row in failed] == ["seven@example.com", "doomed@example.com"]
    outcome = sandbox.brevo.import_outcome(process_id)
    assert outcome is not None
    assert (outcome.counts.imported, outcome.counts.failed) == (1, 2)
    assert brevo_control.delete("/_sandbox/import_failures").json() == {"emails": {}, "ext_ids": {}}
    assert brevo_control.post("/_sandbox/import_failures", json={"kind": "nope"}).status_code == 400


def test_notify_url_is_called_over_http_with_the_completed_process(
    sandbox: SandboxHandle, brevo: httpx.Client, receiver: tuple[Receiver, str]
) -> None:
    calls, url = receiver
    process_id = submit(brevo, [{"email": "bad@"}], notifyUrl=f"{url}?import=41")

    assert calls.arrived.wait(10)
    assert sandbox.brevo.wait_for_imports(10)  # covers the callback's bookkeeping too
    [(query, body)] = calls.calls
    assert query == "import=41"
    assert body["id"] == process_id
    assert body["status"] == "completed"
    assert body["info"]["import"]["invalid_emails"].endswith(f"/{process_id}/invalid_emails.csv")
    [sent] = sandbox.brevo.notifications
    assert (sent.status, sent.attempts) == (204, 1)


def test_an_unreachable_notify_url_is_tried_a_few_times_and_the_import_still_completes(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    process_id = submit(brevo, [{"email": "x@example.com"}], notifyUrl="http://127.0.0.1:9/gone")

    assert sandbox.brevo.wait_for_imports(10)

    assert completed(brevo, process_id)["status"] == "completed"
    [sent] = sandbox.brevo.notifications
    assert sent.status is None
    assert sent.attempts == 3


def test_an_unknown_report_is_a_404(brevo: httpx.Client, brevo_control: httpx.Client) -> None:
    process_id = submit(brevo, [{"email": "fine@example.com"}])
    completed(brevo, process_id)
    assert (
        brevo_control.get(f"/_sandbox/import-reports/{process_id}/invalid_emails.csv").status_code
        == 404
    )
    assert brevo_control.get("/_sandbox/import-reports/999/invalid_emails.csv").status_code == 404
