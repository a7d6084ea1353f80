"""Shopify webhooks end to end: the Shopify fake signs and delivers to `tajo webhooks serve`, a
real worker refetches each object and writes it to the sandbox Brevo; and a refetch of a
Pipedrive deal, called as an operator would, writes the deal."""

from __future__ import annotations

import subprocess
from typing import Any

from sandbox.server import SandboxHandle
from tests.e2e.conftest import StackFactory
from tests.e2e.test_webhooks_hybrid import TAJO, start_ingress, wait_until
from tests.support.stack import Stack

SECRET = "shopify-app-secret-e2e-7b2d90"
#: Attributes every Brevo account has.
CUSTOMER_MAPPING = {"email": "email", "firstName": "FIRSTNAME", "lastName": "LASTNAME"}
MODES = {"customers": "realtime", "orders": "realtime", "products": "hybrid"}
#: The e-commerce and CRM endpoints share Brevo's 100-per-hour bucket; lifted for the test.
UNMETERED_BREVO = {"rate_limit": {"other_per_hour": 1_000_000}}


def tajo(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TAJO, *args], env=stack.env, capture_output=True, text=True, timeout=60, check=False
    )


def last_name(sandbox: SandboxHandle, customer_id: int) -> Any:
    contact = sandbox.brevo.contact_by_ext_id(f"shopify:customers:{customer_id}")
    return None if contact is None else contact["attributes"].get("LASTNAME")


def product(sandbox: SandboxHandle, product_id: int) -> dict[str, Any]:
    return sandbox.brevo.products.get(str(product_id)) or {}


def test_shopify_deliveries_reach_brevo_through_the_ingress_and_a_worker_and_a_deal_refetch_too(
    make_stack: StackFactory, unused_port: int
) -> None:
    stack, sandbox = make_stack(
        10,
        sandbox_options={"shopify_secret": SECRET, "shopify_customers": 20},
        sync={"persons": False, "deals": True},
        shopify={
            "api_secret": "${SHOPIFY_API_SECRET}",
            "sync": dict.fromkeys(MODES, True),
            "modes": MODES,
            "field_mapping": CUSTOMER_MAPPING,
        },
        brevo=UNMETERED_BREVO,
    )
    sandbox.brevo.set_bucket_limits("other", per_second=None, per_hour=None)
    stack.extra_env["SHOPIFY_API_SECRET"] = SECRET
    stack.start_worker(concurrency=2)
    url = start_ingress(stack, unused_port)

    registered = tajo(stack, "webhooks", "register", "shopify", "--url", url)
    assert registered.returncode == 0, registered.stderr
    again = tajo(stack, "webhooks", "register", "shopify", "--url", url)
    assert again.returncode == 0, again.stderr
    assert "kept" in again.stdout
    assert "created" not in again.stdout
    topics = sorted(s.topic for s in sandbox.shopify.webhooks.subscriptions())
    assert len(topics) == 8  # create, update and delete of customers and products; 2 of orders
    listed = tajo(stack, "webhooks", "list", "shopify")
    assert listed.returncode == 0, listed.stderr
    assert f"{url}/webhooks/shopify" in listed.stdout
    assert SECRET not in registered.stdout + again.stdout + listed.stdout

    sandbox.shopify.edit("customers", 4, {"lastName": "Delivered"})
    owner = next(c for c in range(1, 21) if sandbox.shopify.orders_of(c))
    order_id = sandbox.shopify.orders_of(owner)[0]
    delivered = [
        *sandbox.shopify.deliver("customers/update", 4),
        *sandbox.shopify.deliver("orders/create", order_id),
        *sandbox.shopify.deliver("products/update", 2),
    ]
    assert [d.status for d in delivered] == [200, 200, 200]
    wait_until(
        lambda: last_name(sandbox, 4) == "Delivered"
        and any(o["id"] == str(order_id) for o in sandbox.brevo.orders_received())
        and product(sandbox, 2).get("name") is not None,
        60, "the customer, the order and the product to reach Brevo", stack,
    )  # fmt: skip
    assert "order_placed" in {e["event_name"] for e in sandbox.brevo.events.all()}

    sandbox.shopify.delete("products", [2])
    [gone] = sandbox.shopify.deliver("products/delete", 2)
    assert gone.status == 200
    wait_until(
        lambda: product(sandbox, 2).get("isDeleted") is True,
        60, "the deleted product to be marked deleted in Brevo", stack,
    )  # fmt: skip

    stack.call("sync.refetch", connector="pipedrive", resource="deals", object_id="1")
    wait_until(lambda: sandbox.brevo.deals.count() == 1, 60, "the deal to reach Brevo", stack)
    [deal] = sandbox.brevo.deals.all()
    assert deal["attributes"]["deal_name"] == sandbox.pipedrive.deal(1)["title"]
    assert sandbox.brevo.contact_by_ext_id("pipedrive:deals:1") is None
    assert stack.jobs() == [], "webhooks and refetches alone: no batch job ran"
