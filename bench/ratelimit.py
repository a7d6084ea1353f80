"""Rate-limit benchmark: how near Pipedrive's limit N processes get, and how many 429s they earn.

The sandbox Pipedrive enforces 80 requests per 2 s per token. N processes (spawned, like separate
worker processes on `src.pipedrive`) page through a backfill of 500-person pages until the whole
backfill is read, twice:
- through the shared Redis limiter (workers.limiter), as the tasks call it;
- with Celery's own `rate_limit` semantics as the baseline: a token bucket per process at the full
  rate (Celery counts per worker process), sleeping for the reset after a 429.
Prints achieved successful requests/s divided by the limit, and 429s as a share of all requests.
Shopify is not built yet, so its keys are left out of the RESULT line.

    .venv/bin/python bench/ratelimit.py --records 200000 --processes 4
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import SecretStr

from connectors.core.ratelimit import rate_limit_signal
from sandbox.server import start_sandbox
from tasks import limits
from tasks.runtime import Bucket
from tests.support import infra
from tests.support.stack import PIPEDRIVE_TOKEN
from workers.limiter import limiter_for, redis_client

BURST = 80
WINDOW_SECONDS = 2.0
PAGE_SIZE = 500
PAGES_KEY = "bench:pages"


def _wait_after_429(response: httpx.Response) -> float:
    signal = rate_limit_signal(response.headers, prefix="x-ratelimit")
    return signal.wait_seconds() or 1.0


def _worker(
    mode: str, broker: str, pipedrive: str, pages: int, page_size: int, start: float, out: Any
) -> None:
    """Page through persons until the shared page count reaches `pages`; report what was sent."""
    limiter = limiter_for(broker)
    counter = redis_client(broker)
    bucket = Bucket("burst", BURST, WINDOW_SECONDS)
    credential = limits.fingerprint(SecretStr(PIPEDRIVE_TOKEN))
    interval = WINDOW_SECONDS / BURST  # Celery's rate_limit: one task per interval per process
    next_slot = 0.0
    sent = throttled = 0
    cursor: str | None = None
    with httpx.Client(base_url=pipedrive, headers={"x-api-token": PIPEDRIVE_TOKEN}) as client:
        time.sleep(max(0.0, start - time.time()))
        while int(counter.get(PAGES_KEY) or 0) < pages:
            if mode == "limiter":
                wait = limiter.acquire("pipedrive", credential, bucket)
                if wait > 0:
                    time.sleep(wait)
                    continue
            else:
                now = time.monotonic()
                if now < next_slot:
                    time.sleep(next_slot - now)
                next_slot = max(now, next_slot) + interval
            params: dict[str, str | int] = {"limit": page_size}
            if cursor:
                params["cursor"] = cursor
            response = client.get("/api/v2/persons", params=params)
            sent += 1
            if response.status_code == 429:
                throttled += 1
                if mode == "limiter":
                    limiter.pause("pipedrive", credential, bucket.name, _wait_after_429(response))
                else:
                    time.sleep(_wait_after_429(response))
                continue
            response.raise_for_status()
            counter.incr(PAGES_KEY)
            if mode == "limiter":
                signal = rate_limit_signal(response.headers, prefix="x-ratelimit")
                if signal.exhausted:
                    limiter.pause("pipedrive", credential, bucket.name, signal.wait_seconds() or 1)
            cursor = (response.json().get("additional_data") or {}).get("next_cursor")
    out.put((sent, throttled, time.time()))


def run(
    mode: str, broker: str, pipedrive: str, pages: int, page_size: int, processes: int
) -> dict[str, float]:
    redis_client(broker).flushdb()
    time.sleep(WINDOW_SECONDS)  # the fake's window from the previous run has passed
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start = time.time() + 3.0  # every process spawned and connected before the clock starts
    procs = [
        ctx.Process(target=_worker, args=(mode, broker, pipedrive, pages, page_size, start, out))
        for _ in range(processes)
    ]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=3600) for _ in procs]
    for proc in procs:
        proc.join()
    sent = sum(r[0] for r in results)
    throttled = sum(r[1] for r in results)
    seconds = max(r[2] for r in results) - start
    ok_per_s = (sent - throttled) / seconds
    ratio = ok_per_s / (BURST / WINDOW_SECONDS)
    share = throttled / max(sent, 1)
    print(
        f"{mode}: {sent - throttled} pages ({sent} requests, {throttled} 429s) in {seconds:.1f}s"
        f" = {ok_per_s:.1f} requests/s, {ratio:.3f} of the limit, 429 share {share:.4f}"
    )
    return {"ratio": ratio, "share": share}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--processes", type=int, default=4)
    # Smaller pages tell the limiter's ceiling from the fake's own serving speed.
    parser.add_argument("--page-size", type=int, default=PAGE_SIZE)
    args = parser.parse_args()
    pages = -(-args.records // args.page_size)
    sandbox = start_sandbox(
        records=args.records, seed=3, pipedrive_token=PIPEDRIVE_TOKEN, pipedrive_burst=BURST
    )
    try:
        with (
            tempfile.TemporaryDirectory(prefix="tajo-bench-") as tmp,
            infra.broker(Path(tmp) / "redis") as broker,
        ):
            url = sandbox.urls["pipedrive"]
            ours = run("limiter", broker, url, pages, args.page_size, args.processes)
            base = run("celery_rate_limit", broker, url, pages, args.page_size, args.processes)
    finally:
        sandbox.stop()
    print(
        f"RESULT pipedrive_ratio={ours['ratio']:.3f} pipedrive_429_share={ours['share']:.4f} "
        f"baseline_ratio={base['ratio']:.3f} baseline_429_share={base['share']:.4f}"
    )


if __name__ == "__main__":
    main()
