"""Beat entries from the config: `schedule: {incremental: "*/5 * * * *", full: "0 3 * * 0"}`.

Each entry is named `sync-<connector>-<resource>-<mode>` and expires before the next tick, so a
backlog of ticks never piles up behind a stopped worker.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from celery.schedules import crontab

from connectors.config import TajoConfig
from connectors.core.errors import ConfigError
from deadletter.retention import parse_age
from tasks.streams import SUPPORTED

_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_schedule(text: str, key_path: str) -> tuple[Any, float]:
    """A crontab string or an interval like `15m`; returns (schedule, expiry seconds)."""
    match = _INTERVAL.match(text)
    if match:
        seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        if seconds <= 0:
            raise ConfigError(key_path, "an interval must be positive")
        return timedelta(seconds=seconds), float(seconds)
    fields = text.split()
    if len(fields) != 5:
        raise ConfigError(key_path, f"{text!r} is neither a crontab (5 fields) nor an interval")
    minute, hour, day_of_month, month_of_year, day_of_week = fields
    try:
        schedule = crontab(
            minute=minute,
            hour=hour,
            day_of_month=day_of_month,
            month_of_year=month_of_year,
            day_of_week=day_of_week,
        )
    except (ValueError, TypeError) as exc:
        raise ConfigError(key_path, f"bad crontab: {exc}") from None
    return schedule, 60.0


def purge_entry(config: TajoConfig) -> dict[str, Any]:
    """The daily dead-letter purge; a bad retention age is a config error naming its key."""
    retention = config.deadletters.retention
    try:
        parse_age(retention)
    except ValueError as exc:
        raise ConfigError("deadletters.retention", str(exc)) from None
    schedule, expires = parse_schedule(
        config.deadletters.purge_schedule, "deadletters.purge_schedule"
    )
    return {
        "task": "deadletter.purge",
        "schedule": schedule,
        "kwargs": {"older_than": retention},
        "options": {"expires": expires},
    }


def beat_schedule(config: TajoConfig) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {"deadletter-purge": purge_entry(config)}
    for name, settings in config.enabled_connectors().items():
        # A resource in `realtime` mode is kept in step by webhooks alone: no scheduled runs.
        modes = getattr(settings, "modes", {})
        resources = [
            r
            for r, on in settings.sync.model_dump().items()
            if on and (name, r) in SUPPORTED and modes.get(r) != "realtime"
        ]
        for mode in ("incremental", "full"):
            text = getattr(settings.schedule, mode)
            if not text:
                continue
            schedule, expires = parse_schedule(text, f"connectors.{name}.schedule.{mode}")
            for resource in resources:
                entries[f"sync-{name}-{resource}-{mode}"] = {
                    "task": "sync.run",
                    "schedule": schedule,
                    "kwargs": {"connector": name, "resource": resource, "mode": mode},
                    "options": {"expires": expires},
                }
    return entries
