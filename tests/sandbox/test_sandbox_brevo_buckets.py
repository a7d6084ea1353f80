"""The Brevo fake's per-plan rate-limit buckets, its 429 storm and 401 switches, and the
arrival time it records for every request."""

from __future__ import annotations

import time

import httpx
import pytest

from sandbox.brevo.limits import PLANS, Bucket, BucketLimits, bucket_of
from sandbox.server import SandboxHandle


def test_paths_fall_into_brevos_three_buckets() -> None:
    assert bucket_of("/v3/contacts/import") == "contacts"
    assert bucket_of("/v3/contacts/lists/3/contacts/add") == "contacts"
    assert bucket_of("/v3/events") == "events"
    assert bucket_of("/v3/events/batch") == "events"
    assert bucket_of("/v3/eventsx") == "other"
    assert bucket_of("/v3/processes/1") == "other"
    assert bucket_of("/v3/companies/import") == "other"


def test_a_bucket_refuses_on_its_hourly_budget_and_reports_the_window_nearest_exhaustion() -> None:
    bucket = Bucket(BucketLimits(per_second=5, per_hour=3))

    verdicts = [bucket.take("key") for _ in range(4)]

    assert [v.allowed for v in verdicts if v] == [True, True, True, False]
    last = verdicts[-1]
    assert last is not None
    assert (last.limit, last.remaining) == (3, 0)
    assert last.reset_seconds > 3500
    assert Bucket(BucketLimits()).take("key") is None


def test_the_general_plan_limits_every_other_endpoint_to_100_an_hour(
    sandbox: SandboxHandle, brevo: httpx.Client, brevo_control: httpx.Client
) -> None:
    answer = brevo_control.post("/_sandbox/rate_limit", json={"plan": "general"})
    assert answer.json()["buckets"] == {
        "contacts": {"per_second": 10, "per_hour": 36_000},
        "events": {"per_second": 10, "per_hour": 36_000},
        "other": {"per_second": None, "per_hour": 100},
    }

    statuses = [brevo.get("/processes").status_code for _ in range(101)]

    assert statuses == [200] * 100 + [429]
    refused = brevo.get("/companies")
    assert refused.status_code == 429
    assert refused.headers["x-sib-ratelimit-limit"] == "100"
    assert refused.headers["x-sib-ratelimit-remaining"] == "0"
    assert 3500 < int(refused.headers["x-sib-ratelimit-reset"]) <= 3600
    assert "retry-after" not in refused.headers
    assert brevo.get("/contacts").status_code == 200


def test_plans_and_single_buckets_are_configurable_and_bad_ones_are_refused(
    sandbox: SandboxHandle, brevo: httpx.Client, brevo_control: httpx.Client
) -> None:
    sandbox.brevo.apply_plan("advanced")
    assert sandbox.brevo.rate_limits()["contacts"] == {"per_second": 20, "per_hour": 72_000}
    assert PLANS["extended"].of("events").per_second == 60

    brevo_control.post(
        "/_sandbox/rate_limit", json={"buckets": {"contacts": {"per_second": 2, "per_hour": 3}}}
    )
    statuses = [brevo.get("/contacts").status_code for _ in range(3)]
    time.sleep(1.05)
    after_a_second = brevo.get("/contacts")

    assert statuses == [200, 200, 429]
    assert after_a_second.status_code == 200
    assert after_a_second.headers["x-sib-ratelimit-limit"] == "3"
    assert brevo.get("/contacts").status_code == 429  # the hourly budget is spent
    assert brevo_control.post("/_sandbox/rate_limit", json={"plan": "gold"}).status_code == 400
    with pytest.raises(ValueError, match="bucket must be one of"):
        sandbox.brevo.set_bucket_limits("sms", per_second=1, per_hour=None)


def test_a_429_storm_refuses_every_call_until_it_ends_counting_the_reset_down(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    ends = sandbox.brevo.storm_429(1.5)

    first = brevo.post("/contacts/import", json={"jsonBody": [{"email": "a@x.io"}], "listIds": [1]})
    other = brevo.get("/processes")
    while time.monotonic() < ends:
        assert brevo.get("/contacts").status_code == 429
        time.sleep(0.1)
    after = brevo.get("/contacts")

    assert first.status_code == 429
    assert first.headers["x-sib-ratelimit-reset"] == "2"
    assert first.headers["x-sib-ratelimit-remaining"] == "0"
    assert "retry-after" not in first.headers
    assert other.status_code == 429
    assert after.status_code == 200
    assert sandbox.brevo.imports == []


def test_a_storm_can_target_one_path_and_be_started_and_ended_over_http(
    brevo: httpx.Client, brevo_control: httpx.Client
) -> None:
    started = brevo_control.post(
        "/_sandbox/storm", json={"seconds": 30, "path_prefix": "/v3/events"}
    )
    assert started.status_code == 200

    event = {"event_name": "x", "identifiers": {"ext_id": "pd:1"}}
    assert brevo.post("/events", json=event).status_code == 429
    assert brevo.get("/contacts").status_code == 200
    assert 28 <= int(brevo.post("/events", json=event).headers["x-sib-ratelimit-reset"]) <= 30

    brevo_control.delete("/_sandbox/storm")
    assert brevo.post("/events", json=event).status_code == 204
    assert brevo_control.post("/_sandbox/storm", json={"seconds": -1}).status_code == 400


def test_the_401_switch_answers_key_not_found_for_a_while(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    sandbox.brevo.failures.set(401, seconds=0.3)
    refused = brevo.post("/events", json={"event_name": "x", "identifiers": {"ext_id": "a"}})
    time.sleep(0.35)
    allowed = brevo.get("/contacts")

    assert refused.status_code == 401
    assert refused.json() == {"code": "unauthorized", "message": "Key not found"}
    assert allowed.status_code == 200


def test_every_request_is_recorded_with_its_arrival_time_so_waits_can_be_checked(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    before = time.monotonic()
    brevo.get("/contacts")
    brevo.get("/processes")
    brevo.get("/contacts/someone%40example.com")
    after = time.monotonic()

    times = sandbox.brevo.request_times("/v3/contacts")
    log = sandbox.brevo.request_log()

    assert len(times) == 2
    assert before <= times[0] <= times[1] <= after
    assert [entry.route for entry in log] == [
        "/v3/contacts",
        "/v3/processes",
        "/v3/contacts/{identifier}",
    ]
    assert [entry.status for entry in log] == [200, 200, 404]
    assert abs(sandbox.brevo.requests[0]["at"] - time.time()) < 60
    assert sandbox.brevo.request_count("/v3/contacts") == 2
