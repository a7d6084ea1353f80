"""The Brevo fake's contacts rate-limit bucket and failure switches, over HTTP."""

from __future__ import annotations

import time

import httpx

from sandbox.server import SandboxHandle


def test_the_eleventh_contacts_request_in_a_second_is_a_429_with_x_sib_headers(
    brevo: httpx.Client,
) -> None:
    responses = [brevo.get("/contacts") for _ in range(11)]

    assert [r.status_code for r in responses[:10]] == [200] * 10
    refused = responses[10]
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_requests"
    assert refused.headers["x-sib-ratelimit-limit"] == "10"
    assert refused.headers["x-sib-ratelimit-remaining"] == "0"
    assert refused.headers["x-sib-ratelimit-reset"] == "1"
    assert "retry-after" not in refused.headers
    assert responses[0].headers["x-sib-ratelimit-remaining"] == "9"


def test_the_contacts_bucket_is_shared_by_every_contacts_endpoint_but_not_processes(
    brevo: httpx.Client,
) -> None:
    for _ in range(5):
        brevo.get("/contacts/attributes")
    for _ in range(5):
        brevo.get("/contacts/lists")
    assert brevo.get("/contacts").status_code == 429
    assert brevo.get("/processes").status_code == 200


def test_the_bucket_refills_after_a_second_and_can_be_switched_off(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    for _ in range(10):
        brevo.get("/contacts")
    assert brevo.get("/contacts").status_code == 429
    time.sleep(1.05)
    assert brevo.get("/contacts").status_code == 200

    sandbox.brevo.set_contacts_rate_limit(None)
    assert {brevo.get("/contacts").status_code for _ in range(15)} == {200}


def test_failure_switches_answer_401_then_429_then_a_gateway_502(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    sandbox.brevo.failures.set(401, count=1)
    sandbox.brevo.failures.add(429, count=1)
    sandbox.brevo.failures.add(502, count=1)

    unauthorized = brevo.get("/contacts")
    throttled = brevo.get("/contacts")
    gateway = brevo.get("/contacts")

    assert unauthorized.json() == {"code": "unauthorized", "message": "Key not found"}
    assert throttled.status_code == 429
    assert throttled.headers["x-sib-ratelimit-remaining"] == "0"
    assert "retry-after" not in throttled.headers
    assert gateway.status_code == 502
    assert gateway.headers["content-type"].startswith("text/html")
    assert brevo.get("/contacts").status_code == 200


def test_a_failure_switch_can_target_one_path_and_be_set_over_http(
    brevo: httpx.Client, brevo_control: httpx.Client
) -> None:
    rule = {"mode": 503, "count": 2, "path_prefix": "/v3/contacts/import"}
    assert brevo_control.post("/_sandbox/failures", json=rule).status_code == 200
    body = {"jsonBody": [{"email": "x@example.com"}], "listIds": [1]}

    assert brevo.get("/contacts").status_code == 200
    assert brevo.post("/contacts/import", json=body).status_code == 503
    assert brevo.post("/contacts/import", json=body).status_code == 503
    assert brevo.post("/contacts/import", json=body).status_code == 202

    brevo_control.post("/_sandbox/failures", json={"mode": 500})
    assert brevo.get("/processes").status_code == 500
    assert brevo_control.delete("/_sandbox/failures").json() == {"failures": []}
    assert brevo.get("/processes").status_code == 200


def test_the_slow_switch_delays_brevo_answers(sandbox: SandboxHandle, brevo: httpx.Client) -> None:
    sandbox.brevo.failures.set("slow", seconds=5, delay_seconds=0.2)
    started = time.monotonic()
    assert brevo.get("/processes").status_code == 200
    assert time.monotonic() - started >= 0.2
    sandbox.brevo.failures.clear()


def test_requests_are_counted_by_route_including_refused_ones(
    sandbox: SandboxHandle, brevo: httpx.Client
) -> None:
    sandbox.brevo.failures.set(500, count=1)
    brevo.get("/contacts")
    brevo.get("/contacts/a%40example.com")
    brevo.get("/processes")
    assert sandbox.brevo.request_count() == 3
    assert sandbox.brevo.request_count("/v3/contacts") == 2
    assert [r["status"] for r in sandbox.brevo.requests] == [500, 404, 200]
    assert sandbox.brevo.requests[1]["route"] == "/v3/contacts/{identifier}"


def test_an_hourly_budget_for_endpoints_outside_contacts_can_be_switched_on(
    sandbox: SandboxHandle, brevo: httpx.Client, brevo_control: httpx.Client
) -> None:
    assert "x-sib-ratelimit-limit" not in brevo.get("/processes").headers
    brevo_control.post("/_sandbox/rate_limit", json={"other_per_hour": 2})

    statuses = [brevo.get("/processes").status_code for _ in range(3)]
    refused = brevo.get("/processes")

    assert statuses == [200, 200, 429]
    assert refused.headers["x-sib-ratelimit-limit"] == "2"
    assert int(refused.headers["x-sib-ratelimit-reset"]) > 3500
    assert brevo.get("/contacts").status_code == 200
