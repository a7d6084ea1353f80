"""Companies, deals, custom objects, orders and products against the Brevo fake over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.brevo import crm, objects, orders, products
from connectors.brevo.api import BrevoApi
from connectors.brevo.batches import chunk_items
from connectors.brevo.settings import BrevoSettings
from connectors.core.errors import VendorValidationError
from sandbox.server import SandboxHandle


@pytest.fixture(autouse=True)
def clean_fake(sandbox: SandboxHandle) -> Iterator[None]:
    sandbox.brevo.reset()
    yield
    sandbox.brevo.reset()
    assert sandbox.brevo.off_spec == []


@pytest.fixture
def api(sandbox: SandboxHandle, brevo_key: str) -> Iterator[BrevoApi]:
    with BrevoApi(BrevoSettings(api_key=brevo_key, base_url=sandbox.urls["brevo"])) as client:
        yield client


def company(i: int, industry: str = "Fabric") -> crm.Record:
    return crm.record_of(
        {
            "ext_id": f"pipedrive:organizations:{i}",
            "name": f"Org {i}",
            "attributes": {"industry": industry},
        }
    )


def wait_for(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_company_is_created_then_updated_in_place(sandbox: SandboxHandle, api: BrevoApi) -> None:
    brevo_id = crm.create(api, "company", company(1))

    assert crm.update(api, "company", brevo_id, company(1, industry="Steel")) is True

    stored = sandbox.brevo.company(brevo_id)
    assert stored is not None
    assert stored["attributes"]["name"] == "Org 1"
    assert stored["attributes"]["industry"] == "Steel"


def test_updating_a_company_brevo_no_longer_has_says_so(api: BrevoApi) -> None:
    assert crm.update(api, "company", "0123456789abcdef01234567", company(2)) is False


def test_known_companies_are_updated_by_one_csv_import(
    sandbox: SandboxHandle, api: BrevoApi
) -> None:
    ids = [crm.create(api, "company", company(i)) for i in range(3)]
    before = sandbox.brevo.request_count("/v3/companies")

    process_id = crm.import_companies(
        api, [(brevo_id, company(i, industry="Glass")) for i, brevo_id in enumerate(ids)]
    )

    assert isinstance(process_id, int)
    assert sandbox.brevo.request_count("/v3/companies") == before + 1
    wait_for(
        lambda: all(
            (sandbox.brevo.company(i) or {}).get("attributes", {}).get("industry") == "Glass"
            for i in ids
        )
    )


def test_a_deal_is_created_then_updated(sandbox: SandboxHandle, api: BrevoApi) -> None:
    deal = crm.record_of(
        {"ext_id": "pipedrive:deals:9", "name": "Big deal", "attributes": {"amount": 12}}
    )
    brevo_id = crm.create(api, "deal", deal)

    changed = crm.Record(deal.ext_id, "Bigger deal", {"amount": 40})
    assert crm.update(api, "deal", brevo_id, changed) is True

    stored = sandbox.brevo.deal(brevo_id)
    assert stored is not None
    assert stored["attributes"]["amount"] == 40


def test_object_records_are_upserted_by_ext_id_in_one_call(
    sandbox: SandboxHandle, api: BrevoApi
) -> None:
    sandbox.brevo.define_object_type("vehicle", ["model"])
    records = [
        objects.record_of(
            {
                "object_type": "vehicle",
                "identifiers": {"ext_id": f"v{i}"},
                "attributes": {"model": "X"},
            }
        ).record
        for i in range(30)
    ]

    objects.upsert(api, "vehicle", records)

    assert sandbox.brevo.request_count("/v3/objects") == 1
    wait_for(lambda: len(sandbox.brevo.object_records("vehicle")) == 30)


def test_an_unknown_object_type_refuses_the_call(api: BrevoApi) -> None:
    record = {"identifiers": {"ext_id": "s1"}, "attributes": {}}

    with pytest.raises(VendorValidationError, match="invalid object type"):
        objects.upsert(api, "subscription", [record])


def order(i: int) -> dict[str, Any]:
    return orders.order_of(
        {
            "id": f"shopify:orders:{i}",
            "createdAt": "2024-01-02T10:00:00Z",
            "updatedAt": "2024-01-03T10:00:00Z",
            "status": "completed",
            "amount": 20.5,
            "products": [{"productId": "p1", "quantity": 1, "price": 20.5}],
            "identifiers": {"email_id": f"buyer{i}@example.com"},
        }
    )


def test_1500_orders_go_in_two_batch_calls(sandbox: SandboxHandle, api: BrevoApi) -> None:
    bodies = [order(i) for i in range(1500)]
    chunks = chunk_items(bodies, max_items=orders.ORDERS_PER_CALL, max_bytes=orders.MAX_BODY_BYTES)

    for chunk in chunks:
        orders.send_batch(api, [bodies[i] for i in chunk.indices])

    assert [len(c.indices) for c in chunks] == [1000, 500]
    assert sandbox.brevo.request_count("/v3/orders/status/batch") == 2
    wait_for(lambda: len(sandbox.brevo.orders_received()) == 1500)


def test_an_order_without_its_products_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="products"):
        orders.order_of({"id": "1", "createdAt": "x", "updatedAt": "x", "status": "s", "amount": 1})


def product(i: int, price: float = 9.5) -> dict[str, Any]:
    return products.product_of(
        {"id": str(i), "name": f"Product {i}", "price": price, "metaInfo": {"vendor": "Acme"}}
    )


def test_250_products_go_in_three_calls_and_a_resend_updates_them(
    sandbox: SandboxHandle, api: BrevoApi
) -> None:
    bodies = [product(i) for i in range(250)]
    chunks = chunk_items(
        bodies, max_items=products.PRODUCTS_PER_CALL, max_bytes=products.MAX_BODY_BYTES
    )

    taken = [products.send_batch(api, [bodies[i] for i in c.indices]) for c in chunks]
    products.send_batch(api, [product(7, price=12.0)])

    assert taken == [100, 100, 50]
    assert sandbox.brevo.request_count("/v3/products/batch") == 4
    assert len(sandbox.brevo.products_received()) == 250
    assert sandbox.brevo.products.get("7") == {
        "id": "7",
        "name": "Product 7",
        "price": 12.0,
        "metaInfo": {"vendor": "Acme"},
    }


def test_a_product_batch_repeating_an_id_is_refused_with_brevo_s_reason(api: BrevoApi) -> None:
    with pytest.raises(VendorValidationError, match="duplicate product ids"):
        products.send_batch(api, [product(1), product(1)])


def test_a_product_without_a_name_is_refused_before_sending() -> None:
    with pytest.raises(ValueError, match="name"):
        products.product_of({"id": "1"})
