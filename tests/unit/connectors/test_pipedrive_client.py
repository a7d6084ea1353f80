from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from connectors.core.errors import (
    AuthError,
    ConfigError,
    ForbiddenError,
    RateLimitedError,
    SyncError,
    VendorUnavailableError,
    VendorValidationError,
)
from connectors.pipedrive.client import PipedriveClient, present_person
from connectors.pipedrive.settings import PipedriveSettings

Handler = Callable[[httpx.Request], httpx.Response]
#: the `make_vendor` fixture (conftest.py): a MockTransport that keeps `.requests` and `.paths()`
MakeVendor = Callable[[Handler], Any]


def person(
    pid: int, *, org: int | None = None, updated: str = "2025-01-01T00:00:00Z"
) -> dict[str, Any]:
    return {
        "id": pid,
        "name": f"Person {pid}",
        "first_name": "Person",
        "last_name": str(pid),
        "org_id": org,
        "emails": [{"value": f"p{pid}@example.com", "primary": True, "label": "work"}],
        "phones": [{"value": f"+3161234{pid:04d}", "primary": True, "label": "mobile"}],
        "update_time": updated,
        "custom_fields": {"abc123": "value"},
    }


def persons_body(records: list[dict[str, Any]], next_cursor: str | None = None) -> dict[str, Any]:
    return {"success": True, "data": records, "additional_data": {"next_cursor": next_cursor}}


def orgs_body(ids: list[int]) -> dict[str, Any]:
    return {"success": True, "data": [{"id": i, "name": f"Org {i}"} for i in ids]}


def requested_org_ids(request: httpx.Request) -> list[int]:
    return [int(i) for i in request.url.params["ids"].split(",")]


def pipedrive(
    persons_pages: list[dict[str, Any]], *, known_orgs: set[int] | None = None
) -> Handler:
    """Serves the given persons pages in order, and any organization in `known_orgs`."""
    pages = iter(persons_pages)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v2/organizations":
            ids = [i for i in requested_org_ids(request) if known_orgs is None or i in known_orgs]
            return httpx.Response(200, json=orgs_body(ids))
        return httpx.Response(200, json=next(pages))

    return handler


def test_persons_are_asked_for_in_update_order_with_the_token_in_a_header_only(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor, pipedrive_token: str
) -> None:
    vendor = make_vendor(pipedrive([persons_body([])]))

    with PipedriveClient(pipedrive_settings, transport=vendor) as client:
        client.list_persons("c-42", updated_since="2025-01-01T00:00:00Z", limit=100)

    request = vendor.requests[0]
    assert request.method == "GET"
    assert request.url.path == "/api/v2/persons"
    assert dict(request.url.params) == {
        "limit": "100",
        "cursor": "c-42",
        "updated_since": "2025-01-01T00:00:00Z",
        "sort_by": "update_time",
        "sort_direction": "asc",
    }
    assert request.headers["x-api-token"] == pipedrive_token
    assert "api_token" not in request.url.params
    assert pipedrive_token not in str(request.url)


def test_a_first_full_sync_sends_no_cursor_and_uses_the_configured_page_size(
    make_vendor: MakeVendor, pipedrive_token: str
) -> None:
    settings = PipedriveSettings(
        api_token=pipedrive_token, base_url="https://x.test", page_size=250
    )
    vendor = make_vendor(pipedrive([persons_body([])]))

    with PipedriveClient(settings, transport=vendor) as client:
        client.list_persons(None)

    params = vendor.requests[0].url.params
    assert params["limit"] == "250"
    assert "cursor" not in params
    assert "updated_since" not in params


@pytest.mark.parametrize("limit", [0, 501])
def test_a_page_size_pipedrive_would_refuse_is_never_sent(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor, limit: int
) -> None:
    vendor = make_vendor(pipedrive([]))

    with (
        PipedriveClient(pipedrive_settings, transport=vendor) as client,
        pytest.raises(ValueError, match="between 1 and 500"),
    ):
        client.list_persons(None, limit=limit)

    assert vendor.requests == []


