"""The Brevo fake's companies (and their CSV import), deals, custom object records and
e-commerce order batches, over HTTP."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from sandbox.server import SandboxHandle


def completed(brevo: httpx.Client, process_id: int) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        process: dict[str, Any] = brevo.get(f"/processes/{process_id}").json()
        if process["status"] == "completed":
            return process
        time.sleep(0.02)
    raise AssertionError(f"process {process_id} did not complete")


def test_a_company_is_created_updated_and_read_back(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    created = brevo.post(
        "/companies",
        json={"name": "Acme", "attributes": {"domain": "acme.test"}, "linkedContactsIds": [1, 2]},
    )
    company_id = created.json()["id"]
    patched = brevo.patch(
        f"/companies/{company_id}",
        json={"attributes": {"industry": "Anvils", "domain": ""}, "linkedContactsIds": [3]},
    )
    fetched = brevo.get(f"/companies/{company_id}")

    assert created.status_code == 200
    assert len(company_id) == 24
    assert patched.status_code == 200
    assert fetched.json() == patched.json()
    body = fetched.json()
    assert body["attributes"]["name"] == "Acme"
    assert body["attributes"]["industry"] == "Anvils"
    assert "domain" not in body["attributes"]
    assert body["linkedContactsIds"] == [3]
    assert [c["id"] for c in brevo.get("/companies").json()["items"]] == [company_id]
    assert sandbox.brevo.company(company_id) == body
    missing = brevo.patch("/companies/ffffffffffffffffffffffff", json={"name": "x"})
    assert missing.status_code == 404
    assert missing.json()["code"] == "document_not_found"
    assert sandbox.brevo.off_spec == []


def test_a_company_without_a_name_is_off_spec(sandbox: SandboxHandle, brevo: httpx.Client) -> None:
    response = brevo.post("/companies", json={"attributes": {"domain": "x.test"}})
    assert response.status_code == 400
    assert "name" in sandbox.brevo.off_spec[0]["message"]


def test_companies_are_imported_from_a_multipart_csv_in_the_background(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    existing_id = brevo.post("/companies", json={"name": "Old name"}).json()["id"]
    csv_body = (
        "name,domain,company_id,associated_contact\n"
        "Globex,globex.test,,4|5\n"
        f"New name,old.test,{existing_id},\n"
        ",nameless.test,,\n"
    )

    response = brevo.post(
        "/companies/import",
        files={"file": ("companies.csv", csv_body.encode(), "text/csv")},
        data={"mapping": json.dumps({"update_existing_records": True})},
    )

    assert response.status_code == 200
    process_id = response.json()["processId"]
    assert completed(brevo, process_id)["status"] == "completed"
    globex = sandbox.brevo.companies.find_by_name("Globex")
    assert globex is not None
    assert globex["linkedContactsIds"] == [4, 5]
    assert globex["attributes"]["domain"] == "globex.test"
    updated = sandbox.brevo.company(existing_id)
    assert updated is not None
    assert updated["attributes"]["name"] == "New name"
    assert sandbox.brevo.companies.count() == 2
    assert sandbox.brevo.off_spec == []


def test_a_deal_is_created_updated_and_read_back(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    created = brevo.post(
        "/crm/deals",
        json={"name": "Big deal", "attributes": {"amount": 12}, "linkedCompaniesIds": ["c1"]},
    )
    deal_id = created.json()["id"]
    patched = brevo.patch(
        f"/crm/deals/{deal_id}",
        json={"attributes": {"amount": 15, "deal_stage": "won"}, "linkedContactIds": [7]},
    )

    assert created.status_code == 201
    assert patched.status_code == 204
    deal = brevo.get(f"/crm/deals/{deal_id}").json()
    assert deal["attributes"]["deal_name"] == "Big deal"
    assert (deal["attributes"]["amount"], deal["attributes"]["deal_stage"]) == (15, "won")
    assert (deal["linkedContactsIds"], deal["linkedCompaniesIds"]) == ([7], ["c1"])
    assert sandbox.brevo.deal(deal_id) == deal
    assert brevo.get("/crm/deals/ffffffffffffffffffffffff").status_code == 404
    assert sandbox.brevo.off_spec == []


def test_object_records_are_upserted_later_and_bad_records_are_rejected_in_the_background(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    sandbox.brevo.define_object_type("vehicle", attributes=["model", "year"])
    first = {
        "records": [
            {"identifiers": {"ext_id": "v1"}, "attributes": {"model": "T", "colour": "black"}},
            {"identifiers": {"id": 404}, "attributes": {"model": "ghost"}},
        ]
    }
    second = {"records": [{"identifiers": {"ext_id": "v1"}, "attributes": {"year": 1908}}]}

    accepted = brevo.post("/objects/vehicle/batch/upsert", json=first)
    completed(brevo, accepted.json()["processId"])
    again = brevo.post("/objects/vehicle/batch/upsert", json=second)
    completed(brevo, again.json()["processId"])

    assert accepted.status_code == 202
    assert accepted.json()["message"] == "Batch request accepted"
    [record] = sandbox.brevo.object_records("vehicle")
    assert record["ext_id"] == "v1"
    assert record["attributes"] == {"model": "T", "year": 1908}
    unknown = brevo.post("/objects/boat/batch/upsert", json=second)
    assert unknown.status_code == 400
    assert unknown.json() == {"code": "invalid_parameter", "message": "invalid object type"}
    assert sandbox.brevo.off_spec == []


def test_an_object_upsert_that_breaks_the_sdk_types_or_the_1000_record_limit_is_off_spec(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    sandbox.brevo.define_object_type("vehicle")
    plural_ids = {"records": [{"identifiers": {"ids": [1]}, "attributes": {"model": "T"}}]}
    too_many = {"records": [{"attributes": {"model": str(i)}} for i in range(1001)]}

    assert brevo.post("/objects/vehicle/batch/upsert", json=plural_ids).status_code == 400
    assert brevo.post("/objects/vehicle/batch/upsert", json=too_many).status_code == 400

    messages = [o["message"] for o in sandbox.brevo.off_spec]
    assert "$.records[0].identifiers.ids: Extra inputs are not permitted" in messages[0]
    assert "$.records: List should have at most 1000 items" in messages[1]
    assert sandbox.brevo.processes.all() == []


def test_an_order_batch_is_accepted_with_a_batch_id_and_kept_by_order_id(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    order = {
        "id": "o-1",
        "createdAt": "2024-05-01T10:00:00Z",
        "updatedAt": "2024-05-01T10:00:00Z",
        "status": "pending",
        "amount": 30.5,
        "products": [{"productId": "p-1", "quantity": 2, "price": 15.25}],
        "identifiers": {"email_id": "buyer@example.com"},
    }

    first = brevo.post("/orders/status/batch", json={"orders": [order]})
    second = brevo.post(
        "/orders/status/batch",
        json={"orders": [{**order, "status": "completed"}], "historical": False},
    )

    assert first.status_code == 202
    assert first.json() == {"batchId": 1, "count": 1}
    assert second.json()["batchId"] == 2
    [kept] = sandbox.brevo.orders_received()
    assert (kept["status"], kept["historical"]) == ("completed", False)
    no_amount = {k: v for k, v in order.items() if k != "amount"}
    assert brevo.post("/orders/status/batch", json={"orders": [no_amount]}).status_code == 400
    assert "amount" in sandbox.brevo.off_spec[0]["message"]
