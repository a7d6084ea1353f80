"""The contacts writer through real worker processes against the sandbox Brevo: refused import
rows, identifier conflicts under both policies, a 429 storm, and a worker killed mid-import."""

from __future__ import annotations

import json
import os
import signal
import time
from typing import Any

import httpx
import pytest
from celery import Celery
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from deadletter.models import DeadLetter
from sandbox.server import SandboxHandle
from tasks.models import LedgerEntry
from tests.e2e.conftest import StackFactory
from tests.support.stack import BREVO_KEY, Stack


def rows_of(stack: Stack, model: Any) -> list[Any]:
    engine = create_engine(stack.database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(model)))
    finally:
        engine.dispose()


def ledger_ids(stack: Stack) -> set[str]:
    return {entry.external_id for entry in rows_of(stack, LedgerEntry)}


def set_brevo(stack: Stack, **brevo: Any) -> None:
    """Add keys to the `brevo:` block of the stack's config (before any process starts)."""
    config = json.loads(stack.config_path.read_text(encoding="utf-8"))
    config["brevo"].update(brevo)
    stack.config_path.write_text(json.dumps(config), encoding="utf-8")


def persons_with(sandbox: SandboxHandle, count: int, *, phone: bool = False) -> list[int]:
    """Ids of persons that have an email (and a phone when asked), first ones first."""
    found = []
    for person_id in range(1, 10_000):
        person = sandbox.pipedrive.person(person_id)
        if person is None:
            break
        emails = [e["value"] for e in person["emails"] if e.get("value")]
        phones = [p["value"] for p in person["phones"] if str(p.get("value")).startswith("+")]
        if emails and (phones or not phone):
            found.append(person_id)
        if len(found) == count:
            break
    return found


def brevo_contact(sandbox: SandboxHandle, person_id: int) -> dict[str, Any] | None:
    return sandbox.brevo.contact_by_ext_id(f"pipedrive:persons:{person_id}")