def test_a_person_gets_its_primary_email_and_phone_and_its_organization_name(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor
) -> None:
    raw = person(7, org=3)
    raw["emails"] = [
        {"value": "old@example.com", "primary": False, "label": "home"},
        {"value": "main@example.com", "primary": True, "label": "work"},
    ]
    vendor = make_vendor(pipedrive([persons_body([raw])]))

    with PipedriveClient(pipedrive_settings, transport=vendor) as client:
        page = client.list_persons(None)

    [record] = page.records
    assert record["email"] == "main@example.com"
    assert record["phone"] == "+31612340007"
    assert record["org_id"] == {"value": 3, "name": "Org 3"}
    # everything else is Pipedrive's record as sent
    assert record["emails"] == raw["emails"]
    assert record["custom_fields"] == {"abc123": "value"}
    assert record["id"] == 7


def test_without_a_primary_entry_the_first_one_is_used() -> None:
    raw = person(1)
    raw["emails"] = [{"value": "a@example.com", "primary": False}, {"value": "b@example.com"}]
    raw["phones"] = [{"value": "", "primary": True}, {"value": "+3220000000", "primary": False}]

    presented = present_person(raw, {})

    assert presented["email"] == "a@example.com"
    assert presented["phone"] == "+3220000000"


def test_a_malformed_email_value_is_passed_on_as_it_came_for_the_mapper_to_reject() -> None:
    raw = person(1)
    raw["emails"] = [{"value": 12345, "primary": True}]
    raw["phones"] = "+33 6 12 34 56 78"

    presented = present_person(raw, {})

    assert presented["email"] == 12345
    assert presented["phone"] is None
    assert presented["phones"] == "+33 6 12 34 56 78"


def test_a_person_without_emails_phones_or_organization_has_none_for_each() -> None:
    raw = person(1)
    raw.update(emails=[], phones=None, org_id=None)

    presented = present_person(raw, {})

    assert (presented["email"], presented["phone"], presented["org_id"]) == (None, None, None)


def test_organizations_are_looked_up_once_per_page_with_each_id_once(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor
) -> None:
    records = [person(1, org=5), person(2, org=6), person(3, org=5), person(4)]
    vendor = make_vendor(pipedrive([persons_body(records)]))

    with PipedriveClient(pipedrive_settings, transport=vendor) as client:
        page = client.list_persons(None)

    org_calls = [r for r in vendor.requests if r.url.path == "/api/v2/organizations"]
    assert len(org_calls) == 1
    assert sorted(requested_org_ids(org_calls[0])) == [5, 6]
    assert org_calls[0].headers["x-api-token"]
    assert [r["org_id"] for r in page.records] == [
        {"value": 5, "name": "Org 5"},
        {"value": 6, "name": "Org 6"},
        {"value": 5, "name": "Org 5"},
        None,
    ]


def test_organization_names_are_remembered_between_pages(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor
) -> None:
    pages = [
        persons_body([person(1, org=5)], "next"),
        persons_body([person(2, org=5), person(3, org=8)]),
    ]
    vendor = make_vendor(pipedrive(pages))

    with PipedriveClient(pipedrive_settings, transport=vendor) as client:
        client.list_persons(None)
        second = client.list_persons("next")

    org_calls = [requested_org_ids(r) for r in vendor.requests if "organizations" in r.url.path]
    assert org_calls == [[5], [8]]
    assert second.records[0]["org_id"] == {"value": 5, "name": "Org 5"}


def test_more_than_a_hundred_organizations_are_looked_up_a_hundred_at_a_time(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor
) -> None:
    records = [person(i, org=1000 + i) for i in range(250)]
    vendor = make_vendor(pipedrive([persons_body(records)]))

    with PipedriveClient(pipedrive_settings, transport=vendor) as client:
        page = client.list_persons(None)

    sizes = [len(requested_org_ids(r)) for r in vendor.requests if "organizations" in r.url.path]
    assert sizes == [100, 100, 50]
    assert all(r["org_id"]["name"] == f"Org {r['org_id']['value']}" for r in page.records)


