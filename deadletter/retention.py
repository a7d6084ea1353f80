"""How long dead letters are kept: ages like `30d`, `12h` or `90m`, and the cut-off they give."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final

_AGE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNIT: Final = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_age(text: str) -> timedelta:
    """`30d` -> 30 days; minutes, hours, days or weeks. `ValueError` for anything else."""
    match = _AGE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not an age like 30d, 12h, 90m or 2w")
    amount, unit = int(match.group(1)), match.group(2)
    if amount <= 0:
        raise ValueError(f"{text!r}: an age must be positive, like 30d")
    return timedelta(**{_UNIT[unit]: amount})


def cutoff(age: timedelta, now: datetime | None = None) -> datetime:
    """The moment before which a row is older than `age`."""
    return (now or datetime.now(UTC)) - age
