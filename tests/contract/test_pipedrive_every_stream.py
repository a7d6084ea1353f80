"""Every Pipedrive stream through `PipedriveClient.list_page` / `get_record`, against the fake
over real HTTP: paging, ids, incremental reads, failures and resumes, deletions, shapes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.core.errors import RateLimitedError, VendorUnavailableError
from connectors.core.records import Page
from connectors.pipedrive.client import PipedriveClient
from connectors.pipedrive.present import ACTIVITY_KEYS, DEAL_KEYS, LEAD_KEYS, ORGANIZATION_KEYS
from connectors.pipedrive.settings import PipedriveSettings
from sandbox.server import SandboxHandle

RESOURCES = ["persons", "deals", "organizations", "activities", "leads"]
SHAPES: dict[str, tuple[str, ...]] = {
    "persons": ("email", "phone", "org_id", "won_deals_count", "closed_deals_count"),
    "deals": DEAL_KEYS,
    "organizations": ORGANIZATION_KEYS,
    "activities": ACTIVITY_KEYS,
    "leads": (*LEAD_KEYS, "org_id"),
}


@pytest.fixture(autouse=True)
def fresh_fake(sandbox: SandboxHandle) -> Iterator[None]:
    """Every test starts from the seed's data set, with no failures and no rate limit."""
    sandbox.pipedrive.reset()
    sandbox.pipedrive.set_rate_limit(None)
    yield
    sandbox.pipedrive.reset()


@pytest.fixture
def client(sandbox: SandboxHandle, pipedrive_token: str) -> Iterator[PipedriveClient]:
    settings = PipedriveSettings(api_token=pipedrive_token, base_url=sandbox.urls["pipedrive"])
    with PipedriveClient(settings) as pipedrive:
        yield pipedrive


def read_all(
    client: PipedriveClient, resource: str, *, since: str | None = None, limit: int = 100
) -> list[Page]:
    pages = [client.list_page(resource, None, updated_since=since, limit=limit)]
    while pages[-1].next_cursor is not None:
        pages.append(
            client.list_page(resource, pages[-1].next_cursor, updated_since=since, limit=limit)
        )
        assert len(pages) <= 200, "the cursor never ran out"
    return pages


def ids_of(pages: list[Page]) -> list[object]:
    return [record["id"] for page in pages for record in page.records]


@pytest.mark.parametrize("resource", RESOURCES)
def test_paging_to_the_end_sees_every_record_once_and_stops(
    sandbox: SandboxHandle, client: PipedriveClient, resource: str
) -> None:
    pages = read_all(client, resource, limit=90)

    ids = ids_of(pages)
    assert len(ids) == len(set(ids))
    assert set(ids) == set(sandbox.pipedrive.existing_ids(resource))
    assert len(pages) > 1
    assert pages[-1].next_cursor is None


@pytest.mark.parametrize("resource", RESOURCES)
def test_ids_are_stable_between_two_full_reads(client: PipedriveClient, resource: str) -> None:
    assert ids_of(read_all(client, resource, limit=250)) == ids_of(
        read_all(client, resource, limit=250)
    )


@pytest.mark.parametrize("resource", RESOURCES)
def test_records_arrive_in_their_documented_shape(client: PipedriveClient, resource: str) -> None:
    page = client.list_page(resource, None, limit=50)

    assert page.records
    for record in page.records:
        assert set(SHAPES[resource]) <= set(record)


@pytest.mark.parametrize("resource", RESOURCES)
def test_an_incremental_read_returns_exactly_the_changed_records_across_page_boundaries(
    sandbox: SandboxHandle, client: PipedriveClient, resource: str
) -> None:
    everything = sandbox.pipedrive.existing_ids(resource)
    changed = [everything[i] for i in (2, 40, 41, 77, 90)]
    since = sandbox.pipedrive.touch_records(resource, changed)

    pages = read_all(client, resource, since=since, limit=2)

    assert sorted(map(str, ids_of(pages))) == sorted(map(str, changed))
    assert len(pages) >= 3, "five records sharing one update_time must span pages of two"
    assert {p.high_water for p in pages if p.high_water} == {since}


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize(
    ("status", "error"), [(429, RateLimitedError), (503, VendorUnavailableError)]
)
def test_a_failed_page_is_classified_and_resuming_from_its_cursor_loses_and_repeats_nothing(
    sandbox: SandboxHandle,
    client: PipedriveClient,
    resource: str,
    status: int,
    error: type[Exception],
) -> None:
    first = client.list_page(resource, None, limit=60)
    assert first.next_cursor is not None
    sandbox.pipedrive.failures.set(status, count=1)

    with pytest.raises(error):
        client.list_page(resource, first.next_cursor, limit=60)

    pages = [first]
    while pages[-1].next_cursor is not None:
        pages.append(client.list_page(resource, pages[-1].next_cursor, limit=60))
    ids = ids_of(pages)
    assert len(ids) == len(set(ids))
    assert set(ids) == set(sandbox.pipedrive.existing_ids(resource))


@pytest.mark.parametrize("resource", RESOURCES)
def test_deleted_records_leave_the_lists_and_reading_one_says_none(
    sandbox: SandboxHandle, client: PipedriveClient, resource: str
) -> None:
    everything = sandbox.pipedrive.existing_ids(resource)
    gone = sandbox.pipedrive.delete_records(resource, [everything[0], everything[5]])

    ids = ids_of(read_all(client, resource, limit=200))

    assert len(gone) == 2
    assert not set(gone) & set(ids)
    assert len(ids) == len(everything) - 2
    assert all(client.get_record(resource, str(record_id)) is None for record_id in gone)


@pytest.mark.parametrize("resource", RESOURCES)
def test_a_record_read_alone_has_the_shape_it_has_in_a_page(
    client: PipedriveClient, resource: str
) -> None:
    listed = client.list_page(resource, None, limit=5).records[3]

    alone = client.get_record(resource, str(listed["id"]))

    assert alone == listed


@pytest.mark.parametrize("resource", RESOURCES)
def test_malformed_records_still_arrive_with_their_ids(
    sandbox: SandboxHandle, client: PipedriveClient, resource: str
) -> None:
    sandbox.pipedrive.failures.set("malformed", count=1, record_fraction=0.5)

    page = client.list_page(resource, None, limit=40)

    assert len(page.records) == 40
    assert {r["id"] for r in page.records} <= set(sandbox.pipedrive.existing_ids(resource))


def test_leads_report_the_scans_high_water_mark_on_the_last_page_only(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    newest = sandbox.pipedrive.touch_records("leads", [sandbox.pipedrive.existing_ids("leads")[9]])

    pages = read_all(client, "leads", limit=40)

    assert [p.high_water for p in pages[:-1]] == [None] * (len(pages) - 1)
    assert pages[-1].high_water == newest
