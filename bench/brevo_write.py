"""Brevo writer benchmark: N mapped contacts into the sandbox Brevo under the general plan's limits.

Our path: sandbox Pipedrive persons -> real worker processes -> mapped contacts staged and sent
as /v3/contacts/import requests, followed to their end; then the same sync again, which must
write nothing. The baseline, in the same run against the same kind of sandbox and limits: the
official brevo-python `create_contact(update_enabled=True)` once per record, measured on a
sample and extrapolated. Then N events (event.track operations) go through the same workers'
`brevo.write_ops` tasks, as a page of webhook events would, and are counted into the fake.
Ends with one line:
RESULT requests_per_10k_contacts=<n> baseline_ratio=<n> unchanged_rerun_requests=<n>

    .venv/bin/python bench/brevo_write.py --records 100000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from brevo import Brevo
from brevo.core.api_error import ApiError

from mapping.hashing import content_hash
from mapping.operations import BrevoOperation
from sandbox.server import SandboxHandle, start_sandbox
from tasks.models import JobStatus
from tests.support import infra
from tests.support.stack import BREVO_KEY, PIPEDRIVE_TOKEN, Stack, write_config
from workers.celery_app import create_app
from workers.demo import prepare_brevo_account
from workers.settings import Settings

#: Events per `brevo.write_ops` task: about what one page of webhook events carries.
EVENTS_PER_TASK = 1000

#: Routes that write contacts (everything else is set-up, polls or reads).
WRITE_ROUTES = ("/v3/contacts/import", "/v3/contacts")


def write_requests(by_route: dict[str, int]) -> int:
    return sum(
        count
        for route, count in by_route.items()
        if route.split(" ", 1)[-1] in WRITE_ROUTES and not route.startswith("GET")
    )


def event_items(start: int, count: int) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for n in range(start, start + count):
        operation = BrevoOperation(
            op="event.track",
            key=f"bench:events:{n}",
            source_id=str(n),
            body={
                "event_name": "deal_updated",
                "identifiers": {"ext_id": f"pipedrive:persons:{n % 1000 + 1}"},
                "event_date": "2026-11-23T10:00:00Z",
                "event_properties": {"deal_id": n, "value": 125.5},
            },
        ).to_json()
        items.append(
            {
                "operation": operation,
                "content_hash": content_hash(operation),
                "mapping_version": "bench",
            }
        )
    return items


def run_events(events: int, stack: Stack, sandbox: SandboxHandle, tmp: Path) -> dict[str, float]:
    """`events` event.track operations through the workers' `brevo.write_ops` tasks."""
    # This process enqueues as a page task would: it reads the same config, with its variables.
    os.environ.setdefault("BREVO_API_KEY", BREVO_KEY)
    os.environ.setdefault("PIPEDRIVE_API_TOKEN", PIPEDRIVE_TOKEN)
    app = create_app(
        Settings(
            broker_url=stack.broker_url,
            database_url=stack.database_url,
            config=stack.config_path,
            var_dir=tmp / "var",
        )
    )
    before = sandbox.brevo.request_count()
    started = time.monotonic()
    for start in range(0, events, EVENTS_PER_TASK):
        app.send_task(
            "brevo.write_ops",
            kwargs={
                "kind": "event.track",
                "items": event_items(start, min(EVENTS_PER_TASK, events - start)),
                "connector": "pipedrive",
                "resource": "webhooks",
            },
        )
    deadline = time.monotonic() + 3600
    while sandbox.brevo.events.count() < events:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {sandbox.brevo.events.count()} events arrived\n{stack.logs()}")
        time.sleep(0.5)
    seconds = time.monotonic() - started
    requests = sandbox.brevo.request_count() - before
    print(f"events: {events} tracked in {seconds:.1f}s with {requests} Brevo requests")
    return {"seconds": seconds, "requests": requests}


