"""Backfill benchmark: a full sync from a sandbox vendor into the sandbox Brevo through real
worker processes (`celery worker -c 2`).

Pipedrive (the default): N persons. Prints records/s, Brevo requests (and per 10,000 contacts),
peak RSS per process, and the same figures for the baseline a user would otherwise write (one
Brevo call per person), measured on a sample in this same process against the same sandbox.
Ends with one line: RESULT records_per_s=<n> brevo_requests_per_10k=<n> peak_rss_mb=<n>

    .venv/bin/python bench/backfill.py --records 100000

Shopify (`--connector shopify`): orders, mode full, so one bulk export read back as JSONL in
pages, written as Brevo e-commerce orders (1,000 a call) and `order_placed` events (200 a
call). Two runs in one invocation, a small one (10,000 orders) and a large one (1,000,000 by
default; `--orders 100000` for a quick check), each with its records/s and the peak RSS of every
worker process; memory is flat when the large run's busiest pool process stays within 25% of
the small run's. Brevo's 100-per-hour bucket, which the orders endpoint shares, is lifted for
the run (sandbox account and `brevo.rate_limit.other_per_hour`). Ends with one line:
RESULT connector=shopify ... rss_ratio=<large/small>

    .venv/bin/python bench/backfill.py --connector shopify --orders 1000000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sandbox.server import SandboxHandle, start_sandbox
from sandbox.shopify.catalog import Catalog
from tasks.models import JobStatus
from tests.support import infra
from tests.support.stack import (
    BREVO_KEY,
    PIPEDRIVE_TOKEN,
    SHOPIFY_TOKEN,
    Stack,
    shopify_block,
    write_config,
)

SEED = 3
#: The sandbox shop's most orders per customer (its default).
ORDERS_PER_CUSTOMER_MAX = 4
#: Brevo's "other" bucket per hour in our limiter, for the Shopify run: as good as unmetered.
UNMETERED_PER_HOUR = 1_000_000


class RssSampler:
    """Peak resident memory of every process in the given trees, sampled in the background."""

    def __init__(self, roots: list[int], interval: float = 0.25) -> None:
        self.roots = roots
        self.interval = interval
        self.peaks: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for root in self.roots:
                try:
                    parent = psutil.Process(root)
                    tree = [parent, *parent.children(recursive=True)]
                except psutil.NoSuchProcess:
                    continue
                for proc in tree:
                    try:
                        label = f"{proc.pid} {' '.join(proc.cmdline()[2:6])}"[:70]
                        rss = proc.memory_info().rss / 2**20
                    except psutil.Error:
                        continue
                    self.peaks[label] = max(self.peaks.get(label, 0.0), rss)
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def run_pipeline(records: int, concurrency: int, tmp: Path) -> dict[str, float]:
    sandbox = start_sandbox(
        records=records,
        seed=3,
        pipedrive_token=PIPEDRIVE_TOKEN,
        brevo_api_key=BREVO_KEY,
        import_delay_seconds=0.5,
    )
    try:
        with infra.broker(tmp / "redis") as broker_url, infra.database(tmp) as database_url:
            stack = Stack(
                tmp, broker_url, database_url, write_config(tmp / "tajo.yaml", sandbox.urls)
            )
            try:
                worker = stack.start_worker(concurrency=concurrency)
                time.sleep(3)  # let the pool fork before the clock starts
                with RssSampler([worker.process.pid, psutil.Process().pid]) as rss:
                    started = time.monotonic()
                    stack.sync_persons()
                    jobs = stack.wait_for(
                        lambda js: any(j.status != JobStatus.RUNNING for j in js),
                        3600,
                        "the backfill",
                    )
                    seconds = time.monotonic() - started
                job = jobs[0]
                if job.status != JobStatus.SUCCEEDED:
                    raise SystemExit(f"job ended {job.status}: {job.error}\n{stack.logs()}")
            finally:
                stack.stop()
        written = job.written
        requests = sandbox.brevo.request_count()
        print(f"pipeline: {records} persons in {seconds:.1f}s = {records / seconds:.0f} records/s")
        print(f"  written {written}, dead letters {job.dead_lettered}")
        print(f"  Brevo requests {requests} ({sandbox.brevo.stats().get('requests_by_route')})")
        print("  peak RSS per process (MB):")
        for label, peak in sorted(rss.peaks.items(), key=lambda kv: -kv[1]):
            print(f"    {peak:8.1f}  {label}")
        return {
            "seconds": seconds,
            "records_per_s": records / seconds,
            "requests": requests,
            "requests_per_10k": requests / max(written, 1) * 10_000,
            "peak_rss_mb": max(rss.peaks.values()),
        }
    finally:
        sandbox.stop()


def run_baseline(sample: int) -> dict[str, float]:
    """One POST /contacts per person, as the peers do, under Brevo's 10 requests/s."""
    sandbox: SandboxHandle = start_sandbox(records=sample, seed=3)
    try:
        headers = {"api-key": BREVO_KEY, "accept": "application/json"}
        started = time.monotonic()
        with (
            httpx.Client(base_url=sandbox.urls["brevo"], headers=headers) as brevo,
            httpx.Client(
                base_url=sandbox.urls["pipedrive"], headers={"x-api-token": PIPEDRIVE_TOKEN}
            ) as pipedrive,
        ):
            page = pipedrive.get("/api/v2/persons", params={"limit": 500}).json()["data"]
            latencies = []
            for person in page[:sample]:
                email = next(
                    (e["value"] for e in person.get("emails") or [] if e.get("value")), None
                )
                if not email:
                    continue
                body = {
                    "email": email,
                    "updateEnabled": True,
                    "attributes": {"FIRSTNAME": person.get("first_name") or ""},
                }
                while True:
                    t0 = time.monotonic()
                    answer = brevo.post("/contacts", json=body)
                    latencies.append(time.monotonic() - t0)
                    if answer.status_code != 429:
                        break
                    time.sleep(float(answer.headers.get("x-sib-ratelimit-reset", "1")))
        seconds = time.monotonic() - started
        requests = sandbox.brevo.request_count()
        written = sandbox.brevo.contact_count()
        median_ms = statistics.median(latencies) * 1000
        print(
            f"baseline (one call per contact, sample {sample}): {requests} requests for "
            f"{written} contacts in {seconds:.1f}s, median call {median_ms:.1f} ms"
        )
        return {
            "requests_per_10k": requests / max(written, 1) * 10_000,
            "records_per_s": written / seconds,
        }
    finally:
        sandbox.stop()


