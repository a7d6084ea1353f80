"""Reading dotted source paths out of records that may be shaped any way at all."""

from __future__ import annotations

import pytest

from mapping.paths import ABSENT, parse_dotted


@pytest.mark.parametrize(
    ("record", "path", "expected"),
    [
        ({"org_id": {"name": "Acme"}}, "org_id.name", "Acme"),
        ({"org_id": {"name": None}}, "org_id.name", None),
        ({"org_id": 3}, "org_id.name", ABSENT),
        ({"org_id": None}, "org_id.name", ABSENT),
        ({"org_id": [{"name": "Acme"}]}, "org_id.name", ABSENT),
        ({}, "org_id.name", ABSENT),
        (None, "org_id", ABSENT),
        ([1, 2], "org_id", ABSENT),
        ("org_id", "org_id", ABSENT),
        ({"emails": [{"value": "a@b.co"}]}, "emails", [{"value": "a@b.co"}]),
    ],
)
def test_a_dotted_path_reads_a_value_or_absent_and_never_raises(
    record: object, path: str, expected: object
) -> None:
    assert parse_dotted(path).get(record) == expected


def test_an_explicit_null_is_not_the_same_as_absent() -> None:
    path = parse_dotted("first_name")
    assert path.get({"first_name": None}) is None
    assert path.get({}) is ABSENT


def test_a_path_through_ten_thousand_levels_of_nesting_is_read_without_recursion() -> None:
    record: dict[str, object] = {"leaf": "found"}
    for _ in range(10_000):
        record = {"a": record}
    assert parse_dotted(".".join(["a"] * 10_000 + ["leaf"])).get(record) == "found"
