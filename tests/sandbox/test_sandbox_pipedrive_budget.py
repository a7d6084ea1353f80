"""The Pipedrive fake's daily token budget: costs per endpoint, headers, 429s, the reset."""

from __future__ import annotations

import time

import httpx

from sandbox.pipedrive.budget import DailyTokenBudget, cost_of
from sandbox.server import SandboxHandle

PERSONS = "/api/v2/persons"
LIMIT = "x-daily-ratelimit-token-limit"
REMAINING = "x-daily-ratelimit-token-remaining"


def _wait_for_a_fresh_day(day_seconds: float) -> None:
    """Start right after a day begins, so a test's requests all fall in one day."""
    left = day_seconds - time.time() % day_seconds
    time.sleep(left + 0.05)


def test_v2_endpoints_cost_half_of_v1_and_lists_cost_ten_times_a_single_record() -> None:
    assert cost_of("/api/v2/persons") == 10
    assert cost_of("/api/v2/persons/{id:int}") == 1
    assert cost_of("/v1/personFields") == 20


def test_without_a_budget_no_budget_headers_are_sent(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    response = pipedrive.get(PERSONS)
    assert response.status_code == 200
    assert LIMIT not in response.headers


def test_every_request_spends_its_cost_and_says_what_is_left(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    sandbox.pipedrive.set_token_budget(1000, day_seconds=3600)
    listed = pipedrive.get(PERSONS)
    single = pipedrive.get(f"{PERSONS}/1")
    fields = pipedrive.get("/v1/personFields")
    assert listed.headers[LIMIT] == "1000"
    assert [int(r.headers[REMAINING]) for r in (listed, single, fields)] == [990, 989, 969]


def test_a_spent_budget_refuses_every_call_with_a_429_until_the_day_ends(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    day = 3.0
    sandbox.pipedrive.set_token_budget(25, day_seconds=day)
    _wait_for_a_fresh_day(day)
    answers = [pipedrive.get(PERSONS) for _ in range(4)]
    refused_single = pipedrive.get(f"{PERSONS}/1")
    # The third list overdraws the last 5 tokens; from then on every call is refused.
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers[REMAINING] for a in answers] == ["15", "5", "0", "0"]
    assert refused_single.status_code == 429
    assert answers[3].json()["success"] is False
    assert answers[3].json()["errorCode"] == 429
    _wait_for_a_fresh_day(day)
    after = pipedrive.get(PERSONS)
    assert after.status_code == 200
    assert after.headers[REMAINING] == "15"


def test_the_budget_can_be_set_over_http_and_shows_in_the_state(pipedrive: httpx.Client) -> None:
    answer = pipedrive.post("/_sandbox/token_budget", json={"daily_tokens": 50, "day_seconds": 60})
    assert answer.json() == {"daily_tokens": 50, "day_seconds": 60.0}
    assert pipedrive.get(PERSONS).headers[REMAINING] == "40"
    assert pipedrive.get("/_sandbox/state").json()["token_budget"]["daily_tokens"] == 50
    assert pipedrive.post("/_sandbox/token_budget", json={"daily_tokens": 0}).status_code == 400
    pipedrive.post("/_sandbox/token_budget", json={"daily_tokens": None})
    assert LIMIT not in pipedrive.get(PERSONS).headers


def test_the_fake_keeps_a_timeline_of_arrivals_and_marks_budget_refusals(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    sandbox.pipedrive.set_token_budget(10, day_seconds=3600)
    before = time.time()
    pipedrive.get(PERSONS)
    pipedrive.get(PERSONS)
    arrivals = sandbox.pipedrive.arrivals.all()
    assert [(a.route, a.status, a.daily_refusal) for a in arrivals] == [
        (PERSONS, 200, False),
        (PERSONS, 429, True),
    ]
    assert before <= arrivals[0].at <= arrivals[1].at <= time.time()


def test_each_token_has_its_own_budget() -> None:
    budget = DailyTokenBudget(10, day_seconds=3600)
    assert budget.take("a", 20) is not None
    refused = budget.take("a", 1)
    assert refused is not None
    assert not refused.allowed
    other = budget.take("b", 10)
    assert other is not None
    assert other.allowed