def customers_for(orders: int, seed: int) -> tuple[int, int]:
    """(customers, orders they own): the fewest sandbox customers owning at least `orders`
    orders (each owns 0 to 4, about 2 on average; the counts are the fake's own)."""
    catalog = Catalog(seed, 1, ORDERS_PER_CUSTOMER_MAX, 1, 1)
    customers = owned = 0
    while owned < orders:
        customers += 1
        owned += catalog.base_order_count(customers)
    return customers, owned


def run_shopify_pipeline(orders: int, concurrency: int, tmp: Path) -> dict[str, float]:
    """A full sync of Shopify orders: one bulk export, read back in pages of JSONL, written
    to the sandbox Brevo as e-commerce orders and `order_placed` events."""
    customers, owned = customers_for(orders, SEED)
    sandbox = start_sandbox(
        records=10,
        seed=SEED,
        pipedrive_token=PIPEDRIVE_TOKEN,
        brevo_api_key=BREVO_KEY,
        import_delay_seconds=0.5,
        shopify_customers=customers,
        shopify_token=SHOPIFY_TOKEN,
    )
    # Orders go to `POST /v3/orders/status/batch`, in Brevo's 100-per-hour bucket on the general
    # plan (1,000 orders a call): lifted in the sandbox account and in our limiter, so the run
    # measures the pipeline rather than waiting out the hour.
    sandbox.brevo.set_bucket_limits("other", per_second=None, per_hour=None)
    try:
        with infra.broker(tmp / "redis") as broker_url, infra.database(tmp) as database_url:
            config = write_config(
                tmp / "tajo.yaml",
                sandbox.urls,
                sync={"persons": False},
                shopify=shopify_block(
                    sandbox.urls, sync={"customers": False, "orders": True}, bulk_poll_seconds=1.0
                ),
                brevo={"rate_limit": {"other_per_hour": UNMETERED_PER_HOUR}},
            )
            stack = Stack(tmp, broker_url, database_url, config)
            try:
                worker = stack.start_worker(concurrency=concurrency)
                time.sleep(3)  # let the pool fork before the clock starts
                with RssSampler([worker.process.pid]) as rss:
                    started = time.monotonic()
                    stack.sync("shopify", "orders", "full")
                    jobs = stack.wait_for(
                        lambda js: any(j.status != JobStatus.RUNNING for j in js),
                        4 * 3600,
                        "the backfill",
                    )
                    seconds = time.monotonic() - started
                job = jobs[0]
                if job.status != JobStatus.SUCCEEDED:
                    raise SystemExit(f"job ended {job.status}: {job.error}\n{stack.logs()}")
            finally:
                stack.stop()
        requests = sandbox.brevo.request_count()
        routes = sandbox.brevo.stats().get("requests_by_route")
        received = len(sandbox.brevo.orders_received())
    finally:
        sandbox.stop()
    main = str(worker.process.pid)
    pool = [peak for label, peak in rss.peaks.items() if label.split()[0] != main]
    parent = [peak for label, peak in rss.peaks.items() if label.split()[0] == main]
    print(
        f"shopify orders: {owned} orders ({customers} customers) in {seconds:.1f}s = "
        f"{owned / seconds:.0f} records/s"
    )
    print(
        f"  fetched {job.fetched}, written {job.written}, unchanged {job.unchanged}, "
        f"dead letters {job.dead_lettered}; Brevo holds {received} orders"
    )
    print(f"  Brevo requests {requests} ({routes})")
    print("  peak RSS per worker process (MB; pid, command; the pool's parent is `main`):")
    for label, peak in sorted(rss.peaks.items(), key=lambda kv: -kv[1]):
        role = "main" if label.split()[0] == main else "pool"
        print(f"    {peak:8.1f}  {role}  {label}")
    return {
        "orders": owned,
        "seconds": seconds,
        "records_per_s": owned / seconds,
        "peak_rss_mb": max(pool, default=0.0),
        "main_rss_mb": max(parent, default=0.0),
    }


