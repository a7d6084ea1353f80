from __future__ import annotations

from typing import Any

import pytest

from connectors.core.paging import chunked, high_water_mark, unique


def test_chunks_keep_order_and_never_exceed_the_size() -> None:
    assert list(chunked(list(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunked([], 3)) == []


def test_a_chunk_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(chunked([1], 0))


def test_unique_keeps_the_first_occurrence_in_order() -> None:
    assert unique([3, 1, 3, 2, 1]) == [3, 1, 2]


def test_the_high_water_mark_compares_instants_not_strings() -> None:
    records: list[dict[str, Any]] = [
        {"update_time": "2025-01-01T10:00:00Z"},
        {"update_time": "2025-01-01T10:00:00.500Z"},
        {"update_time": "2025-01-01T11:00:00+02:00"},  # 09:00 UTC: earlier despite the string
        {"update_time": None},
        {"update_time": "not a date"},
        {},
    ]

    assert high_water_mark(records, "update_time") == "2025-01-01T10:00:00.500Z"


def test_a_page_without_timestamps_has_no_high_water_mark() -> None:
    assert high_water_mark([{"id": 1}], "update_time") is None
