"""PipedriveClient against the Pipedrive fake, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from connectors.core.errors import AuthError, RateLimitedError, VendorUnavailableError
from connectors.core.paging import parse_timestamp
from connectors.core.records import Page
from connectors.pipedrive.client import PipedriveClient
from connectors.pipedrive.settings import PipedriveSettings
from sandbox.pipedrive.fake import DEFAULT_BURST
from sandbox.server import SandboxHandle


@pytest.fixture(autouse=True)
def fresh_switches(sandbox: SandboxHandle) -> Iterator[None]:
    """Every test starts with no failures and Pipedrive's default burst budget."""
    sandbox.pipedrive.failures.clear()
    sandbox.pipedrive.set_rate_limit(DEFAULT_BURST)
    yield
    sandbox.pipedrive.failures.clear()
    sandbox.pipedrive.set_rate_limit(DEFAULT_BURST)


@pytest.fixture
def client(sandbox: SandboxHandle, pipedrive_token: str) -> Iterator[PipedriveClient]:
    settings = PipedriveSettings(api_token=pipedrive_token, base_url=sandbox.urls["pipedrive"])
    with PipedriveClient(settings) as pipedrive:
        yield pipedrive


def every_page(
    client: PipedriveClient, *, updated_since: str | None = None, limit: int = 100
) -> list[Page]:
    pages = [client.list_persons(None, updated_since=updated_since, limit=limit)]
    while pages[-1].next_cursor is not None:
        cursor = pages[-1].next_cursor
        pages.append(client.list_persons(cursor, updated_since=updated_since, limit=limit))
        assert len(pages) <= 100, "the cursor never ran out"
    return pages


def test_paging_to_the_end_sees_every_person_once_in_update_order(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    pages = every_page(client, limit=70)

    ids = [record["id"] for page in pages for record in page.records]
    assert len(ids) == len(set(ids)) == sandbox.pipedrive.count
    times = [_instant(r["update_time"]) for page in pages for r in page.records]
    assert times == sorted(times)
    assert [p.high_water for p in pages] == [p.records[-1]["update_time"] for p in pages]


def test_ids_are_stable_between_two_full_reads(client: PipedriveClient) -> None:
    first = [r["id"] for page in every_page(client, limit=200) for r in page.records]
    second = [r["id"] for page in every_page(client, limit=200) for r in page.records]

    assert first == second


def test_persons_arrive_in_the_documented_shape(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    page = client.list_persons(None, limit=200)

    for record in page.records:
        raw = sandbox.pipedrive.person(record["id"])
        primary_emails = [e["value"] for e in raw["emails"] if e["primary"]]
        primary_phones = [p["value"] for p in raw["phones"] if p["primary"]]
        assert record["email"] == (primary_emails[0] if primary_emails else None)
        assert record["phone"] == (primary_phones[0] if primary_phones else None)
        assert record["emails"] == raw["emails"]
        if raw["org_id"] is None:
            assert record["org_id"] is None
        else:
            org = sandbox.pipedrive.organization(raw["org_id"])
            assert record["org_id"] == {"value": raw["org_id"], "name": org["name"]}
    assert any(r["org_id"] for r in page.records)
    assert any(r["org_id"] is None for r in page.records)


def test_organizations_are_fetched_once_per_page_at_most_a_hundred_at_a_time(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    before = _org_lookups(sandbox)

    page = client.list_persons(None, limit=500)

    distinct_orgs = {r["org_id"]["value"] for r in page.records if r["org_id"]}
    assert len(distinct_orgs) > 100
    assert _org_lookups(sandbox) - before == -(-len(distinct_orgs) // 100)


def test_updated_since_after_a_touch_lists_exactly_the_touched_persons(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    touched = [3, 141, 59, 265, 358]
    since = sandbox.pipedrive.touch(touched)

    pages = every_page(client, updated_since=since, limit=2)

    assert sorted(r["id"] for page in pages for r in page.records) == sorted(touched)
    assert {page.high_water for page in pages} == {since}


def test_a_spent_burst_budget_is_rate_limited_with_pipedrives_wait(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    sandbox.pipedrive.set_rate_limit(1)
    client.person_fields()

    with pytest.raises(RateLimitedError) as caught:
        client.list_persons(None, limit=10)

    assert 0 < caught.value.wait_seconds <= 2


def test_a_forced_429_is_rate_limited_too(sandbox: SandboxHandle, client: PipedriveClient) -> None:
    sandbox.pipedrive.failures.set(429, count=1)

    with pytest.raises(RateLimitedError) as caught:
        client.list_persons(None, limit=10)

    assert caught.value.wait_seconds > 0
    assert client.list_persons(None, limit=10).records


def test_a_wrong_token_is_an_auth_error_that_never_shows_either_token(
    sandbox: SandboxHandle, pipedrive_token: str
) -> None:
    wrong = "not-the-right-token-123"
    settings = PipedriveSettings(api_token=wrong, base_url=sandbox.urls["pipedrive"])

    with PipedriveClient(settings) as client, pytest.raises(AuthError) as caught:
        client.list_persons(None, limit=10)

    assert wrong not in str(caught.value)
    assert pipedrive_token not in str(caught.value)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_vendor_unavailable_and_passes(
    sandbox: SandboxHandle, client: PipedriveClient, status: int
) -> None:
    sandbox.pipedrive.failures.set(status, count=1)

    with pytest.raises(VendorUnavailableError):
        client.list_persons(None, limit=10)

    assert client.list_persons(None, limit=10).records


def test_a_response_slower_than_the_timeout_is_vendor_unavailable(
    sandbox: SandboxHandle, pipedrive_token: str
) -> None:
    sandbox.pipedrive.failures.set("slow", count=1, delay_seconds=1.0)
    settings = PipedriveSettings(
        api_token=pipedrive_token, base_url=sandbox.urls["pipedrive"], timeout_seconds=0.2
    )

    with PipedriveClient(settings) as client, pytest.raises(VendorUnavailableError) as caught:
        client.list_persons("opaque-cursor", limit=10)

    assert "Timeout" in caught.value.detail
    assert "opaque-cursor" not in str(caught.value)


def test_malformed_records_still_arrive_with_their_ids(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    sandbox.pipedrive.failures.set("malformed", count=1, record_fraction=0.5)

    page = client.list_persons(None, limit=50)

    assert len(page.records) == 50
    assert all(isinstance(r["id"], int) for r in page.records)


def test_person_fields_come_back_whole_through_v1_paging(
    sandbox: SandboxHandle, client: PipedriveClient
) -> None:
    expected = sandbox.pipedrive.person_fields()

    fields = client.person_fields(page_size=3)

    assert len(expected) > 3
    assert fields == expected


def _org_lookups(sandbox: SandboxHandle) -> int:
    """Organization list calls the fake has answered with 200 so far."""
    by_route = sandbox.pipedrive.state()["requests_by_route"]
    return int(by_route.get("GET /api/v2/organizations", {}).get("200", 0))


def _instant(value: str) -> datetime:
    parsed = parse_timestamp(value)
    assert parsed is not None, f"not a timestamp: {value!r}"
    return parsed
