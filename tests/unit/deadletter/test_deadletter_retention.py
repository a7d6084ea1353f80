"""Retention ages (`tajo deadletter purge --older-than 30d`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from deadletter.retention import cutoff, parse_age


@pytest.mark.parametrize(
    ("text", "age"),
    [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)), ("90m", timedelta(minutes=90)),
     ("2w", timedelta(weeks=2)), (" 7 d ", timedelta(days=7))],
)  # fmt: skip
def test_an_age_reads_as_minutes_hours_days_or_weeks(text: str, age: timedelta) -> None:
    assert parse_age(text) == age


@pytest.mark.parametrize("text", ["", "30", "d", "0d", "-1d", "3y", "1.5d"])
def test_anything_else_is_refused_with_an_example(text: str) -> None:
    with pytest.raises(ValueError, match="30d"):
        parse_age(text)


def test_the_cutoff_is_that_long_before_now() -> None:
    now = datetime(2025, 1, 31, tzinfo=UTC)
    assert cutoff(timedelta(days=30), now) == datetime(2025, 1, 1, tzinfo=UTC)