def test_an_organization_pipedrive_does_not_return_has_no_name_and_is_not_asked_again(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor
) -> None:
    pages = [persons_body([person(1, org=99)], "next"), persons_body([person(2, org=99)])]
    vendor = make_vendor(pipedrive(pages, known_orgs=set()))

    with PipedriveClient(pipedrive_settings, transport=vendor) as client:
        first = client.list_persons(None)
        client.list_persons("next")

    assert first.records[0]["org_id"] == {"value": 99, "name": None}
    assert sum("organizations" in p for p in vendor.paths()) == 1


def test_the_organization_cache_forgets_the_least_recently_used_names(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor
) -> None:
    pages = [
        persons_body([person(1, org=1), person(2, org=2)], "a"),
        persons_body([person(3, org=1), person(4, org=3)], "b"),
        persons_body([person(5, org=2), person(6, org=1)]),
    ]
    vendor = make_vendor(pipedrive(pages))

    with PipedriveClient(pipedrive_settings, transport=vendor, org_cache_size=2) as client:
        for cursor in (None, "a", "b"):
            client.list_persons(cursor)

    org_calls = [requested_org_ids(r) for r in vendor.requests if "organizations" in r.url.path]
    # org 2 was evicted by org 3 (org 1 had just been used); org 1 stayed.
    assert org_calls == [[1, 2], [3], [2]]


def test_a_page_reports_its_latest_update_time_and_where_the_next_one_starts(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor
) -> None:
    records = [
        person(1, updated="2025-02-01T10:00:00Z"),
        person(2, updated="2025-02-03T08:30:00Z"),
        person(3, updated="2025-02-02T23:59:59Z"),
    ]
    headers = {"x-ratelimit-limit": "80", "x-ratelimit-remaining": "79", "x-ratelimit-reset": "2"}
    vendor = make_vendor(
        lambda r: httpx.Response(200, json=persons_body(records, "cur-2"), headers=headers)
    )

    with PipedriveClient(pipedrive_settings, transport=vendor) as client:
        page = client.list_persons(None)

    assert page.high_water == "2025-02-03T08:30:00Z"
    assert page.next_cursor == "cur-2"
    assert page.info["rate_limit"] == {
        "limit": 80,
        "remaining": 79,
        "reset_seconds": 2.0,
        "retry_after": None,
    }


def test_the_last_page_has_no_next_cursor_and_an_empty_page_no_high_water(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor
) -> None:
    body = {"success": True, "data": None, "additional_data": {"next_cursor": None}}
    vendor = make_vendor(pipedrive([body]))

    with PipedriveClient(pipedrive_settings, transport=vendor) as client:
        page = client.list_persons(None)

    assert (page.records, page.next_cursor, page.high_water) == ([], None, None)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, AuthError),
        (403, ForbiddenError),
        (400, VendorValidationError),
        (500, VendorUnavailableError),
        (503, VendorUnavailableError),
    ],
)
def test_error_statuses_raise_the_taxonomy_error(
    pipedrive_settings: PipedriveSettings,
    make_vendor: MakeVendor,
    status: int,
    expected: type[SyncError],
) -> None:
    body = {"success": False, "error": "nope", "error_info": "see docs"}
    vendor = make_vendor(lambda r: httpx.Response(status, json=body))

    with (
        PipedriveClient(pipedrive_settings, transport=vendor) as client,
        pytest.raises(expected) as caught,
    ):
        client.list_persons("cursor-value-xyz", updated_since="2025-01-01T00:00:00Z")

    assert caught.value.vendor == "pipedrive"
    assert caught.value.operation == "list_persons"
    assert "cursor-value-xyz" not in str(caught.value)


