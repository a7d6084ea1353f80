"""The Pipedrive fake's credentials, rate limit and failure switches, over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from sandbox.server import SandboxHandle, start_sandbox

PERSONS = "/api/v2/persons"


@pytest.fixture
def strict_sandbox() -> Iterator[SandboxHandle]:
    handle = start_sandbox(records=20, pipedrive_token="right-token", pipedrive_burst=3)
    try:
        yield handle
    finally:
        handle.stop()


def test_every_response_carries_the_rate_limit_headers(pipedrive: httpx.Client) -> None:
    first = pipedrive.get(PERSONS)
    second = pipedrive.get(PERSONS)
    assert first.headers["x-ratelimit-limit"] == "80"
    assert (
        int(second.headers["x-ratelimit-remaining"])
        == int(first.headers["x-ratelimit-remaining"]) - 1
    )
    assert 1 <= int(first.headers["x-ratelimit-reset"]) <= 2


def test_a_burst_past_the_limit_is_a_429_with_pipedrive_headers_and_body(
    strict_sandbox: SandboxHandle,
) -> None:
    with httpx.Client(
        base_url=strict_sandbox.urls["pipedrive"], headers={"x-api-token": "right-token"}
    ) as client:
        statuses = [client.get(PERSONS).status_code for _ in range(4)]
        refused = client.get(PERSONS)
    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-limit"] == "3"
    assert int(refused.headers["x-ratelimit-reset"]) >= 1
    assert refused.json()["success"] is False
    assert refused.json()["errorCode"] == 429


def test_the_window_reopens_after_two_seconds(strict_sandbox: SandboxHandle) -> None:
    with httpx.Client(
        base_url=strict_sandbox.urls["pipedrive"], headers={"x-api-token": "right-token"}
    ) as client:
        for _ in range(3):
            client.get(PERSONS)
        assert client.get(PERSONS).status_code == 429
        time.sleep(2.05)
        assert client.get(PERSONS).status_code == 200


def test_the_rate_limit_can_be_switched_off_at_runtime(strict_sandbox: SandboxHandle) -> None:
    strict_sandbox.pipedrive.set_rate_limit(None)
    with httpx.Client(
        base_url=strict_sandbox.urls["pipedrive"], headers={"x-api-token": "right-token"}
    ) as client:
        responses = [client.get(PERSONS) for _ in range(6)]
    assert {r.status_code for r in responses} == {200}
    assert "x-ratelimit-limit" not in responses[0].headers


def test_a_wrong_or_missing_token_is_a_401_when_a_token_is_insisted_on(
    strict_sandbox: SandboxHandle,
) -> None:
    base = strict_sandbox.urls["pipedrive"]
    wrong = httpx.get(f"{base}{PERSONS}", headers={"x-api-token": "wrong"})
    missing = httpx.get(f"{base}{PERSONS}")
    empty = httpx.get(f"{base}{PERSONS}", headers={"x-api-token": ""})
    for response in (wrong, missing, empty):
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized access"
        assert response.json()["errorCode"] == 401
    by_query = httpx.get(f"{base}{PERSONS}", params={"api_token": "right-token"})
    assert by_query.status_code == 200
    # A bearer token is an OAuth access token, never the API token.
    by_bearer = httpx.get(f"{base}{PERSONS}", headers={"authorization": "Bearer right-token"})
    assert by_bearer.status_code == 401


def test_the_token_never_appears_in_the_fakes_repr(strict_sandbox: SandboxHandle) -> None:
    assert "right-token" not in repr(strict_sandbox.pipedrive)
    assert "right-token" not in repr(strict_sandbox)


def test_a_failure_switch_for_two_requests_answers_503_twice_then_recovers(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    sandbox.pipedrive.failures.set(503, count=2)
    statuses = [pipedrive.get(PERSONS).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]


def test_a_forced_429_carries_the_rate_limit_headers(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    sandbox.pipedrive.failures.set(429, count=1)
    response = pipedrive.get(PERSONS)
    assert response.status_code == 429
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert "x-ratelimit-reset" in response.headers


def test_forced_401_and_403_use_pipedrive_bodies(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    sandbox.pipedrive.failures.set(401, count=1)
    sandbox.pipedrive.failures.add(403, count=1)
    assert pipedrive.get(PERSONS).json()["errorCode"] == 401
    assert pipedrive.get(PERSONS).json()["errorCode"] == 403
    assert pipedrive.get(PERSONS).status_code == 200


def test_the_malformed_switch_breaks_some_records_but_keeps_their_ids(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    sandbox.pipedrive.failures.set("malformed", count=1, record_fraction=0.5)
    broken = pipedrive.get(PERSONS, params={"limit": 20}).json()["data"]
    healthy = pipedrive.get(PERSONS, params={"limit": 20}).json()["data"]
    assert [p["id"] for p in broken] == [p["id"] for p in healthy]
    changed = [b for b, h in zip(broken, healthy, strict=True) if b != h]
    assert len(changed) == 10
    assert all(h == sandbox.pipedrive.person(h["id"]) for h in healthy)


def test_the_slow_switch_delays_the_answer(sandbox: SandboxHandle, pipedrive: httpx.Client) -> None:
    sandbox.pipedrive.failures.set("slow", count=1, delay_seconds=0.3)
    started = time.monotonic()
    assert pipedrive.get(PERSONS).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_a_fraction_switch_fails_about_that_share_of_requests(
    sandbox: SandboxHandle, pipedrive: httpx.Client
) -> None:
    sandbox.pipedrive.set_rate_limit(None)
    sandbox.pipedrive.failures.set(500, fraction=0.5, seed=1)
    statuses = [pipedrive.get(PERSONS, params={"limit": 1}).status_code for _ in range(60)]
    assert 15 <= statuses.count(500) <= 45
    assert set(statuses) == {200, 500}


def test_a_timed_switch_stops_by_itself(sandbox: SandboxHandle, pipedrive: httpx.Client) -> None:
    sandbox.pipedrive.failures.set(502, seconds=0.2)
    assert pipedrive.get(PERSONS).status_code == 502
    time.sleep(0.25)
    assert pipedrive.get(PERSONS).status_code == 200


def test_failures_can_be_switched_over_http_and_the_state_counts_requests(
    pipedrive: httpx.Client,
) -> None:
    switched = pipedrive.post("/_sandbox/failures", json={"mode": 500, "count": 1})
    assert switched.status_code == 200
    assert switched.json()["failures"][0]["mode"] == 500
    assert pipedrive.get(PERSONS).status_code == 500
    assert pipedrive.get(PERSONS).status_code == 200
    assert pipedrive.post("/_sandbox/failures", json={"mode": "explode"}).status_code == 400

    state = pipedrive.get("/_sandbox/state").json()
    assert state["requests_by_route"][f"GET {PERSONS}"] == {"200": 1, "500": 1}
    assert state["requests"] == 2
    assert state["count"] == 250