def shopify_main(args: argparse.Namespace) -> None:
    print(
        "Brevo's 100-per-hour bucket (orders, e-commerce) is lifted for this run: in the "
        "sandbox account and in brevo.rate_limit.other_per_hour"
    )
    runs = {}
    for label, orders in (("small", args.small_orders), ("large", args.orders)):
        with tempfile.TemporaryDirectory(prefix="tajo-bench-") as tmp:
            runs[label] = run_shopify_pipeline(orders, args.concurrency, Path(tmp))
    small, large = runs["small"], runs["large"]
    ratio = large["peak_rss_mb"] / small["peak_rss_mb"]
    print(
        f"peak RSS of a pool process: {small['peak_rss_mb']:.1f} MB for {small['orders']:.0f} "
        f"orders, {large['peak_rss_mb']:.1f} MB for {large['orders']:.0f}: {ratio:.3f}x "
        f"(flat: within 25%)"
    )
    print(
        f"RESULT connector=shopify orders_small={small['orders']:.0f} "
        f"orders_large={large['orders']:.0f} "
        f"records_per_s_small={small['records_per_s']:.0f} "
        f"records_per_s_large={large['records_per_s']:.0f} "
        f"peak_rss_small_mb={small['peak_rss_mb']:.1f} "
        f"peak_rss_large_mb={large['peak_rss_mb']:.1f} rss_ratio={ratio:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connector", choices=["pipedrive", "shopify"], default="pipedrive")
    parser.add_argument("--records", type=int, default=100_000, help="Pipedrive persons")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--baseline-sample", type=int, default=200)
    parser.add_argument(
        "--orders", type=int, default=1_000_000, help="Shopify orders of the large run"
    )
    parser.add_argument(
        "--small-orders", type=int, default=10_000, help="Shopify orders of the small run"
    )
    args = parser.parse_args()
    if args.connector == "shopify":
        shopify_main(args)
        return
    with tempfile.TemporaryDirectory(prefix="tajo-bench-") as tmp:
        ours = run_pipeline(args.records, args.concurrency, Path(tmp))
    base = run_baseline(args.baseline_sample)
    print(
        f"ratio: {base['requests_per_10k'] / max(ours['requests_per_10k'], 1e-9):.0f}x fewer "
        f"Brevo requests than the baseline; {ours['records_per_s'] / base['records_per_s']:.0f}x "
        f"the baseline's records/s"
    )
    print(
        f"RESULT records_per_s={ours['records_per_s']:.0f} "
        f"brevo_requests_per_10k={ours['requests_per_10k']:.2f} "
        f"peak_rss_mb={ours['peak_rss_mb']:.0f}"
    )


if __name__ == "__main__":
    main()
