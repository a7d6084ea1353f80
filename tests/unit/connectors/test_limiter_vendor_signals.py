"""Each vendor's rate-limit dialect parsed into one RateLimitSignal (pure parsers, no I/O)."""

from __future__ import annotations

import httpx
import pytest

from connectors.amazon_ses import signals as ses
from connectors.connectif import signals as connectif
from connectors.core.ratelimit import RateLimitSignal, seconds_until_period_end
from connectors.pipedrive.client import rate_limit_signal as pipedrive_signal
from connectors.shopify import signals as shopify
from connectors.workato import signals as workato


def _shopify_body(available: float, requested: float, *, throttled: bool) -> dict[str, object]:
    body: dict[str, object] = {
        "data": None if throttled else {"customers": {"nodes": []}},
        "extensions": {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": None if throttled else requested,
                "throttleStatus": {
                    "maximumAvailable": 1000.0,
                    "currentlyAvailable": available,
                    "restoreRate": 50.0,
                },
            }
        },
    }
    if throttled:
        body["errors"] = [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]
    return body


def test_a_shopify_cost_block_gives_points_left_and_the_time_to_refill() -> None:
    signal = shopify.graphql_signal(_shopify_body(900, 100, throttled=False))
    assert (signal.limit, signal.remaining, signal.throttled) == (1000, 900, False)
    assert signal.reset_seconds == pytest.approx(2.0)
    assert signal.retry_after is None


def test_a_throttled_shopify_query_in_a_200_body_waits_for_its_cost_to_refill() -> None:
    signal = shopify.graphql_signal(_shopify_body(20, 120, throttled=True))
    assert signal.throttled
    assert signal.wait_seconds() == pytest.approx(2.0)


def test_a_shopify_answer_says_the_points_its_query_really_took() -> None:
    body = _shopify_body(900, 98, throttled=False)
    body["extensions"]["cost"]["actualQueryCost"] = 84  # type: ignore[index]
    assert shopify.graphql_signal(body).spent == 84


def test_a_throttled_shopify_query_took_no_points() -> None:
    assert shopify.graphql_signal(_shopify_body(20, 120, throttled=True)).spent == 0


def test_a_throttled_shopify_body_without_a_cost_block_still_waits() -> None:
    body = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}]}
    signal = shopify.graphql_signal(body)
    assert signal.throttled
    assert signal.wait_seconds() == 1.0


@pytest.mark.parametrize("body", [None, [], {"errors": "x"}, {"extensions": {"cost": 3}}])
def test_odd_shopify_bodies_are_an_empty_signal(body: object) -> None:
    assert shopify.graphql_signal(body) == RateLimitSignal()


def test_a_shopify_rest_429_waits_for_retry_after_and_reads_the_call_limit() -> None:
    signal = shopify.rest_signal(
        429, {"Retry-After": "2.0", "X-Shopify-Shop-Api-Call-Limit": "40/40"}
    )
    assert signal == RateLimitSignal(limit=40, remaining=0, retry_after=2.0, throttled=True)


def _ses_error(
    code: str, message: str, status: int, headers: dict[str, str] | None = None
) -> dict[str, object]:
    return {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers or {}},
    }


def test_ses_too_many_requests_waits_about_a_second() -> None:
    signal = ses.error_signal(_ses_error("TooManyRequestsException", "Too many requests", 429))
    assert signal.throttled
    assert signal.wait_seconds() == 1.0
    assert not signal.budget_exhausted


def test_ses_v1_throttling_honours_retry_after() -> None:
    error = _ses_error("Throttling", "Maximum sending rate exceeded.", 400, {"retry-after": "3"})
    assert ses.error_signal(error).wait_seconds() == 3.0


def test_a_spent_ses_daily_quota_holds_the_whole_sender() -> None:
    signal = ses.error_signal(_ses_error("Throttling", "Daily message quota exceeded.", 400))
    assert signal.budget_exhausted
    assert signal.budget_reset_seconds == ses.DAILY_QUOTA_WAIT_SECONDS


def test_other_ses_errors_are_not_rate_signals() -> None:
    assert ses.error_signal(
        _ses_error("MessageRejected", "Email address is not verified", 400)
    ) == (RateLimitSignal())


def test_a_workato_429_waits_for_retry_after_or_a_whole_minute() -> None:
    told = workato.response_signal(429, {"Retry-After": "12"})
    silent = workato.response_signal(429, {})
    assert told.throttled
    assert told.wait_seconds() == 12.0
    assert silent.wait_seconds() == workato.WINDOW_SECONDS
    assert workato.response_signal(200, {}) == RateLimitSignal()


def test_a_connectif_429_waits_for_retry_after_or_a_short_default() -> None:
    assert connectif.response_signal(429, {"retry-after": "7"}).wait_seconds() == 7.0
    assert connectif.response_signal(429, {}).wait_seconds() == connectif.DEFAULT_WAIT_SECONDS
    assert not connectif.response_signal(200, {}).throttled


def test_a_pipedrive_response_carries_the_daily_budget_and_its_reset_at_the_day_s_end() -> None:
    response = httpx.Response(
        429,
        headers={
            "x-ratelimit-limit": "80",
            "x-ratelimit-remaining": "12",
            "x-ratelimit-reset": "1",
            "x-daily-ratelimit-token-limit": "30000",
            "x-daily-ratelimit-token-remaining": "0",
        },
    )
    signal = pipedrive_signal(response, day_seconds=86_400.0, now=86_400.0 * 3 + 3_600.0)
    assert signal.throttled
    assert signal.budget_exhausted
    assert signal.budget_limit == 30_000
    assert signal.budget_reset_seconds == 82_800.0


def test_a_pipedrive_response_without_budget_headers_has_no_budget() -> None:
    signal = pipedrive_signal(httpx.Response(200, headers={"x-ratelimit-remaining": "5"}))
    assert signal.budget_remaining is None
    assert signal.budget_reset_seconds is None
    assert not signal.throttled


def test_a_period_ends_at_the_next_multiple_since_the_epoch_and_never_now() -> None:
    assert seconds_until_period_end(10.5, 4.0) == pytest.approx(1.5)
    assert seconds_until_period_end(12.0, 4.0) == 4.0
    with pytest.raises(ValueError, match="positive"):
        seconds_until_period_end(1.0, 0.0)
