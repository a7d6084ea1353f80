"""Costs, the daily budget, vendor pauses and 429s, on a real Redis and the Pipedrive sandbox
over real HTTP: the Pipedrive client announces each request to the request gate, as in a worker."""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.core import ratelimit
from connectors.core.errors import RateLimitedError
from connectors.pipedrive.client import PipedriveClient
from sandbox.server import SandboxHandle, start_sandbox
from tasks import limits, runtime
from tasks.policy import Deferred
from tasks.runtime import Bucket
from workers.config import ConfigCache
from workers.limiter import RedisLimiter, limiter_for

TOKEN = "pd-token-for-the-budget-tests"
CREDENTIAL = limits.fingerprint(SecretStr(TOKEN))
PERSONS = "/api/v2/persons"


def _install(config_path: Path, broker_url: str) -> RedisLimiter:
    limiter = limiter_for(broker_url)
    cache = ConfigCache(config_path)
    runtime.install(
        runtime.Runtime(new_session=lambda: None, config=cache.get, limiter=limiter)  # type: ignore[arg-type,return-value]
    )
    return limiter


def _write_config(path: Path, url: str, **pipedrive: Any) -> Path:
    block = {"api_token": TOKEN, "base_url": url, "lists": {"all_contacts": 1}, **pipedrive}
    path.write_text(json.dumps({"connectors": {"pipedrive": block}}), encoding="utf-8")
    return path


def _client(url: str, day_seconds: float = 86_400.0) -> PipedriveClient:
    from connectors.pipedrive.settings import PipedriveSettings

    settings = PipedriveSettings.model_validate(
        {"api_token": TOKEN, "base_url": url, "token_budget": {"day_seconds": day_seconds}}
    )
    return PipedriveClient(settings)


def _start_of_a_fresh_period(seconds: float) -> None:
    time.sleep(seconds - time.time() % seconds + 0.05)


@pytest.fixture
def pipedrive_sandbox() -> Iterator[SandboxHandle]:
    handle = start_sandbox(records=400, seed=5, pipedrive_token=TOKEN, pipedrive_burst=None)
    handle.pipedrive.set_rate_limit(None)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def limiter(broker_url: str) -> Iterator[RedisLimiter]:
    """The limiter; afterwards the process's runtime and request gate are as they were."""
    previous, gate = runtime.installed(), ratelimit.current_gate()
    yield limiter_for(broker_url)
    runtime._current = previous
    ratelimit.install_gate(gate)


def test_one_request_takes_from_every_bucket_or_from_none(limiter: RedisLimiter) -> None:
    burst = Bucket("burst", 5, 10.0)
    daily = Bucket("daily", 25, 3600.0, fixed=True)
    assert limiter.acquire_all("pipedrive", CREDENTIAL, [(burst, 1), (daily, 20)]) == 0
    assert limiter.acquire_all("pipedrive", CREDENTIAL, [(burst, 1), (daily, 20)]) > 0
    [burst_state] = limiter.states("pipedrive", burst)
    [daily_state] = limiter.states("pipedrive", daily)
    assert (burst_state.left, daily_state.left) == (4, 5)


def test_a_daily_budget_resets_at_the_period_boundary_not_a_period_after_use(
    limiter: RedisLimiter,
) -> None:
    day = Bucket("daily", 10, 2.0, fixed=True)
    _start_of_a_fresh_period(2.0)
    time.sleep(1.2)
    assert limiter.acquire("pipedrive", CREDENTIAL, day, 10) == 0
    wait = limiter.acquire("pipedrive", CREDENTIAL, day, 1)
    # The period ends ~0.75 s from now: a sliding window would make it wait ~2 s.
    assert 0.3 < wait < 0.9
    time.sleep(wait + 0.02)
    assert limiter.acquire("pipedrive", CREDENTIAL, day, 10) == 0


def test_a_vendor_pause_holds_every_bucket_of_that_credential_only(limiter: RedisLimiter) -> None:
    limiter.pause_vendor("pipedrive", CREDENTIAL, 30.0)
    for bucket in (Bucket("burst", 80, 2.0), Bucket("search", 10, 2.0)):
        assert limiter.acquire("pipedrive", CREDENTIAL, bucket) > 29.0
    other = limits.fingerprint(SecretStr("another account"))
    assert limiter.acquire("pipedrive", other, Bucket("burst", 80, 2.0)) == 0
    states = {s.credential: s for s in limiter.states("pipedrive", Bucket("burst", 80, 2.0))}
    assert states[CREDENTIAL].paused_until is not None
    assert states[other].paused_until is None


def test_refused_responses_are_tallied_for_the_last_hour(limiter: RedisLimiter) -> None:
    bucket = Bucket("burst", 80, 2.0)
    limiter.acquire("pipedrive", CREDENTIAL, bucket)
    for _ in range(3):
        limiter.record_throttled("pipedrive", CREDENTIAL, "burst")
    [state] = limiter.states("pipedrive", bucket)
    assert state.throttled_last_hour == 3


