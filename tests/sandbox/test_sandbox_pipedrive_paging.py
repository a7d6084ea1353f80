"""The Pipedrive fake's v2 list endpoints, paged over real HTTP."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from sandbox.server import SandboxHandle, start_sandbox


def scan(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every record of a list endpoint, following next_cursor to the end."""
    records: list[dict[str, Any]] = []
    cursor = None
    for _ in range(10_000):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get(path, params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["success"] is True
        records.extend(body["data"])
        cursor = body["additional_data"]["next_cursor"]
        if cursor is None:
            return records
    raise AssertionError("paging never ended")


def test_paging_persons_to_the_end_returns_every_person_once(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    persons = scan(pipedrive, "/api/v2/persons", limit=37)
    assert [p["id"] for p in persons] == list(range(1, sandbox.pipedrive.count + 1))


@pytest.mark.parametrize(
    ("sort_by", "direction"),
    [("update_time", "asc"), ("update_time", "desc"), ("add_time", "desc"), ("id", "desc")],
)
def test_paging_in_any_sort_order_returns_every_person_once_in_that_order(
    sandbox: SandboxHandle, pipedrive: httpx.Client, sort_by: str, direction: str
) -> None:
    persons = scan(
        pipedrive, "/api/v2/persons", limit=50, sort_by=sort_by, sort_direction=direction
    )
    assert sorted(p["id"] for p in persons) == list(range(1, sandbox.pipedrive.count + 1))
    keys = [(p[sort_by], p["id"]) for p in persons]
    assert keys == sorted(keys, reverse=direction == "desc")


def test_the_default_page_is_100_and_a_limit_above_500_is_refused_like_pipedrive(
    pipedrive: httpx.Client,
) -> None:
    assert len(pipedrive.get("/api/v2/persons").json()["data"]) == 100
    response = pipedrive.get("/api/v2/persons", params={"limit": 501})
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert "500" in response.json()["error"]


def test_updated_since_after_a_touch_returns_exactly_the_touched_persons(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    before = {p["id"]: p for p in scan(pipedrive, "/api/v2/persons", limit=500)}
    touched_at = sandbox.pipedrive.touch([3, 17, 200])

    changed = scan(
        pipedrive,
        "/api/v2/persons",
        updated_since=touched_at,
        sort_by="update_time",
        limit=2,
    )

    assert [p["id"] for p in changed] == [3, 17, 200]
    for person in changed:
        assert person["update_time"] == touched_at
        assert person["last_name"] != before[person["id"]]["last_name"]
        assert person["name"] == f"{person['first_name']} {person['last_name']}"


def test_a_second_touch_is_later_than_the_first_so_each_can_be_fetched_alone(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    first = sandbox.pipedrive.touch([5])
    second = sandbox.pipedrive.touch([9, 10])
    assert second > first
    changed = scan(pipedrive, "/api/v2/persons", updated_since=second, sort_by="update_time")
    assert [p["id"] for p in changed] == [9, 10]


def test_touching_over_http_returns_the_ids_and_their_update_time(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    response = pipedrive.post("/_sandbox/touch", json={"fraction": 0.1, "seed": 4})
    assert response.status_code == 200
    body = response.json()
    assert body["ids"] == sandbox.pipedrive.pick_fraction(0.1, seed=4)
    assert len(body["ids"]) == round(sandbox.pipedrive.count * 0.1)
    changed = scan(
        pipedrive, "/api/v2/persons", updated_since=body["update_time"], sort_by="update_time"
    )
    assert [p["id"] for p in changed] == body["ids"]


def test_touched_persons_move_to_the_end_of_an_update_time_scan(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    sandbox.pipedrive.touch([1, 2])
    persons = scan(pipedrive, "/api/v2/persons", sort_by="update_time", limit=100)
    assert [p["id"] for p in persons][-2:] == [1, 2]
    assert len(persons) == sandbox.pipedrive.count


def test_the_ids_filter_returns_only_those_persons_and_refuses_more_than_100(
    pipedrive: httpx.Client,
) -> None:
    response = pipedrive.get("/api/v2/persons", params={"ids": "12,4,99999,7"})
    assert [p["id"] for p in response.json()["data"]] == [4, 7, 12]
    too_many = ",".join(str(i) for i in range(1, 102))
    assert pipedrive.get("/api/v2/persons", params={"ids": too_many}).status_code == 400


def test_a_cursor_is_refused_with_another_sort_order_or_when_garbled(
    pipedrive: httpx.Client,
) -> None:
    cursor = pipedrive.get("/api/v2/persons", params={"limit": 5}).json()["additional_data"][
        "next_cursor"
    ]
    other_order = {"cursor": cursor, "sort_by": "update_time"}
    assert pipedrive.get("/api/v2/persons", params=other_order).status_code == 400
    assert pipedrive.get("/api/v2/persons", params={"cursor": "%%%"}).status_code == 400


def test_a_single_person_is_served_and_an_unknown_one_is_a_404(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    response = pipedrive.get("/api/v2/persons/42")
    assert response.json()["data"] == sandbox.pipedrive.person(42)
    missing = pipedrive.get(f"/api/v2/persons/{sandbox.pipedrive.count + 1}")
    assert missing.status_code == 404
    assert missing.json()["success"] is False


def test_persons_point_at_organizations_that_exist(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    organizations = scan(pipedrive, "/api/v2/organizations", limit=500)
    assert len(organizations) == sandbox.pipedrive.organization_count
    known = {org["id"] for org in organizations}
    org_ids = {p["org_id"] for p in scan(pipedrive, "/api/v2/persons", limit=500)}
    assert None in org_ids
    assert org_ids - {None} <= known
    assert {"id", "name", "owner_id", "add_time", "update_time", "address"} <= set(organizations[0])


def test_person_fields_list_the_custom_fields_with_their_40_character_keys_and_options(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    fields: list[dict[str, Any]] = []
    start = 0
    while True:
        body = pipedrive.get("/v1/personFields", params={"start": start, "limit": 5}).json()
        fields.extend(body["data"])
        pagination = body["additional_data"]["pagination"]
        if not pagination["more_items_in_collection"]:
            break
        start = pagination["next_start"]
    by_name = {field["name"]: field for field in fields}
    lead_source = by_name["Lead source"]
    assert lead_source["field_type"] == "enum"
    assert len(lead_source["key"]) == 40
    assert all(set(option) == {"id", "label"} for option in lead_source["options"])
    assert by_name["Industry"]["field_type"] == "varchar"
    assert by_name["Company size"]["field_type"] == "double"
    person = sandbox.pipedrive.person(1)
    assert set(person["custom_fields"]) == {
        by_name[name]["key"] for name in ("Lead source", "Industry", "Company size")
    }


def test_a_million_records_start_fast_and_a_page_from_the_middle_is_served() -> None:
    started = time.monotonic()
    handle = start_sandbox(records=1_000_000, seed=3)
    try:
        assert time.monotonic() - started < 5
        middle = handle.pipedrive.person(500_000)
        with httpx.Client(
            base_url=handle.urls["pipedrive"], headers={"x-api-token": "t"}, timeout=10
        ) as client:
            since = client.get(
                "/api/v2/persons",
                params={
                    "updated_since": middle["update_time"],
                    "sort_by": "update_time",
                    "limit": 500,
                },
            )
            assert [p["id"] for p in since.json()["data"]] == list(range(500_000, 500_500))
            last_page = client.get(
                "/api/v2/persons", params={"ids": "999999,1000000", "sort_direction": "desc"}
            )
            assert [p["id"] for p in last_page.json()["data"]] == [1_000_000, 999_999]
    finally:
        handle.stop()
