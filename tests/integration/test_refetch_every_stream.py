"""`sync.refetch` run in this process for every kind of stream: the real sandbox over HTTP, real
Redis (the shared limiter, and the broker its writes and dead letters are sent through) and the
real database (the write ledger). The `brevo.write_ops` tasks a refetch enqueues are read back
from the broker and run here too, so each test follows one object all the way into Brevo."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select

from sandbox.server import SandboxHandle, start_sandbox
from tasks.brevo_ops import write_ops
from tasks.models import LedgerEntry
from tasks.refetch import RefetchRefused, refetch
from tasks.runtime import transaction
from tests.support import infra
from tests.support.infra import redis_client
from tests.support.stack import BREVO_KEY, PIPEDRIVE_TOKEN, SHOPIFY_TOKEN, shopify_block
from tests.support.stack import write_config as write_stack_config
from workers.celery_app import create_app
from workers.demo import prepare_brevo_account
from workers.settings import Settings

SHOPIFY_RESOURCES = ("customers", "orders", "products", "carts")
#: Attributes every Brevo account has (the sandbox account has no TOTAL_SPENT).
CUSTOMER_MAPPING = {"email": "email", "firstName": "FIRSTNAME", "lastName": "LASTNAME"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SandboxHandle, str]]:
    """One sandbox and one Redis for the module: starting them is most of a test's time."""
    handle = start_sandbox(
        records=10, seed=3, pipedrive_token=PIPEDRIVE_TOKEN, brevo_api_key=BREVO_KEY,
        shopify_token=SHOPIFY_TOKEN,
    )  # fmt: skip
    try:
        with infra.broker(tmp_path_factory.mktemp("refetch-redis")) as url:
            yield handle, url
    finally:
        handle.stop()


@pytest.fixture
def sandbox(shared: tuple[SandboxHandle, str]) -> Iterator[SandboxHandle]:
    handle, _ = shared
    handle.reset()
    prepare_brevo_account(handle.urls["brevo"], BREVO_KEY)
    yield handle
    assert handle.brevo.off_spec == []


