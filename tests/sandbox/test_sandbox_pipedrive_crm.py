"""The Pipedrive fake's deals, activities, leads, stages and pipelines, over real HTTP."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from sandbox.pipedrive.fake import PipedriveFake
from sandbox.pipedrive.keyset import PageRequest
from sandbox.pipedrive.offset import OffsetRequest
from sandbox.pipedrive.pipelines import STAGES_BY_PIPELINE
from sandbox.server import SandboxHandle


def scan_leads(client: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    start = 0
    for _ in range(1000):
        response = client.get("/v1/leads", params={**params, "start": start})
        assert response.status_code == 200, response.text
        body = response.json()
        records.extend(body["data"])
        pagination = body["additional_data"]["pagination"]
        if not pagination["more_items_in_collection"]:
            return records
        start = pagination["next_start"]
    raise AssertionError("paging never ended")


def test_a_deal_filter_by_person_returns_exactly_that_persons_deals(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    person = next(p for p in range(1, 50) if len(sandbox.pipedrive.deal_ids_of_person(p)) > 1)

    body = pipedrive.get("/api/v2/deals", params={"person_id": person}).json()

    assert [d["id"] for d in body["data"]] == sandbox.pipedrive.deal_ids_of_person(person)
    assert {d["person_id"] for d in body["data"]} == {person}


def test_deals_sit_in_their_pipelines_stages_and_closed_ones_say_when(
    pipedrive: httpx.Client,
) -> None:
    deals = pipedrive.get("/api/v2/deals", params={"limit": 500}).json()["data"]

    assert {d["status"] for d in deals} == {"open", "won", "lost"}
    assert {d["pipeline_id"] for d in deals} == {1, 2}
    for deal in deals:
        assert deal["stage_id"] in {s.id for s in STAGES_BY_PIPELINE[deal["pipeline_id"]]}
        assert (deal["won_time"] is not None) == (deal["status"] == "won")
        assert (deal["close_time"] is None) == (deal["status"] == "open")


def test_a_status_filter_keeps_only_that_status_and_pages_stay_full(
    pipedrive: httpx.Client,
) -> None:
    body = pipedrive.get("/api/v2/deals", params={"status": "won", "limit": 20}).json()

    assert len(body["data"]) == 20
    assert {d["status"] for d in body["data"]} == {"won"}
    assert body["additional_data"]["next_cursor"]


def test_persons_carry_their_deal_counts_when_asked(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    fields = "open_deals_count,won_deals_count,lost_deals_count,closed_deals_count"
    plain = pipedrive.get("/api/v2/persons", params={"limit": 30}).json()["data"]
    counted = pipedrive.get(
        "/api/v2/persons", params={"limit": 30, "include_fields": fields}
    ).json()["data"]

    assert "won_deals_count" not in plain[0]
    for person in counted:
        assert {k: person[k] for k in fields.split(",")} == sandbox.pipedrive.person_deal_counts(
            person["id"]
        )


def test_activities_point_at_their_person_and_one_of_that_persons_deals(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    activities = pipedrive.get("/api/v2/activities", params={"limit": 200}).json()["data"]

    assert any(a["deal_id"] for a in activities)
    for activity in activities:
        if activity["deal_id"] is not None:
            assert activity["deal_id"] in sandbox.pipedrive.deal_ids_of_person(
                activity["person_id"]
            )
    done = pipedrive.get("/api/v2/activities", params={"done": "true"}).json()["data"]
    assert done
    assert all(a["done"] for a in done)


@pytest.mark.parametrize("sort", ["update_time DESC", "update_time ASC", "add_time ASC"])
def test_leads_page_by_offset_to_the_end_once_each_in_order(
    sandbox: SandboxHandle, pipedrive: httpx.Client, sort: str
) -> None:
    sandbox.pipedrive.touch_records("leads", sandbox.pipedrive.existing_ids("leads")[3:6])

    leads = scan_leads(pipedrive, limit=7, sort=sort)

    assert sorted(lead["id"] for lead in leads) == sandbox.pipedrive.existing_ids("leads")
    field, direction = sort.split()
    keys = [(lead[field], lead["id"]) for lead in leads]
    assert keys == sorted(keys, reverse=direction == "DESC")


def test_a_deleted_lead_leaves_the_list_and_answers_404(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    lead_id = sandbox.pipedrive.existing_ids("leads")[4]
    assert pipedrive.get(f"/v1/leads/{lead_id}").json()["data"]["id"] == lead_id

    sandbox.pipedrive.delete_records("leads", [lead_id])

    assert lead_id not in {lead["id"] for lead in scan_leads(pipedrive, limit=50)}
    response = pipedrive.get(f"/v1/leads/{lead_id}")
    assert response.status_code == 404
    assert response.json()["success"] is False


def test_archived_status_filters_leads(pipedrive: httpx.Client) -> None:
    archived = scan_leads(pipedrive, archived_status="archived")
    active = scan_leads(pipedrive, archived_status="not_archived")

    assert archived
    assert all(lead["is_archived"] for lead in archived)
    assert active
    assert not any(lead["is_archived"] for lead in active)
    assert len(archived) + len(active) == len(scan_leads(pipedrive))


@pytest.mark.parametrize(
    "params", [{"limit": 501}, {"sort": "title ASC"}, {"start": -1}, {"archived_status": "x"}]
)
def test_a_leads_query_pipedrive_would_refuse_is_a_400(
    pipedrive: httpx.Client, params: dict[str, Any]
) -> None:
    response = pipedrive.get("/v1/leads", params=params)

    assert response.status_code == 400
    assert response.json()["success"] is False


def test_stages_page_with_a_cursor_and_filter_by_pipeline(pipedrive: httpx.Client) -> None:
    first = pipedrive.get("/api/v2/stages", params={"limit": 3}).json()
    rest = pipedrive.get(
        "/api/v2/stages", params={"cursor": first["additional_data"]["next_cursor"]}
    ).json()
    second_pipeline = pipedrive.get("/api/v2/stages", params={"pipeline_id": 2}).json()["data"]

    assert [s["id"] for s in first["data"] + rest["data"]] == [1, 2, 3, 4, 5, 6, 7]
    assert rest["additional_data"]["next_cursor"] is None
    assert {s["pipeline_id"] for s in second_pipeline} == {2}
    assert [p["name"] for p in pipedrive.get("/api/v2/pipelines").json()["data"]] == [
        "Sales",
        "Partnerships",
    ]


def test_changes_over_http_touch_delete_and_merge(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    touched = pipedrive.post("/_sandbox/deals/touch", json={"ids": [1, 2]}).json()
    changed = pipedrive.get(
        "/api/v2/deals", params={"updated_since": touched["update_time"], "sort_by": "update_time"}
    ).json()["data"]
    deleted = pipedrive.post("/_sandbox/activities/delete", json={"ids": [1]}).json()
    merged = pipedrive.post("/_sandbox/persons/merge", json={"merged_id": 3, "into_id": 4})

    assert touched["ids"] == [1, 2]
    assert [d["id"] for d in changed] == [1, 2]
    assert deleted == {"deleted": [1]}
    assert pipedrive.get("/api/v2/activities/1").status_code == 404
    assert merged.status_code == 200
    assert pipedrive.get("/api/v2/persons/3").status_code == 404
    assert sandbox.pipedrive.state()["merged"] == 1


@pytest.mark.parametrize(
    ("path", "cost"),
    [("/api/v2/deals", 10), ("/api/v2/deals/1", 1), ("/v1/leads", 20), ("/v1/dealFields", 20)],
)
def test_each_endpoint_spends_its_documented_token_cost(
    sandbox: SandboxHandle, pipedrive: httpx.Client, path: str, cost: int
) -> None:
    sandbox.pipedrive.set_token_budget(1000)

    response = pipedrive.get(path)

    assert int(response.headers["x-daily-ratelimit-token-remaining"]) == 1000 - cost


def test_a_million_person_account_pages_deep_without_building_it() -> None:
    fake = PipedriveFake(records=1_000_000, seed=3)
    started = time.perf_counter()

    deals = fake.page(
        "deals", PageRequest(sort_by="update_time", limit=500, after=(1_700_000_000, 0))
    )
    leads, more = fake.leads_page(
        OffsetRequest(sort_by="update_time", descending=True, start=200_000, limit=500)
    )
    fake.delete_records("leads", [leads[1]["id"]])
    shifted, _ = fake.leads_page(
        OffsetRequest(sort_by="update_time", descending=True, start=200_000, limit=500)
    )

    assert len(deals.records) == 500
    assert deals.next_cursor
    assert len(leads) == 500
    assert more
    # Deleting the page's second lead moves every later one up one place, as on Pipedrive.
    assert [lead["id"] for lead in shifted[:-1]] == [leads[0]["id"], *(x["id"] for x in leads[2:])]
    assert time.perf_counter() - started < 5
