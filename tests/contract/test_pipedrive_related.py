"""Account facts (fields, stages, pipelines), a person's deals, merges and token costs, against
the Pipedrive fake over real HTTP."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from connectors.pipedrive.client import TOKEN_COSTS, PipedriveClient
from connectors.pipedrive.settings import PipedriveSettings
from sandbox.server import SandboxHandle


@pytest.fixture(autouse=True)
def fresh_fake(sandbox: SandboxHandle) -> Iterator[None]:
    sandbox.pipedrive.reset()
    sandbox.pipedrive.set_rate_limit(None)
    yield
    sandbox.pipedrive.reset()


@pytest.fixture
def client(sandbox: SandboxHandle, pipedrive_token: str) -> Iterator[PipedriveClient]:
    settings = PipedriveSettings(api_token=pipedrive_token, base_url=sandbox.urls["pipedrive"])
    with PipedriveClient(settings) as pipedrive:
        yield pipedrive


@pytest.mark.parametrize("resource", ["persons", "deals", "organizations"])
def test_fields_come_back_whole_through_v1_paging(
    sandbox: SandboxHandle, client: PipedriveClient, resource: str
) -> None:
    expected = {
        "persons": sandbox.pipedrive.person_fields,
        "deals": sandbox.pipedrive.deal_fields,
        "organizations": sandbox.pipedrive.organization_fields,
    }[resource]()

    assert client.fields(resource, page_size=4) == expected
    assert any(field["edit_flag"] for field in expected), "custom fields are among them"


def test_a_resource_without_a_fields_endpoint_is_named_as_such(client: PipedriveClient) -> None:
    with pytest.raises(KeyError, match="deals"):
        client.fields("activities")


def test_stages_and_pipelines_come_back_whole(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    assert client.pipelines() == sandbox.pipedrive.pipelines()
    assert client.stages() == sandbox.pipedrive.stages()
    assert {s["pipeline_id"] for s in client.stages(pipeline_id=2)} == {2}


def test_a_persons_deals_are_every_deal_that_names_them(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    person_ids = list(range(1, 21))

    deals = client.deals_of_persons(person_ids)

    for person_id in person_ids:
        assert [d["id"] for d in deals[person_id]] == sandbox.pipedrive.deal_ids_of_person(
            person_id
        )
        assert all(d["person_id"] == person_id for d in deals[person_id])
    assert any(not found for found in deals.values())
    assert any(len(found) > 1 for found in deals.values())


def test_attaching_deals_asks_only_for_persons_that_have_some_and_matches_their_counts(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    persons = client.list_page("persons", None, limit=60).records
    before = _deal_lookups(sandbox)

    attached = client.attach_deals(persons)

    with_deals = [p for p in persons if p["open_deals_count"] + p["closed_deals_count"] > 0]
    assert 0 < len(with_deals) < len(persons)
    assert _deal_lookups(sandbox) - before == len(with_deals)
    for person in attached:
        statuses = [deal["status"] for deal in person["deals"]]
        assert statuses.count("won") == person["won_deals_count"]
        assert statuses.count("lost") == person["lost_deals_count"]
        assert statuses.count("open") == person["open_deals_count"]


def test_a_merged_person_is_gone_and_its_deals_and_activities_follow_the_survivor(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    fake = sandbox.pipedrive
    merged = next(p for p in range(1, 100) if fake.deal_ids_of_person(p))
    survivor = merged + 1
    moved = fake.deal_ids_of_person(merged)
    since = fake.merge_persons(merged, survivor)

    assert client.get_record("persons", str(merged)) is None
    assert set(moved) <= {d["id"] for d in client.deals_of_persons([survivor])[survivor]}
    changed_persons = [
        r["id"] for r in client.list_page("persons", None, updated_since=since).records
    ]
    assert changed_persons == [survivor]
    changed_deals = client.list_page("deals", None, updated_since=since).records
    assert {d["id"] for d in changed_deals} == set(moved)
    assert {d["person_id"] for d in changed_deals} == {survivor}


def test_every_operation_is_charged_what_token_costs_says(
    sandbox: SandboxHandle, client: PipedriveClient, pipedrive_token: str
) -> None:
    settings = PipedriveSettings(api_token=pipedrive_token, base_url=sandbox.urls["pipedrive"])
    sandbox.pipedrive.set_token_budget(10_000_000)
    # Warm the organization-name cache, so reading persons again makes one request only.
    persons = client.list_page("persons", None, limit=10).records
    with_org = next(p["id"] for p in persons if p["org_id"])
    lead_id = sandbox.pipedrive.existing_ids("leads")[0]
    calls: dict[str, Callable[[], Any]] = {
        "list_persons": lambda: client.list_page("persons", None, limit=10),
        "list_deals": lambda: client.list_page("deals", None, limit=10),
        "list_organizations": lambda: client.list_page("organizations", None, limit=10),
        "list_activities": lambda: client.list_page("activities", None, limit=10),
        "list_leads": lambda: client.list_page("leads", None, limit=10),
        "get_person": lambda: client.get_record("persons", str(persons[0]["id"])),
        "get_deal": lambda: client.get_record("deals", "1"),
        "get_organization": lambda: client.get_record("organizations", "1"),
        "get_activity": lambda: client.get_record("activities", "1"),
        "get_lead": lambda: client.get_record("leads", str(lead_id)),
        "person_fields": lambda: client.fields("persons"),
        "deal_fields": lambda: client.fields("deals"),
        "organization_fields": lambda: client.fields("organizations"),
        "list_stages": client.stages,
        "list_pipelines": client.pipelines,
        "deals_of_person": lambda: client.deals_of_persons([1]),
        "resolve_organizations": lambda: _read_with_a_fresh_client(settings, with_org),
    }

    charged = {}
    for operation, call in calls.items():
        before = sandbox.pipedrive.budget.spent(pipedrive_token)
        call()
        charged[operation] = sandbox.pipedrive.budget.spent(pipedrive_token) - before
    # A fresh client reading a person also looks up its organization's name.
    charged["resolve_organizations"] -= TOKEN_COSTS["get_person"]

    assert charged == {operation: TOKEN_COSTS[operation] for operation in calls}
    assert set(calls) == set(TOKEN_COSTS)


def _read_with_a_fresh_client(settings: PipedriveSettings, person_id: int) -> None:
    with PipedriveClient(settings) as fresh:
        assert fresh.get_person(person_id) is not None


def _deal_lookups(sandbox: SandboxHandle) -> int:
    by_route = sandbox.pipedrive.state()["requests_by_route"]
    return int(by_route.get("GET /api/v2/deals", {}).get("200", 0))
