"""Rate-limit benchmark: how near Pipedrive's limit N Celery workers get, and how many 429s.

The sandbox Pipedrive enforces 80 requests per 2 s per token. N real Celery worker processes
(`celery worker -Q src.pipedrive -c 1`, one instance each, as separate deployments would run)
read a backfill of 500-person pages with the real Pipedrive client (organization lookups
included) and Tajo's task base, until the backfill's page count is read; twice, in one run:
- through the shared Redis limiter: every request takes a slot of one global sliding window;
- the baseline: Celery's own `rate_limit` on the task, the vendor's limit split across the
  workers (Celery enforces it per worker instance, and per task, not per request).
See `bench/ratelimit_worker.py` for the task. Prints achieved successful requests per second
(counted by the sandbox) divided by the limit, and 429s as a share of all requests.

The Shopify half (a 1,000-point GraphQL bucket) needs a Shopify GraphQL sandbox, which does not
exist yet: its figures print as `na`.

    .venv/bin/python bench/ratelimit.py --records 200000 --workers 4
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis
from celery import Celery

from sandbox.server import SandboxHandle, start_sandbox
from tests.support import infra
from tests.support.stack import PIPEDRIVE_TOKEN

BURST = 80
WINDOW_SECONDS = 2.0
PAGE_SIZE = 500
BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent


def write_config(path: Path, pipedrive_url: str) -> None:
    block = {
        "api_token": PIPEDRIVE_TOKEN,
        "base_url": pipedrive_url,
        "page_size": PAGE_SIZE,
        "rate_limit": {"requests": BURST, "per_seconds": WINDOW_SECONDS},
    }
    path.write_text(json.dumps({"connectors": {"pipedrive": block}}), encoding="utf-8")


def start_workers(
    mode: str, broker: str, config: Path, workers: int, logs: Path
) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "BENCH_BROKER": broker,
        "BENCH_MODE": mode,
        "BENCH_CONFIG": str(config),
        # Celery's rate_limit counts tasks per worker instance: the limit split across them.
        "BENCH_CELERY_RATE": f"{BURST / WINDOW_SECONDS / workers:g}/s",
        "PYTHONPATH": os.pathsep.join([str(BENCH_DIR), str(ROOT)]),
    }
    procs = []
    for i in range(workers):
        command = [
            sys.executable, "-m", "celery", "-A", "ratelimit_worker", "worker",
            "-Q", "src.pipedrive", "-c", "1", "-n", f"bench{i}@%h", "--loglevel", "WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        log = open(logs / f"{mode}-{i}.log", "ab")  # noqa: SIM115 - closed with the process
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


def run(
    mode: str, sandbox: SandboxHandle, broker: str, config: Path, pages: int, workers: int,
    logs: Path,
) -> dict[str, float]:  # fmt: skip
    client = redis.Redis.from_url(broker)
    client.flushdb()
    sandbox.pipedrive.reset()
    time.sleep(WINDOW_SECONDS)  # the fake's window from the previous run has passed
    procs = start_workers(mode, broker, config, workers, logs)
    try:
        app = Celery(broker=broker)
        for chain in range(workers):
            # One chain per worker, each paging from the start, as separate streams would.
            app.send_task(
                "bench.pull_page",
                kwargs={"chain": chain, "cursor": None, "pages": pages},
                queue="src.pipedrive",
            )
        deadline = time.monotonic() + 3600
        while int(client.get("bench:pages") or 0) < pages:
            if time.monotonic() > deadline:
                raise RuntimeError("the backfill did not finish in an hour")
            time.sleep(0.2)
    finally:
        stop_workers(procs)
    arrivals = [a for a in sandbox.pipedrive.arrivals.all() if a.route.startswith("/api/v2")]
    refused = sum(1 for a in arrivals if a.status == 429)
    ok = sum(1 for a in arrivals if a.status == 200)
    seconds = max(a.at for a in arrivals) - min(a.at for a in arrivals)
    ratio = ok / seconds / (BURST / WINDOW_SECONDS)
    share = refused / max(len(arrivals), 1)
    print(
        f"{mode}: {pages} pages, {len(arrivals)} requests ({ok} ok, {refused} 429s) in "
        f"{seconds:.1f}s = {ok / seconds:.1f} ok requests/s, {ratio:.3f} of the limit, "
        f"429 share {share:.4f}",
        flush=True,
    )
    return {"ratio": ratio, "share": share}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    pages = -(-args.records // PAGE_SIZE)
    sandbox = start_sandbox(
        records=args.records, seed=3, pipedrive_token=PIPEDRIVE_TOKEN, pipedrive_burst=BURST
    )
    try:
        with (
            tempfile.TemporaryDirectory(prefix="tajo-bench-") as tmp,
            infra.broker(Path(tmp) / "redis") as broker,
        ):
            config = Path(tmp) / "tajo.yaml"
            write_config(config, sandbox.urls["pipedrive"])
            logs = Path(tmp)
            ours = run("limiter", sandbox, broker, config, pages, args.workers, logs)
            base = run("celery", sandbox, broker, config, pages, args.workers, logs)
    finally:
        sandbox.stop()
    print(
        f"RESULT pipedrive_ratio={ours['ratio']:.3f} pipedrive_429_share={ours['share']:.4f} "
        f"shopify_ratio=na shopify_429_share=na baseline_ratio={base['ratio']:.3f}"
    )


if __name__ == "__main__":
    main()
