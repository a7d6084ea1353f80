from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from connectors.core.ratelimit import RateLimitSignal, parse_retry_after, rate_limit_signal

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", 30.0),
        (" 2.5 ", 2.5),
        ("-4", 0.0),
        ("Sat, 01 Mar 2025 12:00:45 GMT", 45.0),
        ("Sat, 01 Mar 2025 11:59:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_as_an_http_date(
    value: str | None, expected: float | None
) -> None:
    assert parse_retry_after(value, now=NOW) == expected


def test_pipedrive_style_headers_become_a_signal_whatever_their_case() -> None:
    headers = {"X-RateLimit-Limit": "80", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2"}

    signal = rate_limit_signal(headers, prefix="x-ratelimit")

    assert signal == RateLimitSignal(limit=80, remaining=0, reset_seconds=2.0, retry_after=None)
    assert signal.exhausted
    assert signal.wait_seconds() == 2.0


def test_brevo_style_headers_are_read_with_their_own_prefix_from_httpx_headers() -> None:
    headers = httpx.Headers(
        {
            "x-sib-ratelimit-limit": "10",
            "x-sib-ratelimit-remaining": "7",
            "x-sib-ratelimit-reset": "1",
        }
    )

    signal = rate_limit_signal(headers, prefix="x-sib-ratelimit")

    assert (signal.limit, signal.remaining, signal.reset_seconds) == (10, 7, 1.0)
    assert not signal.exhausted


def test_a_retry_after_wins_over_the_reset_header() -> None:
    headers = {"x-ratelimit-reset": "10", "retry-after": "3"}

    assert rate_limit_signal(headers, prefix="x-ratelimit").wait_seconds() == 3.0


def test_a_vendor_that_says_nothing_gives_an_empty_signal() -> None:
    signal = rate_limit_signal({"content-type": "application/json"}, prefix="x-ratelimit")

    assert signal == RateLimitSignal()
    assert not signal.exhausted
    assert signal.wait_seconds() is None


def test_garbled_numbers_are_ignored_rather_than_trusted() -> None:
    headers = {"x-ratelimit-limit": "lots", "x-ratelimit-remaining": "", "x-ratelimit-reset": "x"}

    assert rate_limit_signal(headers, prefix="x-ratelimit") == RateLimitSignal()