@pytest.fixture
def broker(
    sandbox: SandboxHandle,
    shared: tuple[SandboxHandle, str],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> redis.Redis:
    """The Celery app and the tasks' runtime, pointed at the sandbox, Redis and the database."""
    _, broker_url = shared
    client = redis_client(broker_url)
    client.flushdb()
    monkeypatch.setenv("PIPEDRIVE_API_TOKEN", PIPEDRIVE_TOKEN)
    monkeypatch.setenv("BREVO_API_KEY", BREVO_KEY)
    monkeypatch.setenv("SHOPIFY_ACCESS_TOKEN", SHOPIFY_TOKEN)
    shop = shopify_block(
        sandbox.urls, sync=dict.fromkeys(SHOPIFY_RESOURCES, True), field_mapping=CUSTOMER_MAPPING
    )
    config = write_stack_config(
        tmp_path / "tajo.yaml", sandbox.urls, shopify=shop,
        sync={"persons": True, "deals": True},
    )  # fmt: skip
    create_app(
        Settings(broker_url=broker_url, database_url=database_url, config=config, var_dir=tmp_path)
    )
    return client


def sent(broker: redis.Redis, queue: str) -> list[dict[str, Any]]:
    """The kwargs of every task waiting in `queue`, taken off it."""
    found = []
    while (raw := broker.lpop(queue)) is not None:
        message = json.loads(raw)  # type: ignore[arg-type]
        _, kwargs, _ = json.loads(base64.b64decode(message["body"]))
        found.append({"task": message["headers"]["task"], **kwargs})
    return found


def run_writes(broker: redis.Redis) -> list[str]:
    """Run the `brevo.write_ops` tasks the refetch enqueued, as the sink worker would; the
    kinds they wrote."""
    kinds = []
    for message in sent(broker, "sink.brevo"):
        assert message.pop("task") == "brevo.write_ops"
        write_ops.run(**message)
        kinds.append(message["kind"])
    return sorted(kinds)


def contact_upserts(sandbox: SandboxHandle) -> int:
    return sum(
        1 for r in sandbox.brevo.requests if r["method"] == "POST" and r["path"] == "/v3/contacts"
    )


def test_a_refetched_pipedrive_deal_is_written_as_a_deal_operation_not_a_contact(
    sandbox: SandboxHandle, broker: redis.Redis
) -> None:
    answer = refetch.run(connector="pipedrive", resource="deals", object_id="1")
    assert answer["status"] == "enqueued"
    assert answer["operations"] == {"deal.upsert": 1}
    assert run_writes(broker) == ["deal.upsert"]
    [deal] = sandbox.brevo.deals.all()
    assert deal["attributes"]["deal_name"] == sandbox.pipedrive.deal(1)["title"]
    assert contact_upserts(sandbox) == 0

    again = refetch.run(connector="pipedrive", resource="deals", object_id="1", hint="change")
    assert again["status"] == "unchanged"
    assert sent(broker, "sink.brevo") == []


def test_a_refetched_shopify_customer_is_upserted_once_and_then_found_unchanged(
    sandbox: SandboxHandle, broker: redis.Redis
) -> None:
    sandbox.shopify.edit("customers", 2, {"lastName": "Refetched"})
    assert refetch.run(connector="shopify", resource="customers", object_id="2")["status"] == (
        "written"
    )
    run_writes(broker)  # its consent list operations, if any
    contact = sandbox.brevo.contact_by_ext_id("shopify:customers:2")
    assert contact is not None
    assert contact["attributes"]["LASTNAME"] == "Refetched"
    again = refetch.run(connector="shopify", resource="customers", object_id="2")
    assert again["status"] == "unchanged"
    assert contact_upserts(sandbox) == 1
    assert sent(broker, "sink.brevo") == []


def test_a_refetched_order_writes_the_order_and_its_order_placed_event(
    sandbox: SandboxHandle, broker: redis.Redis
) -> None:
    order_id = sandbox.shopify.orders_of(1)[0]
    answer = refetch.run(connector="shopify", resource="orders", object_id=str(order_id))
    assert answer["operations"] == {"order.upsert": 1, "event.track": 1}
    assert run_writes(broker) == ["event.track", "order.upsert"]
    [order] = sandbox.brevo.orders_received()
    assert order["id"] == str(order_id)
    assert [e["event_name"] for e in sandbox.brevo.events.all()] == ["order_placed"]


def test_an_order_the_shop_no_longer_has_forgets_its_ledger_entries_so_a_restore_is_written(
    sandbox: SandboxHandle, broker: redis.Redis
) -> None:
    order_id = sandbox.shopify.orders_of(1)[0]
    refetch.run(connector="shopify", resource="orders", object_id=str(order_id))
    run_writes(broker)
    sandbox.shopify.delete("orders", [order_id])
    gone = refetch.run(
        connector="shopify", resource="orders", object_id=str(order_id), hint="delete"
    )
    assert gone["status"] == "forgotten"
    with transaction() as session:
        hashes = session.scalars(
            select(LedgerEntry.content_hash).where(LedgerEntry.resource == "orders")
        ).all()
    assert hashes == ["", ""]
    assert sent(broker, "sink.brevo") == []


def test_a_product_the_shop_deleted_is_sent_again_marked_deleted_and_only_once(
    sandbox: SandboxHandle, broker: redis.Redis
) -> None:
    refetch.run(connector="shopify", resource="products", object_id="3")
    assert run_writes(broker) == ["product.upsert"]
    name = sandbox.brevo.products.get("3")["name"]  # type: ignore[index]
    sandbox.shopify.delete("products", [3])

    retired = refetch.run(connector="shopify", resource="products", object_id="3", hint="delete")
    assert retired["status"] == "retired"
    assert run_writes(broker) == ["product.upsert"]
    product = sandbox.brevo.products.get("3")
    assert product is not None
    assert (product["name"], product["isDeleted"]) == (name, True)
    again = refetch.run(connector="shopify", resource="products", object_id="3", hint="delete")
    assert again["status"] == "unchanged"
    assert sent(broker, "sink.brevo") == []


def test_a_deleted_product_brevo_never_had_needs_nothing(
    sandbox: SandboxHandle, broker: redis.Redis
) -> None:
    sandbox.shopify.delete("products", [4])
    answer = refetch.run(connector="shopify", resource="products", object_id="4", hint="delete")
    assert answer["status"] == "absent"
    assert sent(broker, "sink.brevo") == []


def test_a_record_the_mapping_cannot_write_becomes_a_dead_letter_with_its_reason(
    sandbox: SandboxHandle, broker: redis.Redis
) -> None:
    sandbox.shopify.edit("customers", 5, {"email": "not-an-email", "phone": None})
    answer = refetch.run(connector="shopify", resource="customers", object_id="5")
    assert answer["status"] == "dead_lettered"
    assert answer["reason"] == "invalid_email"
    [letter] = sent(broker, "deadletter")
    assert (letter["task"], letter["resource"], letter["source_id"]) == (
        "deadletter.park", "customers", "5",
    )  # fmt: skip
    assert letter["reason"] == "invalid_email"
    assert sent(broker, "sink.brevo") == []
    assert contact_upserts(sandbox) == 0


def test_a_resource_without_a_stream_or_an_id_the_vendor_cannot_have_is_refused(
    broker: redis.Redis,
) -> None:
    with pytest.raises(RefetchRefused, match="no stream"):
        refetch.run(connector="shopify", resource="webhooks", object_id="1")
    with pytest.raises(RefetchRefused, match="positive integer"):
        refetch.run(connector="pipedrive", resource="deals", object_id="abc")
    with pytest.raises(RefetchRefused, match="numeric Shopify id"):
        refetch.run(connector="shopify", resource="orders", object_id="abc")
