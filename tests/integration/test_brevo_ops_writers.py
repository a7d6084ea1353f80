"""`brevo.write_ops` run in this process: real sandbox over HTTP, real Redis (the shared limiter
and the broker its dead letters are sent through) and the real database (the write ledger)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select

from connectors.core.errors import AuthError, RateLimitedError
from mapping.hashing import content_hash
from sandbox.server import SandboxHandle, start_sandbox
from tasks import jobs, ops_crm
from tasks.brevo_ops import write_ops
from tasks.models import JobStatus, JobTask, LedgerEntry, SyncJob
from tasks.policy import Deferred
from tasks.runtime import transaction
from tests.support.infra import redis_client
from workers.celery_app import create_app
from workers.settings import Settings

BREVO_KEY = "xkeysib-integration-ops-key"


@pytest.fixture
def sandbox() -> Iterator[SandboxHandle]:
    handle = start_sandbox(records=10, seed=3, brevo_api_key=BREVO_KEY)
    try:
        yield handle
    finally:
        off_spec = handle.brevo.off_spec
        handle.stop()
        assert off_spec == []


@pytest.fixture
def broker(sandbox: SandboxHandle, broker_url: str, database_url: str, tmp_path: Path) -> str:
    """The Celery app and the tasks' runtime, pointed at the sandbox, Redis and the database."""
    config = tmp_path / "tajo.yaml"
    config.write_text(
        json.dumps({"brevo": {"api_key": BREVO_KEY, "base_url": sandbox.urls["brevo"]}})
    )
    create_app(
        Settings(broker_url=broker_url, database_url=database_url, config=config, var_dir=tmp_path)
    )
    return broker_url


def item(op: str, key: str, body: dict[str, Any], source_id: str = "1") -> dict[str, Any]:
    operation = {"op": op, "key": key, "source_id": source_id, "body": body}
    return {
        "operation": operation,
        "content_hash": content_hash(operation),
        "mapping_version": "v1",
    }


def event(i: int, name: str = "deal_won") -> dict[str, Any]:
    body = {"event_name": name, "identifiers": {"ext_id": f"pipedrive:persons:{i}"}}
    return item("event.track", f"event:deal_won:pipedrive:deals:{i}", body, str(i))


def write(kind: str, items: list[dict[str, Any]], resource: str = "deals") -> dict[str, Any]:
    result: dict[str, Any] = write_ops.run(
        kind=kind, items=items, connector="pipedrive", resource=resource
    )
    return result


