"""A page's worth of every non-contact Brevo operation, written by a real worker process.

The test process plays the page task: it opens a job and hands the operations to
`tasks.brevo_ops.enqueue`, exactly as `sync.pull_page` does; a real Celery worker writes them to
the sandbox Brevo over HTTP. Then the same page again: everything is unchanged, nothing is sent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from deadletter.models import DeadLetter
from mapping.hashing import content_hash
from sandbox.server import SandboxHandle
from tasks import brevo_ops, jobs
from tasks.models import JobTask, LedgerEntry
from tasks.runtime import transaction
from tests.e2e.conftest import StackFactory
from tests.support.stack import BREVO_KEY, PIPEDRIVE_TOKEN, Stack
from workers.celery_app import create_app
from workers.settings import Settings

pytestmark = pytest.mark.e2e

LIST_ID = 21


def item(op: str, key: str, body: dict[str, Any], source_id: str) -> dict[str, Any]:
    operation = {"op": op, "key": key, "source_id": source_id, "body": body}
    return {
        "operation": operation,
        "content_hash": content_hash(operation),
        "mapping_version": "v1",
    }


def person(i: int) -> str:
    return f"pipedrive:persons:{i}"


def mixed_page() -> list[dict[str, Any]]:
    ops = [
        item(
            "event.track",
            f"event:won:{i}",
            {
                "event_name": "deal_won",
                "identifiers": {"ext_id": person(i)},
                "event_properties": {"deal": i},
            },
            str(i),
        )
        for i in range(250)
    ]
    ops.append(
        item(
            "event.track",
            "event:won:bad",
            {"event_name": "deal won!", "identifiers": {"ext_id": person(1)}},
            "bad",
        )
    )
    ops += [
        item(
            "list.add",
            f"list:{LIST_ID}:{person(i)}",
            {"listId": LIST_ID, "identifier": {"ext_id": person(i)}},
            str(i),
        )
        for i in range(160)
    ]
    ops.append(
        item(
            "contact.blocklist",
            f"blocklist:{person(3)}",
            {"identifier": {"ext_id": person(3)}, "emailBlacklisted": True},
            "3",
        )
    )
    ops.append(
        item(
            "company.upsert",
            "pipedrive:organizations:1",
            {"ext_id": "pipedrive:organizations:1", "name": "Acme", "attributes": {}},
            "1",
        )
    )
    ops.append(
        item(
            "deal.upsert",
            "pipedrive:deals:1",
            {"ext_id": "pipedrive:deals:1", "name": "Big deal", "attributes": {"amount": 1200}},
            "1",
        )
    )
    ops += [
        item(
            "object.upsert",
            f"vehicle:{i}",
            {
                "object_type": "vehicle",
                "identifiers": {"ext_id": f"v{i}"},
                "attributes": {"model": "T"},
            },
            str(i),
        )
        for i in range(5)
    ]
    ops.append(
        item(
            "order.upsert",
            "shopify:orders:1",
            {
                "id": "1",
                "createdAt": "2024-01-02T10:00:00Z",
                "updatedAt": "2024-01-02T10:00:00Z",
                "status": "completed",
                "amount": 30,
                "identifiers": {"ext_id": person(2)},
                "products": [{"productId": "p1", "quantity": 1, "price": 30}],
            },
            "1",
        )
    )
    return ops  # fmt: skip


@pytest.fixture
def running(
    make_stack: StackFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[Stack, SandboxHandle]:
    stack, sandbox = make_stack(records=10)
    monkeypatch.setenv("BREVO_API_KEY", BREVO_KEY)
    monkeypatch.setenv("PIPEDRIVE_API_TOKEN", PIPEDRIVE_TOKEN)
    # This process enqueues as a page task would: same broker, database and config.
    create_app(
        Settings(
            broker_url=stack.broker_url,
            database_url=stack.database_url,
            config=stack.config_path,
            var_dir=tmp_path / "var",
        )
    )
    sandbox.brevo.define_object_type("vehicle", ["model"])
    rows = [{"email": f"p{i}@example.com", "attributes": {"EXT_ID": person(i)}} for i in range(160)]
    httpx.post(
        f"{sandbox.urls['brevo']}/contacts/import",
        headers={"api-key": BREVO_KEY},
        json={"jsonBody": rows, "listIds": [1], "updateExistingContacts": True},
    ).raise_for_status()
    assert sandbox.brevo.wait_for_imports(10.0)
    stack.start_worker(concurrency=2)
    return stack, sandbox


def wait_until(check: Callable[[], bool], timeout: float, what: str, stack: Stack) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{stack.logs()}")
        time.sleep(0.3)


def rows(stack: Stack, model: Any) -> list[Any]:
    engine = create_engine(stack.database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(model)))
    finally:
        engine.dispose()


def all_done(stack: Stack, job_id: int) -> bool:
    tasks = [t for t in rows(stack, JobTask) if t.job_id == job_id]
    return bool(tasks) and all(t.done for t in tasks)


def test_a_mixed_page_of_operations_lands_in_brevo_once_and_a_rerun_sends_nothing(
    running: tuple[Stack, SandboxHandle],
) -> None:
    stack, sandbox = running
    with transaction() as session:
        job_id = jobs.open_job(session, "pipedrive", "deals", "full").job_id

    keys = brevo_ops.enqueue(job_id, "pipedrive", "deals", 0, mixed_page())

    assert len(keys) == 7  # one task per writer
    wait_until(lambda: all_done(stack, job_id), 90, "every write and dead letter", stack)
    fake = sandbox.brevo
    assert fake.events.count() == 250
    assert fake.request_count("/v3/events/batch") == 2  # 200 + 51, the bad one refused alone
    assert len(fake.list_members(LIST_ID)) == 160
    assert fake.request_count("/v3/contacts/lists/{listId}/contacts/add") == 2
    blocked = fake.contact_by_ext_id(person(3))
    assert blocked is not None
    assert blocked["emailBlacklisted"] is True
    [company] = fake.companies.all()
    assert company["attributes"]["name"] == "Acme"
    [deal] = fake.deals.all()
    assert deal["attributes"]["amount"] == 1200
    wait_until(lambda: len(fake.object_records("vehicle")) == 5, 10, "object records", stack)
    wait_until(lambda: len(fake.orders_received()) == 1, 10, "the order", stack)

    ledger = rows(stack, LedgerEntry)
    targets = sorted({row.target for row in ledger})
    assert targets == [
        "company.upsert", "contact.blocklist", "deal.upsert", "event.track",
        "list.membership", "object.upsert", "order.upsert",
    ]  # fmt: skip
    assert len(ledger) == 250 + 160 + 1 + 1 + 1 + 5 + 1
    assert all(r.brevo_id for r in ledger if r.target in ("company.upsert", "deal.upsert"))
    [letter] = rows(stack, DeadLetter)
    assert (letter.reason, letter.source_id, letter.job_id) == ("brevo_rejected", "bad", job_id)

    sent_before = fake.request_count()
    # The first job is still open; the rerun's tasks are tracked under a job of their own.
    with transaction() as session:
        again = jobs.open_job(session, "pipedrive", "organizations", "full").job_id
    brevo_ops.enqueue(again, "pipedrive", "deals", 1, mixed_page())
    wait_until(lambda: all_done(stack, again), 60, "the rerun", stack)

    # Only the refused event is tried again: everything Brevo took is unchanged.
    assert fake.request_count() - sent_before == 1
    assert len(fake.companies.all()) == 1
