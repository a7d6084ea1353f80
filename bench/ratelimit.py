"""Rate-limit benchmark: how near each vendor's limit N Celery workers get, and how many 429s.

N real Celery worker processes (`celery worker -Q src.<vendor> -c 1`, one instance each, as
separate deployments would run) read pages with the real vendor client and Tajo's task base, one
chain of pages per worker, until the scenario's page count is read; each scenario twice:
- through the shared Redis limiter: every request takes its cost from one global bucket;
- the baseline: Celery's own `rate_limit` on the task, the vendor's limit split across the
  workers (Celery enforces it per worker instance, and per task, not per request).
See `bench/ratelimit_worker.py` for the tasks.

Pipedrive: the sandbox enforces 80 requests per 2 s per token; a backfill of 500-person pages
(organization lookups included). Prints successful requests per second (counted by the sandbox)
divided by the limit, and 429s as a share of all requests.

Shopify: the sandbox's GraphQL leaky bucket holds 1,000 points and restores 50 a second;
incremental pages of 16 customers, whose requested cost is 98 points (Shopify refunds what a
page does not use: customers without an address or an order cost less). A leaky bucket gives
its first 1,000 points at once and then only what it restores, so the figure is the steady
state: points actually spent (the fake's `points_spent`) beyond that first bucket, per second
from the first query to the last, divided by the restore rate. THROTTLED answers are shown as
a share of all queries.

    .venv/bin/python bench/ratelimit.py --records 200000 --shopify-pages 100 --workers 4
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from celery import Celery

from connectors.shopify.streams import stream_spec
from sandbox.server import SandboxHandle, start_sandbox
from tests.support import infra
from tests.support.stack import PIPEDRIVE_TOKEN, SHOPIFY_TOKEN
from workers.limiter import redis_client

BURST = 80
WINDOW_SECONDS = 2.0
PAGE_SIZE = 500
#: The issue's Shopify shop: a 1,000-point bucket restoring 50 points a second.
SHOPIFY_POINTS = 1000
SHOPIFY_RESTORE = 50.0
#: Customers per page: 2 + 16 x 6 = 98 requested points, the nearest to 100 a page can cost.
SHOPIFY_PAGE = 16
BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


@dataclass(frozen=True)
class Scenario:
    vendor: str
    queue: str
    task: str
    #: Celery's rate_limit for the baseline, per worker instance, given the worker count
    celery_rate: Callable[[int], str]


PIPEDRIVE = Scenario(
    "pipedrive", "src.pipedrive", "bench.pull_page", lambda n: f"{BURST / WINDOW_SECONDS / n:g}/s"
)
SHOPIFY = Scenario(
    "shopify",
    "src.shopify",
    "bench.shopify_page",
    # Pages per minute per worker that spend the restore rate: 50 / 98 points a second in all.
    lambda n: (
        f"{SHOPIFY_RESTORE / stream_spec('customers').requested_cost(SHOPIFY_PAGE) / n * 60:.3g}/m"
    ),
)


def write_config(path: Path, urls: dict[str, str]) -> None:
    pipedrive = {
        "api_token": PIPEDRIVE_TOKEN,
        "base_url": urls["pipedrive"],
        "page_size": PAGE_SIZE,
        "rate_limit": {"requests": BURST, "per_seconds": WINDOW_SECONDS},
    }
    shopify = {
        "shop_url": "sandbox.myshopify.com",
        "access_token": SHOPIFY_TOKEN,
        "base_url": urls["shopify"],
    }
    config = {"connectors": {"pipedrive": pipedrive, "shopify": shopify}}
    path.write_text(json.dumps(config), encoding="utf-8")


def start_workers(
    scenario: Scenario, mode: str, broker: str, config: Path, workers: int, logs: Path
) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "BENCH_BROKER": broker,
        "BENCH_MODE": mode,
        "BENCH_CONFIG": str(config),
        # Celery's rate_limit counts tasks per worker instance: the limit split across them.
        "BENCH_CELERY_RATE": scenario.celery_rate(workers),
        "BENCH_SHOPIFY_PAGE": str(SHOPIFY_PAGE),
        "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(ROOT)]),
    }
    procs = []
    for i in range(workers):
        command = [
            sys.executable, "-m", "celery", "-A", "ratelimit_worker", "worker",
            "-Q", scenario.queue, "-c", "1", "-n", f"bench{i}@%h", "--loglevel", "WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        log = open(logs / f"{scenario.vendor}-{mode}-{i}.log", "ab")  # noqa: SIM115 - closed with the process
        procs.append(
            subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        )
    control = Celery(broker=broker)
    deadline = time.monotonic() + 60
    while len(control.control.ping(timeout=0.5)) < workers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"workers did not start; see {logs}")
    return procs


def stop_workers(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


def read_pages(
    scenario: Scenario, mode: str, broker: str, config: Path, pages: int, workers: int,
    logs: Path,
) -> None:  # fmt: skip
    """Start the workers, one chain of pages per worker, and wait until `pages` are read."""
    client = redis_client(broker)
    client.flushdb()
    procs = start_workers(scenario, mode, broker, config, workers, logs)
    try:
        app = Celery(broker=broker)
        for chain in range(workers):
            # One chain per worker, each paging from the start, as separate streams would.
            app.send_task(
                scenario.task,
                kwargs={"chain": chain, "cursor": None, "pages": pages},
                queue=scenario.queue,
            )
        deadline = time.monotonic() + 3600
        while int(client.get("bench:pages") or 0) < pages:
            if time.monotonic() > deadline:
                raise RuntimeError("the run did not finish in an hour")
            time.sleep(0.2)
    finally:
        stop_workers(procs)


def run_pipedrive(
    mode: str, sandbox: SandboxHandle, broker: str, config: Path, pages: int, workers: int,
    logs: Path,
) -> dict[str, float]:  # fmt: skip
    sandbox.pipedrive.reset()
    time.sleep(WINDOW_SECONDS)  # the fake's window from the previous run has passed
    read_pages(PIPEDRIVE, mode, broker, config, pages, workers, logs)
    arrivals = [a for a in sandbox.pipedrive.arrivals.all() if a.route.startswith("/api/v2")]
    refused = sum(1 for a in arrivals if a.status == 429)
    ok = sum(1 for a in arrivals if a.status == 200)
    seconds = max(a.at for a in arrivals) - min(a.at for a in arrivals)
    ratio = ok / seconds / (BURST / WINDOW_SECONDS)
    share = refused / max(len(arrivals), 1)
    print(
        f"pipedrive {mode}: {pages} pages, {len(arrivals)} requests ({ok} ok, {refused} 429s) in "
        f"{seconds:.1f}s = {ok / seconds:.1f} ok requests/s, {ratio:.3f} of the limit, "
        f"429 share {share:.4f}",
        flush=True,
    )
    return {"ratio": ratio, "share": share}


class ShopifyCounters:
    """When the Shopify fake's query counter first and last moved, sampled in the background
    (the fake counts queries, points and THROTTLED answers, but keeps no arrival times)."""

    def __init__(self, sandbox: SandboxHandle, interval: float = 0.02) -> None:
        self.sandbox = sandbox
        self.interval = interval
        self.first: float | None = None
        self.last: float | None = None
        self._seen = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            requests = self.sandbox.shopify.counters.requests
            if requests != self._seen:
                now = time.monotonic()
                self.first = now if self.first is None else self.first
                self.last, self._seen = now, requests

    def __enter__(self) -> ShopifyCounters:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def run_shopify(
    mode: str, sandbox: SandboxHandle, broker: str, config: Path, pages: int, workers: int,
    logs: Path,
) -> dict[str, float]:  # fmt: skip
    sandbox.shopify.reset()  # a full bucket, counters at zero
    with ShopifyCounters(sandbox) as seen:
        read_pages(SHOPIFY, mode, broker, config, pages, workers, logs)
    counters = sandbox.shopify.counters
    assert seen.first is not None
    assert seen.last is not None
    seconds = seen.last - seen.first
    steady = (counters.points_spent - SHOPIFY_POINTS) / seconds
    ratio = steady / SHOPIFY_RESTORE
    share = counters.throttled / max(counters.requests, 1)
    print(
        f"shopify {mode}: {pages} pages, {counters.requests} queries "
        f"({counters.throttled} THROTTLED), {counters.points_spent} points spent in "
        f"{seconds:.1f}s = {counters.points_spent / seconds:.1f} points/s, "
        f"{steady:.1f} points/s past the first bucket, {ratio:.3f} of the restore rate, "
        f"THROTTLED share {share:.4f}",
        flush=True,
    )
    return {"ratio": ratio, "share": share}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000, help="Pipedrive persons")
    parser.add_argument(
        "--shopify-pages",
        type=int,
        default=100,
        help="Shopify pages of 16 customers (100: about 150 s, 7 bucket refills, per mode)",
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--only", choices=["pipedrive", "shopify"], default=None)
    args = parser.parse_args()
    pages = -(-args.records // PAGE_SIZE)
    sandbox = start_sandbox(
        records=args.records,
        seed=3,
        pipedrive_token=PIPEDRIVE_TOKEN,
        pipedrive_burst=BURST,
        # Every chain may read the whole shop before the page count is reached.
        shopify_customers=args.shopify_pages * SHOPIFY_PAGE,
        shopify_token=SHOPIFY_TOKEN,
        shopify_bucket=(SHOPIFY_POINTS, SHOPIFY_RESTORE),
    )
    na = {"ratio": float("nan"), "share": float("nan")}
    pipedrive = pipedrive_base = shopify = shopify_base = na
    try:
        with (
            tempfile.TemporaryDirectory(prefix="tajo-bench-") as tmp,
            infra.broker(Path(tmp) / "redis") as broker,
        ):
            config = Path(tmp) / "tajo.yaml"
            write_config(config, sandbox.urls)
            logs = Path(tmp)
            common = (sandbox, broker, config)
            if args.only in (None, "pipedrive"):
                pipedrive = run_pipedrive("limiter", *common, pages, args.workers, logs)
                pipedrive_base = run_pipedrive("celery", *common, pages, args.workers, logs)
            if args.only in (None, "shopify"):
                shopify = run_shopify("limiter", *common, args.shopify_pages, args.workers, logs)
                shopify_base = run_shopify(
                    "celery", *common, args.shopify_pages, args.workers, logs
                )
    finally:
        sandbox.stop()
    print(
        f"RESULT pipedrive_ratio={pipedrive['ratio']:.3f} "
        f"pipedrive_429_share={pipedrive['share']:.4f} "
        f"shopify_ratio={shopify['ratio']:.3f} shopify_429_share={shopify['share']:.4f} "
        f"baseline_ratio={pipedrive_base['ratio']:.3f} "
        f"shopify_baseline_ratio={shopify_base['ratio']:.3f}"
    )


if __name__ == "__main__":
    main()
