"""Worker processes per vendor, from the config: `connectors.<vendor>.concurrency`.

A worker started on one vendor's queue without `-c` (`celery -A workers worker -Q src.pipedrive`,
as compose runs it) takes that vendor's configured concurrency, so the number of slots a vendor
may hold lives next to its rate limit in tajo.yaml. An explicit `-c` always wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from celery.signals import celeryd_init

from connectors.config import TajoConfig
from tasks.queues import VENDORS, source_queue

#: Processes for a vendor whose settings name none.
DEFAULT_VENDOR_CONCURRENCY = 2


def vendor_concurrency(config: TajoConfig, vendor: str) -> int:
    settings = getattr(config.connectors, vendor, None)
    value = getattr(settings, "concurrency", None)
    return value if isinstance(value, int) and value > 0 else DEFAULT_VENDOR_CONCURRENCY


def concurrency_for_queues(config: TajoConfig, queues: Iterable[str]) -> int | None:
    """The configured concurrency of a worker that consumes only vendor source queues (the
    largest of theirs), or None when it consumes anything else (Celery's default applies)."""
    by_queue = {source_queue(vendor): vendor for vendor in VENDORS}
    wanted = [q.strip() for q in queues if q.strip()]
    if not wanted or any(q not in by_queue for q in wanted):
        return None
    return max(vendor_concurrency(config, by_queue[q]) for q in wanted)


def _queues_option(options: dict[str, Any]) -> list[str]:
    raw = options.get("queues") or []
    if isinstance(raw, str):
        return raw.split(",")
    return [str(q) for q in raw]


def install(config: TajoConfig) -> None:
    """Set a vendor worker's concurrency from the config before the worker builds its pool."""

    def configure(sender: Any = None, conf: Any = None, options: Any = None, **_: Any) -> None:
        if conf is None or not isinstance(options, dict) or options.get("concurrency"):
            return
        chosen = concurrency_for_queues(config, _queues_option(options))
        if chosen is not None:
            conf.worker_concurrency = chosen

    celeryd_init.connect(configure, weak=False)
