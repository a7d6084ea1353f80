"""Single-contact writes through a real worker: a trickle goes one by one, a burst coalesces."""

from __future__ import annotations

import json
from typing import Any

from celery import Celery
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from mapping.hashing import content_hash
from tasks.models import JobStatus, LedgerEntry
from tests.e2e.conftest import StackFactory
from tests.support.stack import Stack


def item(n: int) -> dict[str, Any]:
    operation = {
        "op": "contact.upsert",
        "ext_id": f"pipedrive:persons:{90_000 + n}",
        "source_id": str(90_000 + n),
        "email": f"burst.{n}@example.com",
        "attributes": {"FIRSTNAME": f"Burst {n}"},
        "list_ids": [60],
    }
    return {
        "ext_id": operation["ext_id"],
        "content_hash": content_hash(operation),
        "mapping_version": "v1",
        "operation": operation,
    }


def send_writes(stack: Stack, count: int) -> None:
    """What the webhook path enqueues: one `brevo.write_contact` per changed contact."""
    app = Celery("sender", broker=stack.broker_url)
    try:
        for n in range(count):
            app.send_task(
                "brevo.write_contact",
                kwargs={"connector": "pipedrive", "resource": "persons", "item": item(n)},
                queue="sink.brevo",
            )
    finally:
        app.close()


def ledger_ids(stack: Stack) -> set[str]:
    engine = create_engine(stack.database_url)
    try:
        with Session(engine) as session:
            return set(session.scalars(select(LedgerEntry.external_id)))
    finally:
        engine.dispose()


def test_a_burst_of_single_writes_past_the_threshold_travels_in_an_import(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(10)
    config = json.loads(stack.config_path.read_text(encoding="utf-8"))
    config["brevo"]["single_write_threshold"] = 3
    stack.config_path.write_text(json.dumps(config), encoding="utf-8")
    stack.start_worker()
    before = sandbox.brevo.request_count()

    send_writes(stack, 40)
    jobs = stack.wait_for(
        lambda js: any(j.mode == "live" and j.status == JobStatus.SUCCEEDED for j in js),
        90,
        "the live job of the burst",
    )

    [live] = [j for j in jobs if j.mode == "live"]
    assert (live.resource, live.written) == ("persons:live", 40 - 3)
    singles = [
        r for r in sandbox.brevo.requests if (r["method"], r["route"]) == ("POST", "/v3/contacts")
    ]
    assert len(singles) == 3
    assert sandbox.brevo.request_count("/v3/contacts/import") == 1
    assert sandbox.brevo.request_count() - before <= 3 + 1 + 3  # singles, the import, its reads
    expected = {item(n)["ext_id"] for n in range(40)}
    assert ledger_ids(stack) == expected
    assert all(sandbox.brevo.contact_by_ext_id(ext_id) for ext_id in expected)


def test_a_trickle_of_single_writes_goes_one_request_each_and_opens_no_job(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(10)
    stack.start_worker()

    send_writes(stack, 3)
    stack.wait_for(lambda js: len(ledger_ids(stack)) == 3, 60, "three single writes")

    assert stack.jobs() == []
    assert sandbox.brevo.request_count("/v3/contacts/import") == 0
    assert all(sandbox.brevo.contact_by_ext_id(item(n)["ext_id"]) for n in range(3))
