"""The deferral tiers and the request charges: pure parts of the limiter's task side."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from connectors.config import TajoConfig
from connectors.pipedrive.settings import PipedriveSettings
from tasks import limits
from tasks.policy import MAX_COUNTDOWN_SECONDS, countdown_cap, deferral
from tasks.runtime import Bucket
from workers.limiter import configured_buckets


def _config(**pipedrive: object) -> TajoConfig:
    return TajoConfig.model_validate({"connectors": {"pipedrive": {"api_token": "t", **pipedrive}}})


def test_no_countdown_comes_near_the_visibility_timeout() -> None:
    assert countdown_cap(7200) == MAX_COUNTDOWN_SECONDS
    assert countdown_cap(40) == 10.0
    assert countdown_cap(None) == MAX_COUNTDOWN_SECONDS


def test_a_wait_of_minutes_is_one_countdown_of_that_wait() -> None:
    assert deferral(90.0, cap=300.0, jitter=0.5) == (90.5, False)


def test_a_wait_past_the_cap_parks_the_task_in_capped_hops() -> None:
    countdown, parked = deferral(6 * 3600.0, cap=300.0)
    assert (countdown, parked) == (300.0, True)


def test_a_pipedrive_request_takes_a_burst_slot_and_its_tokens_of_the_day() -> None:
    config = _config(token_budget={"daily_tokens": 5000, "day_seconds": 60})
    charges = limits.request_charges(config, "pipedrive", 10)
    assert charges == [
        (Bucket("burst", 80, 2.0), 1),
        (Bucket("daily", 5000, 60.0, fixed=True), 10),
    ]


def test_without_a_configured_budget_only_the_burst_bucket_is_charged() -> None:
    assert limits.request_charges(_config(), "pipedrive", 20) == [(Bucket("burst", 80, 2.0), 1)]
    assert limits.request_charges(TajoConfig(), "pipedrive", 20) == []
    assert limits.request_charges(_config(), "brevo", 1) == []


def test_a_cost_above_a_tiny_budget_is_clamped_to_the_budget() -> None:
    config = _config(token_budget={"daily_tokens": 5})
    assert limits.request_charges(config, "pipedrive", 20)[1][1] == 5


def test_status_lists_the_daily_budget_even_when_it_is_only_learnt() -> None:
    buckets = dict(
        ((vendor, bucket.name), bucket) for vendor, bucket in configured_buckets(_config())
    )
    assert buckets["pipedrive", "daily"].limit == 0
    assert buckets["pipedrive", "daily"].fixed


def test_a_budget_of_zero_tokens_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ValueError, match="daily_tokens"):
        PipedriveSettings.model_validate(
            {"api_token": SecretStr("t"), "token_budget": {"daily_tokens": 0}}
        )