def write_once_the_limiter_allows(kind: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """`write`, sleeping through the limiter's short deferrals (bounded, as the task base is)."""
    for _ in range(10):
        try:
            return write(kind, items)
        except Deferred as deferred:
            time.sleep(min(deferred.wait_seconds, 2.0))
    raise AssertionError("the limiter kept deferring the write")


def parked(broker_url: str) -> list[dict[str, Any]]:
    """The kwargs of every deadletter.park message waiting in the broker."""
    client: redis.Redis = redis_client(broker_url)
    messages = []
    for raw in client.lrange("deadletter", 0, -1):
        envelope = json.loads(raw)
        _, kwargs, _ = json.loads(base64.b64decode(envelope["body"]))
        messages.append(kwargs)
    return messages


def ledger_rows(target: str) -> list[LedgerEntry]:
    with transaction() as session:
        return list(session.scalars(select(LedgerEntry).where(LedgerEntry.target == target)))


def test_450_events_take_three_requests_and_an_unchanged_rerun_takes_none(
    sandbox: SandboxHandle, broker: str
) -> None:
    events = [event(i) for i in range(450)]

    first = write("event.track", events)
    again = write("event.track", events)

    assert (first["sent"], first["requests"]) == (450, 3)
    assert (again["sent"], again["unchanged"], again["requests"]) == (0, 450, 0)
    assert sandbox.brevo.request_count("/v3/events") == 3
    assert len(ledger_rows("event.track")) == 450


def test_a_refused_event_becomes_a_dead_letter_with_brevo_s_reason_and_the_rest_go_on(
    sandbox: SandboxHandle, broker: str
) -> None:
    result = write("event.track", [event(1), event(2, name="no spaces allowed"), event(3)])

    assert (result["sent"], result["dead_lettered"]) == (2, 1)
    [letter] = parked(broker)
    assert letter["reason"] == "brevo_rejected"
    assert letter["source_id"] == "2"
    assert letter["vendor_code"] == "invalid_parameter"
    assert letter["payload"]["op"] == "event.track"
    assert {r.external_id for r in ledger_rows("event.track")} == {
        "event:deal_won:pipedrive:deals:1",
        "event:deal_won:pipedrive:deals:3",
    }


def test_after_a_429_nothing_is_sent_before_the_reset_and_the_retry_sends_only_the_rest(
    sandbox: SandboxHandle, broker: str
) -> None:
    write("event.track", [event(i) for i in range(200)])
    storm_ends = sandbox.brevo.storm_429(seconds=2.0, path_prefix="/v3/events")

    with pytest.raises(RateLimitedError):
        write("event.track", [event(i) for i in range(400)])
    sent_by_then = sandbox.brevo.request_count("/v3/events")
    # The limiter holds the events bucket until Brevo's reset: the task defers, sends nothing.
    with pytest.raises(Deferred):
        write("event.track", [event(i) for i in range(400)])
    assert sandbox.brevo.request_count("/v3/events") == sent_by_then

    time.sleep(max(0.0, storm_ends - time.monotonic()))
    # Brevo's reset header counts whole seconds, so the pause may outlast the storm by up to one
    # second: wait as the task base would (a short deferral sleeps), then send.
    result = write_once_the_limiter_allows("event.track", [event(i) for i in range(400)])

    assert (result["sent"], result["unchanged"], result["requests"]) == (200, 200, 1)
    assert sandbox.brevo.events.count() == 400
    assert min(sandbox.brevo.request_times("/v3/events")[-1:]) >= storm_ends


def contact_rows(count: int) -> list[dict[str, Any]]:
    return [
        {"email": f"p{i}@example.com", "attributes": {"EXT_ID": f"pipedrive:persons:{i}"}}
        for i in range(count)
    ]


def membership(op: str, list_id: int, i: int) -> dict[str, Any]:
    body = {"listId": list_id, "identifier": {"ext_id": f"pipedrive:persons:{i}"}}
    return item(op, f"list:{list_id}:pipedrive:persons:{i}", body, str(i))


def test_list_adds_go_150_a_call_and_an_unknown_contact_is_a_dead_letter(
    sandbox: SandboxHandle, broker: str
) -> None:
    sandbox.brevo.set_contacts_rate_limit(None)
    import httpx

    httpx.post(
        f"{sandbox.urls['brevo']}/contacts/import",
        headers={"api-key": BREVO_KEY},
        json={"jsonBody": contact_rows(300), "listIds": [1], "updateExistingContacts": True},
    ).raise_for_status()
    assert sandbox.brevo.wait_for_imports(10.0)
    adds = [membership("list.add", 12, i) for i in range(301)]  # person 300 does not exist

    result = write("list.membership", adds, resource="persons")

    assert (result["sent"], result["dead_lettered"]) == (300, 1)
    assert sandbox.brevo.request_count("/v3/contacts/lists/{listId}/contacts/add") == 3
    assert len(sandbox.brevo.list_members(12)) == 300
    [letter] = parked(broker)
    assert letter["vendor_code"] == "document_not_found"
    assert "pipedrive:persons:300" in letter["message"]

    removes = [membership("list.remove", 12, i) for i in range(5)]
    assert write("list.membership", removes, resource="persons")["sent"] == 5
    assert len(sandbox.brevo.list_members(12)) == 295
    # Adding them back is not "unchanged": add and remove share the membership's ledger row.
    assert write("list.membership", adds[:5], resource="persons")["sent"] == 5


def company(i: int, industry: str) -> dict[str, Any]:
    key = f"pipedrive:organizations:{i}"
    body = {"ext_id": key, "name": f"Org {i}", "attributes": {"industry": industry}}
    return item("company.upsert", key, body, str(i))


def test_a_company_is_created_once_then_updated_through_the_id_the_ledger_keeps(
    sandbox: SandboxHandle, broker: str
) -> None:
    write("company.upsert", [company(1, "Fabric")], resource="organizations")
    [row] = ledger_rows("company.upsert")
    assert row.brevo_id is not None

    write("company.upsert", [company(1, "Steel")], resource="organizations")

    assert len(sandbox.brevo.companies.all()) == 1
    stored = sandbox.brevo.company(row.brevo_id)
    assert stored is not None
    assert stored["attributes"]["industry"] == "Steel"
    assert sandbox.brevo.request_count("/v3/companies/{id}") == 1  # the PATCH


def test_many_known_companies_are_updated_by_one_import_request(
    sandbox: SandboxHandle, broker: str
) -> None:
    count = ops_crm.IMPORT_FROM
    write("company.upsert", [company(i, "Fabric") for i in range(count)], "organizations")
    before = sandbox.brevo.request_count("/v3/companies")

    result = write("company.upsert", [company(i, "Glass") for i in range(count)], "organizations")

    assert (result["sent"], result["requests"]) == (count, 1)
    assert sandbox.brevo.request_count("/v3/companies") == before + 1
    assert sandbox.brevo.wait_for_imports(10.0)
    assert {c["attributes"]["industry"] for c in sandbox.brevo.companies.all()} == {"Glass"}


def product(i: int, name: str = "Shoes") -> dict[str, Any]:
    body = {"id": str(i), "name": f"{name} {i}", "price": 10.0 + i}
    return item("product.upsert", f"shopify:products:{i}", body, str(i))


def test_150_products_take_two_requests_a_nameless_one_is_a_dead_letter_and_a_rerun_none(
    sandbox: SandboxHandle, broker: str
) -> None:
    nameless = item("product.upsert", "shopify:products:999", {"id": "999"}, "999")
    products = [product(i) for i in range(150)]

    first = write("product.upsert", [*products, nameless], resource="products")
    again = write("product.upsert", products, resource="products")

    assert (first["sent"], first["requests"], first["dead_lettered"]) == (150, 2, 1)
    assert (again["sent"], again["requests"]) == (0, 0)
    assert len(sandbox.brevo.products_received()) == 150
    [letter] = parked(broker)
    assert (letter["source_id"], letter["reason"]) == ("999", "brevo_rejected")
    assert "name is required" in letter["message"]


def test_a_malformed_item_is_dead_lettered_as_it_came_and_names_its_field(
    sandbox: SandboxHandle, broker: str
) -> None:
    bad = {"operation": {"op": "event.track", "key": "k", "source_id": "9"}, "content_hash": "h"}

    result = write("event.track", [bad, event(1)])

    assert (result["sent"], result["dead_lettered"]) == (1, 1)
    [letter] = parked(broker)
    assert letter["reason"] == "unsupported_record"
    assert "items[0].operation" in letter["message"]
    assert letter["payload"]["body"]["malformed_item"] == bad


def test_an_unknown_kind_is_refused_with_a_sentence_naming_it(broker: str) -> None:
    with pytest.raises(ValueError, match=r"kind: 'sms\.send' is not one of"):
        write("sms.send", [])


def test_a_401_dead_letters_what_was_not_written_as_auth_and_fails_the_job(
    sandbox: SandboxHandle, broker: str
) -> None:
    with transaction() as session:
        job_id = jobs.open_job(session, "pipedrive", "deals", "full").job_id
        jobs.expect_tasks(session, job_id, [("o:0:event.track", "write")])
    sandbox.brevo.failures.set(401, count=1)

    with pytest.raises(AuthError):
        write_ops(  # through the task base, which runs the give-up hook
            kind="event.track",
            items=[event(1), event(2)],
            connector="pipedrive",
            resource="deals",
            job_id=job_id,
            key="o:0:event.track",
        )

    letters = parked(broker)
    assert sorted(letter["source_id"] for letter in letters) == ["1", "2"]
    assert {letter["reason"] for letter in letters} == {"auth"}
    with transaction() as session:
        job = session.get(SyncJob, job_id)
        assert job is not None
        assert (job.status, job.error_category) == (JobStatus.FAILED, "auth")
        done = session.get(JobTask, (job_id, "o:0:event.track"))
        assert done is not None
        assert done.done
