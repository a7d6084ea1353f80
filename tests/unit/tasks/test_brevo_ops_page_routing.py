"""`tasks.pages.map_page`: contacts to the staged imports, every other operation to its writer,
and what the write ledger already holds skipped and counted (the real compiled mapper)."""

from __future__ import annotations

from typing import Any

from mapping.consent import consent_lists
from mapping.contact import ContactMapper, compile_contact_mapping
from mapping.deal_stages import compile_deal_stage_lists
from mapping.hashing import content_hash
from mapping.orders import OrderPlacedEvent, OrderUpsert
from mapping.record_mapper import RecordMapper, compile_record_mapping
from tasks.ops_ledger import MEMBERSHIP, ledger_key, target_of
from tasks.pages import map_page
from workers.routing import route_task


def shopify_mapper() -> ContactMapper:
    return compile_contact_mapping(
        {"email": "email", "first_name": "FIRSTNAME"},
        vendor="shopify",
        resource="customers",
        list_ids=(4,),
        extras=(consent_lists({"newsletter": 12}),),
    )


def customer(i: int, state: str) -> dict[str, Any]:
    return {
        "id": i,
        "email": f"c{i}@example.com",
        "first_name": "Zoë",
        "email_marketing_consent": {"state": state},
    }


class Ledger:
    """A write ledger in memory: (target, id) -> hash, as `known(target, ids)` reads it."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], str] = {}
        self.asked: list[str] = []

    def known(self, target: str, ids: list[str]) -> dict[str, str]:
        self.asked.append(target)
        return {i: self.rows[(target, i)] for i in ids if (target, i) in self.rows}


def order_mapper() -> RecordMapper:
    return compile_record_mapping(
        [OrderUpsert(), OrderPlacedEvent()], vendor="shopify", resource="orders"
    )


def order(i: int, total: str = "19.90") -> dict[str, Any]:
    return {
        "id": i,
        "created_at": "2024-03-13T16:09:54Z",
        "total_price": total,
        "customer": {"id": 7},
        "line_items": [{"product_id": 5, "quantity": 1, "price": total}],
    }


def test_a_customer_is_a_contact_write_carrying_its_consent() -> None:
    ledger = Ledger()

    page = map_page(
        [customer(1, "subscribed"), customer(2, "unsubscribed")], shopify_mapper(), ledger.known
    )

    assert [w["ext_id"] for w in page.writes] == ["shopify:customers:1", "shopify:customers:2"]
    assert [w["operation"]["list_ids"] for w in page.writes] == [[4, 12], [4]]
    assert page.writes[1]["operation"]["email_blacklisted"] is True
    assert (page.operations, page.op_records, page.unchanged) == ([], 0, 0)
    assert set(ledger.asked) == {"contact"}


def test_an_order_becomes_operations_for_their_writers_counted_once_per_record() -> None:
    ledger = Ledger()

    page = map_page([order(1), order(2)], order_mapper(), ledger.known)

    assert page.writes == []
    ops = sorted(o["operation"]["op"] for o in page.operations)
    assert ops == ["event.track", "event.track", "order.upsert", "order.upsert"]
    assert all(o["content_hash"] == content_hash(o["operation"]) for o in page.operations)
    assert (page.op_records, page.unchanged) == (2, 0)
    assert sorted(set(ledger.asked)) == ["event.track", "order.upsert"]


def test_operations_brevo_holds_unchanged_are_skipped_and_counted_per_record() -> None:
    ledger = Ledger()
    first = map_page([order(1), order(2)], order_mapper(), ledger.known)
    for op in first.operations:
        key = ledger_key(op["operation"]["key"])
        ledger.rows[(target_of(op["operation"]["op"]), key)] = op["content_hash"]

    again = map_page([order(1), order(2, total="25.00")], order_mapper(), ledger.known)

    # Order 2 changed: its order and its event (the amount is in both) are sent again.
    assert sorted(o["operation"]["op"] for o in again.operations) == ["event.track", "order.upsert"]
    assert (again.op_records, again.unchanged) == (1, 1)


def test_a_list_add_after_a_remove_of_the_same_membership_is_not_unchanged() -> None:
    ledger = Ledger()
    mapper = compile_record_mapping(
        [compile_deal_stage_lists({1: 61})], vendor="pipedrive", resource="deals"
    )
    deal = {"id": 3, "person_id": 7, "stage_id": 1, "status": "open"}
    [add] = map_page([deal], mapper, ledger.known).operations
    removed = {**add["operation"], "op": "list.remove"}
    ledger.rows[(MEMBERSHIP, add["operation"]["key"])] = content_hash(removed)

    again = map_page([deal], mapper, ledger.known)

    assert [o["operation"]["op"] for o in again.operations] == ["list.add"]


def test_an_unmappable_record_is_a_dead_letter_and_the_page_goes_on() -> None:
    page = map_page(
        [{"id": 9, "first_name": "no email"}, customer(1, "x")], shopify_mapper(), Ledger().known
    )

    assert [d["source_id"] for d in page.dead_letters] == ["9"]
    assert page.dead_letters[0]["reason"] == "missing_identifier"
    assert len(page.writes) == 1


def test_the_operation_writer_runs_on_the_brevo_sink_queue() -> None:
    assert route_task("brevo.write_ops", (), {"kind": "event.track"}, {}) == {"queue": "sink.brevo"}
