"""Leaky buckets on a real Redis (Shopify's query cost), settled grants, and the Shopify client
metered through the request gate against the sandbox shop's own bucket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from connectors.core import ratelimit
from connectors.core.errors import RateLimitedError
from connectors.core.ratelimit import RateLimitSignal
from connectors.shopify.client import ShopifyClient
from sandbox.server import SandboxHandle, start_sandbox
from tasks import limits, runtime
from tasks.runtime import Bucket
from tests.support.stack import SHOPIFY_TOKEN
from workers.config import ConfigCache
from workers.limiter import WINDOW_MARGIN_SECONDS, RedisLimiter, limiter_for

#: 100 points restoring 50 a second (with the margin, a little less).
POINTS = Bucket("points", limit=100, per_seconds=2.0, leaky=True)
RATE = POINTS.limit / (POINTS.per_seconds + WINDOW_MARGIN_SECONDS)
CREDENTIAL = limits.fingerprint(SecretStr("a-shop-token"))


@pytest.fixture
def limiter(broker_url: str) -> RedisLimiter:
    return limiter_for(broker_url)


def test_a_leaky_bucket_gives_its_whole_size_at_once_then_only_what_it_restores(
    limiter: RedisLimiter,
) -> None:
    assert limiter.acquire("shopify", CREDENTIAL, POINTS, cost=100) == 0
    wait = limiter.acquire("shopify", CREDENTIAL, POINTS, cost=50)
    assert wait == pytest.approx(50 / RATE, abs=0.05)


def test_a_settled_grant_gives_back_what_its_request_did_not_use(limiter: RedisLimiter) -> None:
    grant = limiter.grant_all("shopify", CREDENTIAL, [(POINTS, 100)])
    assert grant.wait_seconds == 0
    limiter.settle("shopify", CREDENTIAL, POINTS, grant.tickets[0], 40)
    assert limiter.acquire("shopify", CREDENTIAL, POINTS, cost=60) == 0


def test_a_level_the_vendor_reports_lower_brings_the_bucket_down_and_never_up(
    limiter: RedisLimiter,
) -> None:
    limiter.cap_level("shopify", CREDENTIAL, POINTS, 10)
    assert limiter.acquire("shopify", CREDENTIAL, POINTS, cost=50) == pytest.approx(
        40 / RATE, abs=0.05
    )
    limiter.cap_level("shopify", CREDENTIAL, POINTS, 90)
    assert limiter.acquire("shopify", CREDENTIAL, POINTS, cost=50) > 0.5


def test_a_settled_log_grant_keeps_its_time_and_counts_only_its_new_units(
    limiter: RedisLimiter,
) -> None:
    log = Bucket("tokens", limit=10, per_seconds=30.0)
    grant = limiter.grant_all("pipedrive", CREDENTIAL, [(log, 10)])
    limiter.settle("pipedrive", CREDENTIAL, log, grant.tickets[0], 4)
    assert limiter.acquire("pipedrive", CREDENTIAL, log, cost=6) == 0
    assert limiter.acquire("pipedrive", CREDENTIAL, log, cost=1) > 29.0


def test_a_ticket_of_a_calendar_window_cannot_be_settled(limiter: RedisLimiter) -> None:
    day = Bucket("daily", limit=10, per_seconds=86_400.0, fixed=True)
    grant = limiter.grant_all("pipedrive", CREDENTIAL, [(day, 5)])
    assert grant.tickets == ("",)
    with pytest.raises(ValueError, match="not a ticket"):
        limiter.settle("pipedrive", CREDENTIAL, day, grant.tickets[0], 1)


@pytest.fixture
def shop() -> Iterator[SandboxHandle]:
    handle = start_sandbox(
        records=10, shopify_customers=200, shopify_token=SHOPIFY_TOKEN, shopify_bucket=(1000, 50)
    )
    yield handle
    handle.stop()


@pytest.fixture
def shopify_client(
    shop: SandboxHandle, limiter: RedisLimiter, tmp_path: Path
) -> Iterator[ShopifyClient]:
    config = tmp_path / "tajo.yaml"
    block = {"access_token": SHOPIFY_TOKEN, "base_url": shop.urls["shopify"]}
    config.write_text(json.dumps({"connectors": {"shopify": block}}), encoding="utf-8")
    cache = ConfigCache(config)
    previous, gate = runtime._current, ratelimit.current_gate()
    runtime.install(
        runtime.Runtime(new_session=lambda: None, config=cache.get, limiter=limiter)  # type: ignore[arg-type,return-value]
    )
    settings = cache.get().connectors.shopify
    assert settings is not None
    with ShopifyClient(settings) as client:
        yield client
    runtime._current = previous
    ratelimit.install_gate(gate)


def _left(limiter: RedisLimiter) -> int:
    key = limits.fingerprint(SecretStr(SHOPIFY_TOKEN))
    [state] = limiter.states("shopify", limits.shopify_bucket(key))
    assert state.left is not None
    return state.left


def test_a_shopify_query_counts_what_it_really_cost_not_what_it_reserved(
    shop: SandboxHandle, limiter: RedisLimiter, shopify_client: ShopifyClient
) -> None:
    page = shopify_client.list_page("customers", None, limit=16)
    cost = page.info["query_cost"]
    assert cost["actual"] < cost["requested"]  # customers without an address or an order
    shopify_left = shop.shopify.bucket.status(SHOPIFY_TOKEN).currently_available
    assert _left(limiter) == pytest.approx(shopify_left, abs=3)
    assert _left(limiter) > 1000 - cost["requested"]


def test_a_throttled_shopify_query_takes_nothing_from_the_limiter(
    shop: SandboxHandle, limiter: RedisLimiter, shopify_client: ShopifyClient
) -> None:
    shop.shopify.throttle_storm(count=1)
    with pytest.raises(RateLimitedError):
        shopify_client.list_page("customers", None, limit=16)
    assert _left(limiter) >= 999


def test_an_empty_shopify_bucket_holds_the_next_query_for_its_cost_not_a_whole_refill(
    limiter: RedisLimiter, shopify_client: ShopifyClient
) -> None:
    token = SecretStr(SHOPIFY_TOKEN)
    gate = ratelimit.current_gate()
    assert gate is not None
    empty = RateLimitSignal(limit=1000, remaining=0, reset_seconds=20.0, restore_rate=50.0)
    gate.observe("shopify", token, "list_customers", empty)
    key = limits.fingerprint(token)
    wait = limiter.acquire("shopify", key, limits.shopify_bucket(key), cost=50)
    assert wait == pytest.approx(1.0, abs=0.1)
