"""The Celery app `bench/ratelimit.py` starts workers with (`celery -A ratelimit_worker worker`).

One task per vendor, with Tajo's task base (`PolicyTask`: short waits slept through, longer ones
re-enqueued), on the vendor's queue:
- `bench.pull_page` (`src.pipedrive`): one page of persons with the real Pipedrive client
  (organization lookups included);
- `bench.shopify_page` (`src.shopify`): one incremental page of customers with the real Shopify
  client (`list_page`, GraphQL), its size chosen by the benchmark for the query cost it wants.
Each enqueues the next page of its chain as soon as the cursor is known and drops the records:
the benchmark measures the vendor side, so mapping and Brevo writes stay out of the CPU budget
the sandbox needs on a small machine.

Two modes, from BENCH_MODE:
- `limiter`: the runtime carries the shared Redis limiter, so the client announces every request
  to the gate (Pipedrive: a burst slot per request; Shopify: the query's requested cost, settled
  to its actual cost once Shopify says it; in Redis, for all workers together);
- `celery`: no shared limiter; the task has Celery's own `rate_limit`, which each worker instance
  enforces for itself (the vendor's limit split across the workers, as an operator would set it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from celery import Celery
from sqlalchemy.orm import Session

from connectors.pipedrive.client import PipedriveClient
from connectors.shopify.client import ShopifyClient
from tasks import runtime
from tasks.policy import PolicyTask
from workers.config import ConfigCache
from workers.limiter import limiter_for, redis_client

BROKER = os.environ["BENCH_BROKER"]
MODE = os.environ.get("BENCH_MODE", "limiter")
CONFIG = Path(os.environ["BENCH_CONFIG"])
#: Celery's rate_limit for the baseline, in tasks per worker instance ("10/s", "7.5/m").
CELERY_RATE = os.environ.get("BENCH_CELERY_RATE", "10/s")
#: Customers per Shopify page (the benchmark sizes it for the query cost it wants).
SHOPIFY_PAGE = int(os.environ.get("BENCH_SHOPIFY_PAGE", "16"))
PAGES_KEY = "bench:pages"

app = Celery("bench", broker=BROKER)
app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    task_routes={
        "bench.pull_page": {"queue": "src.pipedrive"},
        "bench.shopify_page": {"queue": "src.shopify"},
    },
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
_counter = redis_client(BROKER)
_pipedrive: dict[int, PipedriveClient] = {}
_shopify: dict[int, ShopifyClient] = {}
_celery_rate = CELERY_RATE if MODE == "celery" else None


def _pipedrive_client() -> PipedriveClient:
    pid = os.getpid()
    if pid not in _pipedrive:
        settings = _cache.get().connectors.pipedrive
        assert settings is not None
        _pipedrive[pid] = PipedriveClient(settings)
    return _pipedrive[pid]


def _shopify_client() -> ShopifyClient:
    pid = os.getpid()
    if pid not in _shopify:
        settings = _cache.get().connectors.shopify
        assert settings is not None
        _shopify[pid] = ShopifyClient(settings)
    return _shopify[pid]


@app.task(name="bench.pull_page", base=PolicyTask, bind=True, rate_limit=_celery_rate)
def pull_page(self: Any, *, chain: int, cursor: str | None, pages: int) -> int:
    if int(_counter.get(PAGES_KEY) or 0) >= pages:
        return 0
    page = _pipedrive_client().list_persons(cursor)
    done = _counter.incr(PAGES_KEY)
    if page.next_cursor is not None and done < pages:
        # The next page goes out before anything else is done with this one (pipelining).
        pull_page.apply_async(kwargs={"chain": chain, "cursor": page.next_cursor, "pages": pages})
    return len(page.records)


@app.task(name="bench.shopify_page", base=PolicyTask, bind=True, rate_limit=_celery_rate)
def shopify_page(self: Any, *, chain: int, cursor: str | None, pages: int) -> int:
    if int(_counter.get(PAGES_KEY) or 0) >= pages:
        return 0
    page = _shopify_client().list_page("customers", cursor, limit=SHOPIFY_PAGE)
    done = _counter.incr(PAGES_KEY)
    if page.next_cursor is not None and done < pages:
        shopify_page.apply_async(
            kwargs={"chain": chain, "cursor": page.next_cursor, "pages": pages}
        )
    return len(page.records)