def test_rows_brevo_refuses_in_an_import_become_dead_letters_with_its_reason_and_stay_unwritten(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(300)
    refused = persons_with(sandbox, 3)
    ext_ids = [f"pipedrive:persons:{i}" for i in refused]
    sandbox.brevo.fail_import_rows(ext_ids=ext_ids, kind="invalid_emails")
    stack.start_worker()

    stack.sync_persons()
    [job] = stack.wait_for_succeeded(1, 120)

    letters = {letter.source_id: letter for letter in rows_of(stack, DeadLetter)}
    assert set(letters) >= {str(i) for i in refused}, (letters, sandbox.brevo.imports, stack.logs())
    for person_id in refused:
        letter = letters[str(person_id)]
        assert letter.reason == "brevo_rejected"
        assert letter.vendor_code == "invalid_emails"
        assert "Brevo did not import the row" in letter.message
        assert f"pipedrive:persons:{person_id}" not in ledger_ids(stack)
        assert brevo_contact(sandbox, person_id) is None
    assert job.written == job.fetched - job.dead_lettered
    assert len(ledger_ids(stack)) == job.written


@pytest.mark.parametrize("policy", ["retry_without_conflicting", "dead_letter"])
def test_an_sms_another_contact_holds_is_decided_by_the_connectors_conflict_policy(
    make_stack: StackFactory, policy: str
) -> None:
    stack, sandbox = make_stack(200)
    set_brevo(stack, contact_policies={"pipedrive": {"conflict_policy": policy}})
    [person_id] = persons_with(sandbox, 1, phone=True)
    person = sandbox.pipedrive.person(person_id)
    phone = next(p["value"] for p in person["phones"] if str(p["value"]).startswith("+"))
    email = next(e["value"] for e in person["emails"] if e.get("value"))
    brevo = sandbox.urls["brevo"]
    # Brevo already has the person (by email and ext_id), and another contact holds its phone.
    for body in (
        {"email": email, "ext_id": f"pipedrive:persons:{person_id}", "attributes": {}},
        {"email": "holder@example.org", "attributes": {"SMS": phone}},
    ):
        answer = httpx.post(
            f"{brevo}/contacts",
            headers={"api-key": BREVO_KEY},
            json={**body, "listIds": [60]},
            timeout=10,
        )
        answer.raise_for_status()
    holder = sandbox.brevo.contact_by_email("holder@example.org")
    assert holder is not None
    assert holder["attributes"].get("SMS")
    stack.start_worker()

    stack.sync_persons()
    stack.wait_for_succeeded(1, 120)

    [letter] = [d for d in rows_of(stack, DeadLetter) if d.source_id == str(person_id)]
    assert letter.reason == "brevo_conflict"
    written = brevo_contact(sandbox, person_id)
    assert written is not None
    assert "SMS" not in written["attributes"]
    if policy == "retry_without_conflicting":
        # Written without the SMS another contact holds, with a note saying so.
        assert written["attributes"]["LASTNAME"] == person["last_name"]
        assert "written without SMS" in letter.message
    else:
        assert "LASTNAME" not in written["attributes"]
    assert f"pipedrive:persons:{person_id}" not in ledger_ids(stack)
    assert sandbox.brevo.contact_by_email("holder@example.org") == holder


def test_a_429_storm_sends_nothing_to_brevo_before_the_reset_and_loses_nothing(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(300)
    stack.start_worker()
    ends = sandbox.brevo.storm_429(seconds=10, path_prefix="/v3/contacts/import")

    stack.sync_persons()
    [job] = stack.wait_for_succeeded(1, 120)

    imports = [r for r in sandbox.brevo.requests if r["path"].endswith("/contacts/import")]
    refused = [r for r in imports if r["status"] == 429]
    assert refused, "the storm must have met at least one import"
    first = refused[0]["monotonic"]
    after_first = [r for r in imports if r["monotonic"] > first]
    # After Brevo's 429 named its reset, no worker called before it.
    assert all(r["monotonic"] >= ends - 0.05 for r in after_first), (first, ends, after_first)
    assert job.written + job.dead_lettered == job.fetched - job.unchanged
    assert sandbox.brevo.contact_count() == job.written


def test_a_worker_killed_mid_import_still_finishes_the_job_with_every_contact_written_once(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(2000)
    set_brevo(stack, import_batch_records=250)
    stack.extra_env["TAJO_VISIBILITY_TIMEOUT"] = "15"
    sandbox.brevo.set_import_timing(1.5, 1.0)
    first = stack.start_worker("w1", concurrency=2)

    stack.sync_persons()
    deadline = time.monotonic() + 60
    while sandbox.brevo.request_count("/v3/contacts/import") < 2:
        assert time.monotonic() < deadline, stack.logs()
        time.sleep(0.1)
    os.killpg(first.process.pid, signal.SIGKILL)
    first.process.wait(10)
    stack.children.remove(first)  # dead on purpose: the stack must not report it
    stack.start_worker("w2", concurrency=2)
    # The killed worker's unacknowledged tasks come back once Redis's visibility timeout has
    # passed and a worker's periodic restore runs: up to a couple of minutes on a busy machine.
    [job] = stack.wait_for_succeeded(1, 300)

    assert job.written + job.dead_lettered == job.fetched
    ledger = rows_of(stack, LedgerEntry)
    assert len(ledger) == len({entry.external_id for entry in ledger}) == job.written
    for entry in ledger:
        contact = sandbox.brevo.contact_by_ext_id(entry.external_id)
        assert contact is not None, entry.external_id
    # One Brevo contact per written person, never two.
    assert sandbox.brevo.contact_count() == job.written
    engine = create_engine(stack.database_url)
    try:
        with Session(engine) as session:
            letters = session.scalar(select(func.count()).select_from(DeadLetter))
    finally:
        engine.dispose()
    assert letters == job.dead_lettered


def test_a_refused_key_fails_the_job_and_pauses_every_brevo_call_of_the_account(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(100)
    sandbox.brevo.failures.set(401, seconds=600, path_prefix="/v3/contacts/import")
    stack.start_worker()

    stack.sync_persons()
    [job] = stack.wait_for(lambda js: bool(js) and js[0].status == "failed", 90, "a failed job")
    refused_at = max(sandbox.brevo.request_times("/v3/contacts/import"))
    # Another write for the same account comes along (a webhook, say): it must wait.
    operation = {
        "op": "contact.upsert",
        "ext_id": "pipedrive:persons:99999",
        "source_id": "99999",
        "email": "later@example.com",
        "attributes": {},
        "list_ids": [60],
    }
    app = Celery("sender", broker=stack.broker_url)
    item = {"ext_id": operation["ext_id"], "content_hash": "h", "operation": operation}
    app.send_task(
        "brevo.write_contact",
        kwargs={"connector": "pipedrive", "resource": "persons", "item": item},
        queue="sink.brevo",
    )
    app.close()
    time.sleep(5)

    assert job.error_category == "auth"
    assert BREVO_KEY not in (job.error or "")
    # Paused: nothing more went to Brevo after its 401, though the rows are still staged.
    assert [t for t in sandbox.brevo.request_times() if t > refused_at] == []
    assert sandbox.brevo.request_count("/v3/contacts/import") == 1
    assert sandbox.brevo.contact_by_email("later@example.com") is None
