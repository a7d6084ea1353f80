"""The Celery app and everything that runs it: settings, queues, beat, database, CLI.

`celery -A workers worker|beat|flower|call|inspect` finds the app here. It is built on first use, so
commands that need no broker (`tajo config check`, `tajo db upgrade`) never start one.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "app":
        from workers.celery_app import get_app

        return get_app()
    raise AttributeError(f"module 'workers' has no attribute {name!r}")