def run_ours(
    records: int, events: int, concurrency: int, tmp: Path
) -> tuple[dict[str, float], dict[str, float]]:
    sandbox = start_sandbox(
        records=records, seed=5, pipedrive_token=PIPEDRIVE_TOKEN, brevo_api_key=BREVO_KEY
    )
    try:
        prepare_brevo_account(sandbox.urls["brevo"], BREVO_KEY)
        sandbox.brevo.apply_plan("general")
        setup = sandbox.brevo.request_count()
        with infra.broker(tmp / "redis") as broker_url, infra.database(tmp) as database_url:
            stack = Stack(
                tmp, broker_url, database_url, write_config(tmp / "tajo.yaml", sandbox.urls)
            )
            try:
                stack.start_worker(concurrency=concurrency)
                time.sleep(3)  # let the pool fork before the clock starts
                started = time.monotonic()
                stack.sync_persons("full")
                jobs = stack.wait_for(
                    lambda js: any(j.status != JobStatus.RUNNING for j in js), 7200, "the run"
                )
                seconds = time.monotonic() - started
                first = jobs[0]
                if first.status != JobStatus.SUCCEEDED:
                    raise SystemExit(f"job ended {first.status}: {first.error}\n{stack.logs()}")
                by_route_first = dict(sandbox.brevo.stats()["requests_by_route"])
                requests = sandbox.brevo.request_count() - setup
                stack.sync_persons("full")
                jobs = stack.wait_for(
                    lambda js: len(js) >= 2 and js[1].status != JobStatus.RUNNING, 3600, "rerun"
                )
                rerun_job = jobs[1]
                by_route_all = dict(sandbox.brevo.stats()["requests_by_route"])
                tracked = run_events(events, stack, sandbox, tmp) if events else {}
            finally:
                stack.stop()
        rerun = {k: v - by_route_first.get(k, 0) for k, v in by_route_all.items()}
        rerun_writes = write_requests(rerun)
        print(
            f"ours: {first.written} contacts written ({first.dead_lettered} dead letters) "
            f"in {seconds:.1f}s"
        )
        print(f"  Brevo requests {requests}: {by_route_first}")
        print(
            f"  unchanged rerun: job {rerun_job.status}, {rerun_job.unchanged} unchanged, "
            f"{rerun_job.written} written; {rerun_writes} write requests ({rerun})"
        )
        contacts = {
            "seconds": seconds,
            "requests": requests,
            "written": first.written,
            "rerun_writes": rerun_writes,
        }
        return contacts, tracked
    finally:
        sandbox.stop()


def run_baseline(sample: int) -> dict[str, float]:
    """brevo-python's create_contact once per contact, retrying a 429 after Brevo's reset."""
    sandbox = start_sandbox(records=sample, seed=5, brevo_api_key=BREVO_KEY)
    try:
        sandbox.brevo.apply_plan("general")
        client = Brevo(api_key=BREVO_KEY, base_url=sandbox.urls["brevo"], timeout=30)
        started = time.monotonic()
        written = 0
        for n in range(sample):
            while True:
                try:
                    client.contacts.create_contact(
                        email=f"baseline.{n}@example.com",
                        ext_id=f"pipedrive:persons:{n}",
                        attributes={"FIRSTNAME": f"P{n}", "LASTNAME": "Baseline"},
                        list_ids=[60],
                        update_enabled=True,
                    )
                    written += 1
                    break
                except ApiError as exc:
                    if exc.status_code != 429:
                        raise
                    headers = exc.headers or {}
                    time.sleep(float(headers.get("x-sib-ratelimit-reset", "1")))
        seconds = time.monotonic() - started
        requests = sandbox.brevo.request_count()
        print(
            f"baseline (brevo-python, sample {sample}): {requests} requests for {written} "
            f"contacts in {seconds:.1f}s"
        )
        return {"requests_per_contact": requests / max(written, 1), "per_second": written / seconds}
    finally:
        sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--baseline-sample", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tajo-brevo-bench-") as tmp:
        ours, tracked = run_ours(args.records, args.events, args.concurrency, Path(tmp))
    base = run_baseline(args.baseline_sample)
    written = max(ours["written"], 1)
    baseline_requests = base["requests_per_contact"] * written
    baseline_seconds = written / base["per_second"]
    print(
        f"baseline extrapolated to {written:.0f} contacts: {baseline_requests:.0f} requests, "
        f"{baseline_seconds:.0f}s; ours: {ours['requests']:.0f} requests, {ours['seconds']:.0f}s"
    )
    per_10k = ours["requests"] / written * 10_000
    if tracked:
        per_request = args.events / max(tracked["requests"], 1)
        # A user's own code would call POST /v3/events once per event.
        print(
            f"events: {per_request:.0f} per Brevo request, {per_request:.0f}x fewer than one each"
        )
    print(
        f"RESULT requests_per_10k_contacts={per_10k:.2f} "
        f"baseline_ratio={baseline_requests / max(ours['requests'], 1):.0f} "
        f"unchanged_rerun_requests={ours['rerun_writes']:.0f}"
    )


if __name__ == "__main__":
    main()
