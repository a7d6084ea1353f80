"""The Celery app `bench/ratelimit.py` starts workers with (`celery -A ratelimit_worker worker`).

One task, `bench.pull_page`, on the `src.pipedrive` queue, with Tajo's task base (`PolicyTask`:
short waits slept through, longer ones re-enqueued). It reads one page of persons with the real
Pipedrive client (organization lookups included), enqueues the next page of its chain as soon as
the cursor is known, and drops the records: the benchmark measures the vendor side, so mapping and
Brevo writes stay out of the CPU budget the sandbox needs on a small machine.

Two modes, from BENCH_MODE:
- `limiter`: the runtime carries the shared Redis limiter, so the client announces every request
  to the gate (a burst slot per request, in Redis, for all workers together);
- `celery`: no shared limiter; the task has Celery's own `rate_limit`, which each worker instance
  enforces for itself (the vendor's limit split across the workers, as an operator would set it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import redis
from celery import Celery
from sqlalchemy.orm import Session

from connectors.pipedrive.client import PipedriveClient
from tasks import runtime
from tasks.policy import PolicyTask
from workers.config import ConfigCache
from workers.limiter import limiter_for

BROKER = os.environ["BENCH_BROKER"]
MODE = os.environ.get("BENCH_MODE", "limiter")
CONFIG = Path(os.environ["BENCH_CONFIG"])
#: Celery's rate_limit for the baseline, in tasks per second per worker instance.
CELERY_RATE = os.environ.get("BENCH_CELERY_RATE", "10/s")
PAGES_KEY = "bench:pages"
QUEUE = "src.pipedrive"

app = Celery("bench", broker=BROKER)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_default_queue=QUEUE,
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    broker_transport_options={"visibility_timeout": 3600},
)

_cache = ConfigCache(CONFIG)


def _no_database() -> Session:
    raise RuntimeError("the rate-limit benchmark uses no database")


runtime.install(
    runtime.Runtime(
        new_session=_no_database,
        config=_cache.get,
        limiter=limiter_for(BROKER) if MODE == "limiter" else None,
    )
)
_counter = redis.Redis.from_url(BROKER)
_clients: dict[int, PipedriveClient] = {}


def _client() -> PipedriveClient:
    pid = os.getpid()
    if pid not in _clients:
        settings = _cache.get().connectors.pipedrive
        assert settings is not None
        _clients[pid] = PipedriveClient(settings)
    return _clients[pid]


@app.task(
    name="bench.pull_page",
    base=PolicyTask,
    bind=True,
    rate_limit=CELERY_RATE if MODE == "celery" else None,
)
def pull_page(self: Any, *, chain: int, cursor: str | None, pages: int) -> int:
    if int(_counter.get(PAGES_KEY) or 0) >= pages:
        return 0
    page = _client().list_persons(cursor)
    done = _counter.incr(PAGES_KEY)
    if page.next_cursor is not None and done < pages:
        # The next page goes out before anything else is done with this one (pipelining).
        pull_page.apply_async(kwargs={"chain": chain, "cursor": page.next_cursor, "pages": pages})
    return len(page.records)
