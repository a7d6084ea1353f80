"""ShopifyClient against the Shopify fake, over real HTTP: paging, incremental reads with ties,
failures and retries, bulk backfills, single reads and webhooks."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from connectors.core.errors import (
    AuthError,
    ForbiddenError,
    NotReadyError,
    RateLimitedError,
    VendorUnavailableError,
)
from connectors.core.records import Page
from connectors.shopify import webhooks
from connectors.shopify.client import ShopifyClient
from connectors.shopify.settings import ShopifySettings
from sandbox.server import SandboxHandle, start_sandbox

TOKEN = "shpat_contract_token"
SECRET = "contract-shopify-secret"
CUSTOMERS = 60
RESOURCES = ("customers", "orders", "products", "carts")


@pytest.fixture(scope="module")
def shop() -> Iterator[SandboxHandle]:
    handle = start_sandbox(
        records=10,
        seed=11,
        shopify_customers=CUSTOMERS,
        shopify_token=TOKEN,
        shopify_secret=SECRET,
        shopify_bulk_delay_seconds=0.2,
    )
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(autouse=True)
def fresh_shop(shop: SandboxHandle) -> Iterator[None]:
    shop.shopify.reset()
    yield
    shop.shopify.reset()


def settings(shop: SandboxHandle, **extra: object) -> ShopifySettings:
    return ShopifySettings.model_validate(
        {
            "base_url": shop.urls["shopify"],
            "access_token": TOKEN,
            "api_secret": SECRET,
            "overlap_seconds": 0,
            "bulk_poll_seconds": 0.1,
            **extra,
        }
    )


@pytest.fixture
def client(shop: SandboxHandle) -> Iterator[ShopifyClient]:
    with ShopifyClient(settings(shop)) as shopify:
        yield shopify


def every_page(
    client: ShopifyClient, resource: str, *, since: str | None = None, limit: int | None = None
) -> list[Page]:
    """Every page, as the runner reads them: a throttled call waits the signalled time and
    is made again with the same cursor."""
    pages: list[Page] = []
    cursor: str | None = None
    while True:
        assert len(pages) < 500, "paging does not stop"
        try:
            page = client.list_page(resource, cursor, updated_since=since, limit=limit)
        except RateLimitedError as throttled:
            time.sleep(min(throttled.wait_seconds, 5.0))
            continue
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            return pages


def ids_of(pages: list[Page]) -> list[str]:
    return [str(record["id"]) for page in pages for record in page.records]


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_resource_pages_to_the_end_and_stops_with_stable_ids(
    client: ShopifyClient, resource: str
) -> None:
    pages = every_page(client, resource, limit=7)
    ids = ids_of(pages)
    assert len(pages) > 1
    assert len(ids) == len(set(ids))
    assert all(i.isdigit() for i in ids)
    assert ids_of(every_page(client, resource)) == ids  # same ids, same order, any page size
    if resource == "customers":
        assert len(ids) == CUSTOMERS
    assert pages[-1].next_cursor is None
    assert pages[-1].high_water is not None


def test_incremental_returns_exactly_the_changed_records_including_ties_on_one_timestamp(
    shop: SandboxHandle, client: ShopifyClient
) -> None:
    full = every_page(client, "customers", limit=25)
    mark = full[-1].high_water
    assert mark is not None
    at_mark = {str(r["id"]) for p in full for r in p.records if r["updated_at"] == mark}
    touched = {"3", "17", "18", "41", "59"}
    when = shop.shopify.touch("customers", [int(i) for i in touched])
    # Pages of two split the touched group, which shares one updatedAt.
    changed = every_page(client, "customers", since=mark, limit=2)
    ids = ids_of(changed)
    assert len(ids) == len(set(ids))
    assert touched <= set(ids)
    assert set(ids) - touched <= at_mark  # the inclusive bound re-reads the mark's own ties
    assert changed[-1].high_water == when
    assert {r["note"] for p in changed for r in p.records if r["id"] in touched} != {None}


def test_the_overlap_window_reads_again_what_changed_just_before_the_mark(
    shop: SandboxHandle, client: ShopifyClient
) -> None:
    mark = every_page(client, "customers")[-1].high_water
    assert mark is not None
    narrow = ids_of(every_page(client, "customers", since=mark))
    with ShopifyClient(settings(shop, overlap_seconds=365 * 86_400)) as wide_client:
        wide = ids_of(every_page(wide_client, "customers", since=mark))
    assert set(narrow) < set(wide)


def test_a_throttled_query_is_rate_limited_and_the_retried_call_resumes_from_its_cursor(
    shop: SandboxHandle, client: ShopifyClient
) -> None:
    clean = every_page(client, "customers", limit=20)
    first = client.list_page("customers", None, limit=20)
    shop.shopify.throttle_storm(count=1)
    with pytest.raises(RateLimitedError) as caught:
        client.list_page("customers", first.next_cursor, limit=20)
    # A storm drains the bucket: the wait is the time to refill this query's requested cost.
    assert 0 < caught.value.wait_seconds < 5
    time.sleep(caught.value.wait_seconds)
    again = client.list_page("customers", first.next_cursor, limit=20)
    assert ids_of([again]) == ids_of([clean[1]])


def test_a_small_bucket_throttles_with_a_wait_read_from_its_restore_rate(
    shop: SandboxHandle, client: ShopifyClient
) -> None:
    shop.shopify.set_bucket(1000, 50)
    client.list_page("orders", None)
    with pytest.raises(RateLimitedError) as caught:
        client.list_page("orders", None)
    # The second page's ~950 points are missing most of what the first one spent.
    assert 0 < caught.value.wait_seconds <= 1000 / 50
    status = client.throttle_status
    assert status is not None
    assert (status.maximum, status.restore_rate) == (1000, 50)


@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_is_vendor_unavailable_and_the_retry_resumes(
    shop: SandboxHandle, client: ShopifyClient, status: int
) -> None:
    first = client.list_page("orders", None, limit=5)
    shop.shopify.failures.set(status, count=1)
    with pytest.raises(VendorUnavailableError):
        client.list_page("orders", first.next_cursor, limit=5)
    again = client.list_page("orders", first.next_cursor, limit=5)
    assert not set(ids_of([first])) & set(ids_of([again]))


def test_a_wrong_token_is_an_auth_error_and_a_missing_scope_is_forbidden(
    shop: SandboxHandle, client: ShopifyClient
) -> None:
    wrong = settings(shop).model_copy(update={"access_token": SecretStr("shpat_wrong")})
    with ShopifyClient(wrong) as stranger, pytest.raises(AuthError) as caught:
        stranger.list_page("customers", None)
    assert "shpat_wrong" not in str(caught.value)
    shop.shopify.set_scopes({"read_orders"})
    with pytest.raises(ForbiddenError, match="ACCESS_DENIED"):
        client.list_page("customers", None)
    shop.shopify.set_scopes({"read_customers", "read_orders", "read_products"})
    shop.shopify.failures.set(403, count=1)
    with pytest.raises(ForbiddenError):
        client.list_page("customers", None)


def backfill(client: ShopifyClient, resource: str, limit: int) -> list[Page]:
    pages = [client.backfill_page(resource, None, limit=limit)]
    cursor = pages[0].next_cursor
    deadline = time.monotonic() + 30
    while cursor is not None:
        assert time.monotonic() < deadline, "the export never completed"
        try:
            pages.append(client.backfill_page(resource, cursor, limit=limit))
        except NotReadyError as waiting:
            time.sleep(min(waiting.wait_seconds, 0.2))
            continue
        cursor = pages[-1].next_cursor
    return pages


def test_a_bulk_backfill_reads_every_order_exactly_once_with_its_line_items(
    client: ShopifyClient,
) -> None:
    listed = {r["id"]: r for p in every_page(client, "orders") for r in p.records}
    pages = backfill(client, "orders", limit=13)
    ids = ids_of(pages)
    assert len(ids) == len(set(ids)) == len(listed)
    assert set(ids) == set(listed)
    assert sum(1 for p in pages if p.records) > 1
    for page in pages:
        for record in page.records:
            assert record["line_items"] == listed[record["id"]]["line_items"]


def test_a_second_backfill_while_one_runs_waits_for_it(client: ShopifyClient) -> None:
    running = client.backfill_page("customers", None)
    with pytest.raises(NotReadyError, match="still running"):
        client.backfill_page("products", None)
    # The same export started again (a lost answer) carries on with the running one.
    assert client.backfill_page("customers", None).next_cursor == running.next_cursor


def test_get_record_refetches_one_record_and_gives_none_once_it_is_deleted(
    shop: SandboxHandle, client: ShopifyClient
) -> None:
    listed = next(r for r in every_page(client, "orders")[0].records)
    assert client.get_record("orders", listed["id"]) == listed
    shop.shopify.delete("orders", [int(listed["id"])])
    assert client.get_record("orders", listed["id"]) is None


def test_shop_info_names_the_shop_and_the_granted_scopes(client: ShopifyClient) -> None:
    info = client.shop_info()
    assert info["name"]
    assert "read_customers" in info["scopes"]


def test_webhooks_register_once_and_a_signed_delivery_verifies_and_parses(
    shop: SandboxHandle,
) -> None:
    config = settings(shop)
    url = "http://127.0.0.1:9/webhooks/shopify"  # nothing listens: the delivery is kept anyway
    first = webhooks.register(config, url, ["customers/update", "orders/updated"])
    again = webhooks.register(config, url, ["customers/update", "orders/updated"])
    assert (len(first.created), len(again.kept), again.created) == (2, 2, [])
    assert {s.topic for s in webhooks.list_subscriptions(config)} == {
        "CUSTOMERS_UPDATE",
        "ORDERS_UPDATED",
    }
    (delivery,) = shop.shopify.deliver("customers/update", 5)
    assert webhooks.verify(config, delivery.headers, delivery.body)
    assert not webhooks.verify(config, delivery.headers, delivery.body + b" ")
    assert webhooks.delivery_id(delivery.headers)
    topic = webhooks.topic_of(delivery.headers)
    assert topic == "customers/update"
    (hint,) = webhooks.parse(topic, delivery.payload())
    assert (hint.resource, hint.object_id, hint.action) == ("customers", "5", "change")


def test_malformed_records_are_passed_on_and_never_stop_a_page_or_a_backfill(
    shop: SandboxHandle, client: ShopifyClient
) -> None:
    clean = {r: ids_of(every_page(client, r)) for r in ("customers", "orders")}
    shop.shopify.set_malformed(0.3)
    for resource, ids in clean.items():
        assert len(ids_of(every_page(client, resource))) == len(ids)
    assert len(ids_of(backfill(client, "orders", limit=50))) == len(clean["orders"])
