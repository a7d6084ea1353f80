"""deal_stage_mapping: a deal's stage or status moves its person between Brevo lists."""

from __future__ import annotations

import pytest

from mapping import BrevoOperation, SpecError, compile_deal_stage_lists

# The Pipedrive docs' own mapping.
DOCS = {1: 61, 2: 61, 3: 62, 4: 62, "won": 63, "lost": 64}
LISTS = compile_deal_stage_lists(DOCS)


def moves(deal: dict[str, object]) -> list[tuple[str, int, str]]:
    return [
        (op.op, op.body["listId"], op.body["identifier"]["ext_id"])
        for op in LISTS.operations(deal, str(deal.get("id")))
    ]


def test_an_open_deal_adds_its_person_to_its_stage_list_and_removes_them_from_the_others() -> None:
    assert moves({"id": 42, "person_id": 7, "stage_id": 3, "status": "open"}) == [
        ("list.add", 62, "pipedrive:persons:7"),
        ("list.remove", 61, "pipedrive:persons:7"),
        ("list.remove", 63, "pipedrive:persons:7"),
        ("list.remove", 64, "pipedrive:persons:7"),
    ]


def test_a_won_deal_goes_to_the_won_list_whatever_its_last_stage() -> None:
    assert moves({"id": 1, "person_id": 7, "stage_id": 4, "status": "won"})[0] == (
        "list.add",
        63,
        "pipedrive:persons:7",
    )


def test_a_v1_deal_with_its_person_as_an_object_is_read_too() -> None:
    deal = {"id": 1, "person_id": {"value": 9, "name": "Ana"}, "stage_id": 1, "status": "open"}
    assert moves(deal)[0] == ("list.add", 61, "pipedrive:persons:9")


@pytest.mark.parametrize(
    "deal",
    [
        {"id": 1, "stage_id": 3, "status": "open"},
        {"id": 1, "person_id": None, "stage_id": 3},
        {"id": 1, "person_id": 7, "stage_id": 99, "status": "open"},
        {"id": 1, "person_id": 7, "stage_id": 3, "status": "deleted"},
        {"id": 1, "person_id": 7, "stage_id": 3, "is_deleted": True},
    ],
    ids=["no person", "null person", "unmapped stage", "deleted status", "deleted flag"],
)
def test_a_deal_the_mapping_cannot_place_leaves_list_membership_as_it_is(
    deal: dict[str, object],
) -> None:
    assert moves(deal) == []


def test_adding_and_removing_the_same_membership_share_one_ledger_key() -> None:
    first = LISTS.operations({"id": 1, "person_id": 7, "stage_id": 1}, "1")
    later = LISTS.operations({"id": 1, "person_id": 7, "stage_id": 3}, "1")
    added = next(op for op in first if op.op == "list.add")
    removed = next(op for op in later if op.op == "list.remove" and op.body["listId"] == 61)
    assert added.key == removed.key == "list:61:pipedrive:persons:7"
    assert BrevoOperation.from_json(added.to_json()) == added


def test_stage_ids_written_as_yaml_strings_are_stage_ids() -> None:
    lists = compile_deal_stage_lists({"5": 70, "open": 71})
    assert lists.by_stage == {5: 70}
    assert lists.by_status == {"open": 71}


def test_an_open_deal_in_an_unmapped_stage_falls_back_to_the_open_status_list() -> None:
    lists = compile_deal_stage_lists({5: 70, "open": 71})
    ops = lists.operations({"id": 1, "person_id": 2, "stage_id": 6, "status": "open"}, "1")
    assert [(op.op, op.body["listId"]) for op in ops] == [("list.add", 71), ("list.remove", 70)]


@pytest.mark.parametrize(
    ("spec", "key_path"),
    [
        ({"wonn": 63}, "deal_stage_mapping.wonn"),
        ({1: 0}, "deal_stage_mapping.1"),
        ({1: "61"}, "deal_stage_mapping.1"),
        ({-3: 61}, "deal_stage_mapping.-3"),
        ({"won": True}, "deal_stage_mapping.won"),
    ],
)
def test_a_bad_key_or_list_id_is_a_spec_error_naming_it(
    spec: dict[object, object], key_path: str
) -> None:
    with pytest.raises(SpecError) as caught:
        compile_deal_stage_lists(spec)
    assert caught.value.key_path == key_path
