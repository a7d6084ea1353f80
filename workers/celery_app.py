"""The Celery app (`celery -A workers ...`): broker, queues, routes, reliability defaults.

JSON only (task arguments are ids, cursors and mapped payloads, never objects or secrets);
acks_late + reject_on_worker_lost + prefetch 1 so a killed worker's task is redelivered, not lost.
"""

from __future__ import annotations

from celery import Celery
from sqlalchemy.orm import Session

from tasks import runtime
from tasks.policy import PolicyTask
from workers import db, embedded
from workers.config import ConfigCache
from workers.limiter import is_redis_url, limiter_for
from workers.routing import declared_queues, route_task
from workers.schedule import beat_schedule
from workers.settings import Settings, get_settings

TASK_MODULES = ["tasks.sync", "tasks.brevo", "tasks.parking", "tasks.refetch"]


def broker_url(settings: Settings) -> str:
    if settings.broker_url:
        return settings.broker_url
    embedded.ensure_embedded_redis(settings.var_path)
    return embedded.broker_url_for(settings.var_path)


def install_runtime(settings: Settings, broker: str | None = None) -> ConfigCache:
    """Hand tasks their database, config and, when `broker` is a Redis, the shared limiter."""
    url = settings.effective_database_url()
    cache = ConfigCache(settings.config)

    def new_session() -> Session:
        return Session(db.get_engine(url), expire_on_commit=False)

    limiter = limiter_for(broker) if broker and is_redis_url(broker) else None
    runtime.install(runtime.Runtime(new_session=new_session, config=cache.get, limiter=limiter))
    PolicyTask.max_retries = settings.max_error_retries
    PolicyTask.backoff_cap = settings.retry_backoff_cap_seconds
    return cache


def create_app(settings: Settings | None = None) -> Celery:
    settings = settings or get_settings()
    url = broker_url(settings)
    config_cache = install_runtime(settings, url)
    app = Celery("tajo", broker=url, backend=url, include=TASK_MODULES)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_queues=declared_queues(),
        task_default_queue="sync.control",
        task_routes=(route_task,),
        task_send_sent_event=True,
        worker_send_task_events=True,
        task_track_started=True,
        result_expires=24 * 3600,
        result_extended=True,
        broker_transport_options={"visibility_timeout": settings.visibility_timeout},
        result_backend_transport_options={"visibility_timeout": settings.visibility_timeout},
        # A task whose body finished while Redis restarts must not fail "outside its body"
        # (Celery then acks it as failed and its outcome is lost): storing the result waits
        # for Redis to come back, about a minute at most, like the broker connection does.
        result_backend_always_retry=True,
        result_backend_max_retries=40,
        result_backend_base_sleep_between_retries_ms=100,
        result_backend_max_sleep_between_retries_ms=2000,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        timezone="UTC",
        beat_schedule=beat_schedule(config_cache.get()),
    )
    return app


_app: Celery | None = None


def get_app() -> Celery:
    """The process's app, built once."""
    global _app
    if _app is None:
        _app = create_app()
    return _app
