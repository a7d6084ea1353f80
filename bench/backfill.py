"""Backfill benchmark: N sandbox Pipedrive persons into the sandbox Brevo through real workers.

Prints records/s, Brevo requests (and per 10,000 contacts), peak RSS per process, and the same
figures for the baseline a user would otherwise write (one Brevo call per person), measured on a
sample in this same process against the same sandbox. Ends with one line:
RESULT records_per_s=<n> brevo_requests_per_10k=<n> peak_rss_mb=<n>

    .venv/bin/python bench/backfill.py --records 100000
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
from tasks.models import JobStatus
from tests.support import infra
from tests.support.stack import BREVO_KEY, PIPEDRIVE_TOKEN, Stack, write_config


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--baseline-sample", type=int, default=200)
    args = parser.parse_args()
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
