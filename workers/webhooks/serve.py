"""`tajo webhooks serve`: the ingress wired to the real broker, Redis and config, under uvicorn."""

from __future__ import annotations

from typing import Any

import uvicorn
from starlette.applications import Starlette

from workers.config import ConfigCache
from workers.limiter import is_redis_url, redis_client
from workers.settings import Settings, get_settings
from workers.webhooks.app import create_app
from workers.webhooks.gate import Gate
from workers.webhooks.settings import IngressSettings


def build_app(
    settings: IngressSettings | None = None, process: Settings | None = None
) -> Starlette:
    """The ingress for this process's broker and config (`process` defaults to TAJO_*)."""
    from workers.celery_app import create_app as create_celery_app

    settings = settings or IngressSettings()
    process = process or get_settings()
    celery = create_celery_app(process)
    broker = str(celery.conf.broker_url)
    if not is_redis_url(broker):
        raise SystemExit("the webhook ingress needs a Redis broker (TAJO_BROKER_URL=redis://...)")
    gate = Gate(
        redis_client(broker),
        dedupe_ttl_seconds=settings.dedupe_ttl_seconds,
        debounce_seconds=settings.debounce_seconds,
    )
    cache = ConfigCache(process.config)

    def enqueue(task: str, kwargs: dict[str, Any], countdown: float) -> None:
        # Routed like every task (workers.routing): refetches to src.<connector>, events to
        # sink.brevo.
        celery.send_task(task, kwargs=kwargs, countdown=countdown or None)

    return create_app(config=cache.get, gate=gate, enqueue=enqueue, settings=settings)


def serve(settings: IngressSettings) -> None:
    uvicorn.run(
        build_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