def test_each_request_of_a_page_spends_its_token_cost_from_the_daily_budget(
    pipedrive_sandbox: SandboxHandle, broker_url: str, tmp_path: Path, limiter: RedisLimiter
) -> None:
    url = pipedrive_sandbox.urls["pipedrive"]
    _install(
        _write_config(tmp_path / "tajo.yaml", url, token_budget={"daily_tokens": 1000}), broker_url
    )
    with _client(url) as client:
        page = client.list_persons(None, limit=50)
    lookups = pipedrive_sandbox.pipedrive.request_count("/api/v2/organizations")
    assert page.records
    [daily] = limiter.states("pipedrive", Bucket("daily", 1000, 86_400.0, fixed=True))
    assert daily.left == 1000 - 10 - 10 * lookups


def test_a_budget_spent_at_pipedrive_defers_the_whole_vendor_until_the_day_ends_then_resumes(
    pipedrive_sandbox: SandboxHandle, broker_url: str, tmp_path: Path, limiter: RedisLimiter
) -> None:
    day = 4.0
    url = pipedrive_sandbox.urls["pipedrive"]
    # Our config does not know the budget (another integration may spend it too): we learn it.
    _install(
        _write_config(tmp_path / "tajo.yaml", url, token_budget={"day_seconds": day}), broker_url
    )
    pipedrive_sandbox.pipedrive.set_token_budget(25, day_seconds=day)
    _start_of_a_fresh_period(day)
    _spend_the_day_elsewhere(url)
    with _client(url, day) as client:
        sent_before = pipedrive_sandbox.pipedrive.log.total()
        with pytest.raises(RateLimitedError) as refused:
            client.list_persons(None, limit=1)
        refusal = time.time()
        day_left = day - refusal % day
        assert refused.value.wait_seconds == pytest.approx(day_left, abs=0.3)
        # Every later call waits for the day's end without reaching Pipedrive.
        with pytest.raises(Deferred) as deferred:
            client.get_person(3)
        assert deferred.value.wait_seconds == pytest.approx(day_left, abs=0.3)
        refused_count = pipedrive_sandbox.pipedrive.log.count(status=429)
        sent_after = pipedrive_sandbox.pipedrive.log.total()
        time.sleep(day_left + 0.1)
        assert client.get_person(3) is not None
    assert refused_count == 1
    assert sent_after - sent_before == 1
    [daily] = limiter.states("pipedrive", Bucket("daily", 0, day, fixed=True))
    assert daily.throttled_last_hour == 1
    arrivals = pipedrive_sandbox.pipedrive.arrivals.all()
    assert not [a for a in arrivals if refusal < a.at < refusal + day_left - 0.05]


def _spend_the_day_elsewhere(url: str) -> None:
    """Another integration on the same account spends the whole day's budget."""
    with httpx.Client(base_url=url, headers={"x-api-token": TOKEN}) as other:
        while other.get(PERSONS).headers["x-daily-ratelimit-token-remaining"] != "0":
            pass


def _hammer(config_path: str, broker_url: str, url: str, seconds: float, out: Any) -> None:
    """Read one-person pages through the gate for `seconds`, as a worker would: a deferral
    waits, a 429 waits for its reset (the limiter's pause makes every process wait)."""
    _install(Path(config_path), broker_url)
    ok = refused = 0
    started = time.monotonic()
    with _client(url) as client:
        while time.monotonic() - started < seconds:
            try:
                client.get_person(1)
                ok += 1
            except Deferred as exc:
                time.sleep(min(exc.wait_seconds, 0.5))
            except RateLimitedError:
                refused += 1
    out.put((ok, refused))


def test_after_a_429_no_process_sends_another_request_before_the_reset(
    pipedrive_sandbox: SandboxHandle, broker_url: str, tmp_path: Path
) -> None:
    url = pipedrive_sandbox.urls["pipedrive"]
    # We believe in 60 requests per 2 s; Pipedrive allows 12: only its 429s teach us.
    pipedrive_sandbox.pipedrive.set_rate_limit(12)
    config = _write_config(tmp_path / "tajo.yaml", url, rate_limit={"requests": 60})
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_hammer, args=(str(config), broker_url, url, 5.0, out)) for _ in range(4)
    ]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    arrivals = pipedrive_sandbox.pipedrive.arrivals.all()
    refusals = [a for a in arrivals if a.status == 429]
    assert refusals, "the sandbox's lower limit was never hit"
    assert sum(ok for ok, _ in results) >= 12 * 2
    # Requests already on the wire when the 429 landed may still arrive just after it.
    in_flight = 0.2
    for refusal in refusals:
        assert refusal.reset_seconds is not None
        early = [
            a
            for a in arrivals
            if refusal.at + in_flight < a.at < refusal.at + refusal.reset_seconds - 0.05
        ]
        assert not early, f"{len(early)} requests within the reset after a 429 at {refusal.at}"