def test_a_429_defers_by_pipedrives_reset_header(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor
) -> None:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "6"}
    vendor = make_vendor(lambda r: httpx.Response(429, json={"success": False}, headers=headers))

    with (
        PipedriveClient(pipedrive_settings, transport=vendor) as client,
        pytest.raises(RateLimitedError) as caught,
    ):
        client.list_persons(None)

    assert caught.value.wait_seconds == 6.0


def test_a_200_that_says_success_false_is_an_error(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor
) -> None:
    body = {"success": False, "error": "Something went wrong", "data": None}
    vendor = make_vendor(lambda r: httpx.Response(200, json=body))

    with PipedriveClient(pipedrive_settings, transport=vendor) as client:
        with pytest.raises(VendorUnavailableError, match="Something went wrong"):
            client.list_persons(None)
        classified = client.classify(httpx.Response(200, json=body, request=vendor.requests[0]))

    assert isinstance(classified, VendorUnavailableError)


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Bad gateway</html>",
        b'{"success": true, "data": [1, 2]}',
        b'{"success": true, "data": {"id": 1}}',
        b'[{"id": 1}]',
        b'{"success": true, "data": [], "additional_data": {"next_cursor": 12}}',
    ],
)
def test_a_body_that_is_not_the_documented_shape_is_a_vendor_fault(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor, body: bytes
) -> None:
    vendor = make_vendor(lambda r: httpx.Response(200, content=body))

    with (
        PipedriveClient(pipedrive_settings, transport=vendor) as client,
        pytest.raises(VendorUnavailableError),
    ):
        client.list_persons(None)


def test_a_failing_organization_lookup_fails_the_page_with_its_own_operation_name(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if "organizations" in request.url.path:
            return httpx.Response(403, json={"success": False, "error": "Scope missing"})
        return httpx.Response(200, json=persons_body([person(1, org=2)]))

    with (
        PipedriveClient(pipedrive_settings, transport=make_vendor(handler)) as client,
        pytest.raises(ForbiddenError) as caught,
    ):
        client.list_persons(None)

    assert caught.value.operation == "resolve_organizations"


def test_person_fields_are_read_through_every_v1_page(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        start = int(request.url.params["start"])
        more = start == 0
        data = [{"key": f"k{start + i}", "name": f"Field {start + i}"} for i in range(2)]
        pagination = {"start": start, "limit": 500, "more_items_in_collection": more}
        if more:
            pagination["next_start"] = start + 2
        return httpx.Response(
            200, json={"success": True, "data": data, "additional_data": {"pagination": pagination}}
        )

    vendor = make_vendor(handler)
    with PipedriveClient(pipedrive_settings, transport=vendor) as client:
        fields = client.person_fields()

    assert [f["key"] for f in fields] == ["k0", "k1", "k2", "k3"]
    assert vendor.paths() == ["/v1/personFields", "/v1/personFields"]
    assert [r.url.params["start"] for r in vendor.requests] == ["0", "2"]


def test_the_token_never_appears_in_errors_or_reprs(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor, pipedrive_token: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"could not reach {request.url}")

    client = PipedriveClient(pipedrive_settings, transport=make_vendor(handler))
    with pytest.raises(VendorUnavailableError) as caught:
        client.list_persons("c")
    client.close()

    for text in (str(caught.value), repr(caught.value), repr(client), repr(pipedrive_settings)):
        assert pipedrive_token not in text


def test_a_client_without_a_token_is_a_config_error() -> None:
    settings = PipedriveSettings(enabled=False)

    with pytest.raises(ConfigError, match="api_token"):
        PipedriveClient(settings)


def test_leaving_the_context_closes_the_connection_pool(
    pipedrive_settings: PipedriveSettings, make_vendor: MakeVendor
) -> None:
    vendor = make_vendor(pipedrive([persons_body([])]))

    with PipedriveClient(pipedrive_settings, transport=vendor) as client:
        client.list_persons(None)

    with pytest.raises(RuntimeError, match="closed"):
        client.list_persons(None)
