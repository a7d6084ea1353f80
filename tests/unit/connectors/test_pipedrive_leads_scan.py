"""The newest-first leads scan: where it stops, where it goes on, and when it reports its mark."""

from __future__ import annotations

import pytest

from connectors.pipedrive.leads import ScanPosition, decode_cursor, encode_cursor, next_step


def lead(n: int, updated: str) -> dict[str, object]:
    return {"id": f"lead-{n}", "update_time": updated}


def test_a_cursor_names_the_next_start_and_the_mark_held_back() -> None:
    position = ScanPosition(500, "2025-02-01T10:00:00.000Z")

    assert encode_cursor(position) == "500@2025-02-01T10:00:00.000Z"
    assert decode_cursor(encode_cursor(position)) == position
    assert decode_cursor("40") == ScanPosition(40)
    assert decode_cursor(None) == ScanPosition(0)


@pytest.mark.parametrize("cursor", ["abc", "-5", "@2025-01-01"])
def test_a_cursor_this_client_did_not_write_is_refused(cursor: str) -> None:
    with pytest.raises(ValueError, match="leads cursor"):
        decode_cursor(cursor)


def test_a_middle_page_reports_no_mark_and_carries_the_newest_one_on() -> None:
    page = [lead(1, "2025-03-01T00:00:00.000Z"), lead(2, "2025-02-01T00:00:00.000Z")]

    step = next_step(ScanPosition(0), page, more=True, next_start=2, updated_since=None)

    assert step.records == page
    assert step.high_water is None
    assert step.next_cursor == "2@2025-03-01T00:00:00.000Z"


def test_the_last_page_reports_the_newest_change_of_the_whole_scan() -> None:
    held = ScanPosition(4, "2025-03-01T00:00:00.000Z")

    step = next_step(
        held, [lead(5, "2024-01-01T00:00:00.000Z")], more=False, next_start=None, updated_since=None
    )

    assert step.next_cursor is None
    assert step.high_water == "2025-03-01T00:00:00.000Z"


def test_an_incremental_scan_stops_at_the_first_lead_older_than_the_mark() -> None:
    page = [
        lead(1, "2025-03-01T00:00:00.000Z"),
        lead(2, "2025-02-01T00:00:00.000Z"),
        lead(3, "2025-01-01T00:00:00.000Z"),
    ]

    step = next_step(
        ScanPosition(0), page, more=True, next_start=3, updated_since="2025-02-01T00:00:00Z"
    )

    assert [r["id"] for r in step.records] == ["lead-1", "lead-2"]
    assert step.next_cursor is None
    assert step.high_water == "2025-03-01T00:00:00.000Z"


def test_a_lead_with_an_unreadable_update_time_is_passed_on_and_does_not_end_the_scan() -> None:
    page = [lead(1, "yesterday-ish"), lead(2, "2025-02-02T00:00:00.000Z")]

    step = next_step(
        ScanPosition(0), page, more=True, next_start=None, updated_since="2025-02-01T00:00:00Z"
    )

    assert len(step.records) == 2
    assert step.next_cursor == "2@2025-02-02T00:00:00.000Z"


def test_an_incremental_scan_with_nothing_new_reports_no_mark() -> None:
    step = next_step(
        ScanPosition(0),
        [lead(1, "2024-01-01T00:00:00.000Z")],
        more=True,
        next_start=1,
        updated_since="2025-01-01T00:00:00Z",
    )

    assert step.records == []
    assert step.next_cursor is None
    assert step.high_water is None
