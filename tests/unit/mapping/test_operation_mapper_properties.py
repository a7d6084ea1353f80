"""Property tests for every non-contact mapper: any JSON value as a record gives operations or a
MappingError, never another exception, and mapping twice gives the same operations and hashes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapping import (
    DEFAULT_SPECS,
    BrevoOperation,
    ContactUpsert,
    MappingError,
    OrderUpsert,
    Reason,
    compile_contact_mapping,
    compile_deal_stage_lists,
    compile_object_upsert,
    compile_record_mapping,
    compile_webhook_events,
    consent_lists,
    content_hash,
)
from mapping.carts import CartAbandonedEvent
from mapping.orders import OrderPlacedEvent
from mapping.pipedrive_activity import ActivityEvent, LeadLists
from mapping.products import ProductUpsert
from mapping.record_mapper import Mapper

CHARACTERS = st.one_of(
    st.characters(exclude_categories=()),
    st.sampled_from(["\ud800", "\x00", "@", ".", "+", "0", " ", "-", ":", "Z", "\u0663"]),
)
TEXT = st.text(CHARACTERS, max_size=24)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**5000), max_value=10**5000),
    st.floats(),
    TEXT,
    st.sampled_from(["2024-03-13T16:09:54-04:00", "12.50", "won", "subscribed", "unsubscribed"]),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)
    ),
    max_leaves=16,
)
IDS = st.one_of(st.integers(min_value=-2, max_value=2**64), TEXT, JSON_VALUES)


GOOD_IDS = st.integers(min_value=0, max_value=10**9)


def records(**fields: Any) -> st.SearchStrategy[Any]:
    """Mostly records of the resource's shape (a usable id, fields mostly of the right kind),
    sometimes any JSON value at all."""
    shaped = st.fixed_dictionaries(
        {"id": st.one_of(GOOD_IDS, GOOD_IDS, IDS)},
        optional={k: st.one_of(v, v, v, JSON_VALUES) for k, v in fields.items() if k != "id"},
    )
    return st.one_of(shaped, shaped, shaped, JSON_VALUES)


DEALS = records(
    id=IDS,
    title=TEXT,
    value=st.one_of(st.floats(), TEXT),
    person_id=st.one_of(IDS, st.fixed_dictionaries({"value": IDS})),
    stage_id=st.integers(min_value=-1, max_value=6),
    status=st.sampled_from(["open", "won", "lost", "deleted"]),
)
ORGANIZATIONS = records(id=IDS, name=TEXT, address=st.fixed_dictionaries({"value": TEXT}))
LINE = st.fixed_dictionaries(
    {"product_id": st.one_of(GOOD_IDS, IDS)},
    optional={"variant_id": IDS, "quantity": st.one_of(GOOD_IDS, JSON_VALUES), "price": SCALARS},
)
ORDERS = records(
    id=IDS,
    created_at=st.one_of(st.just("2024-03-13T16:09:54-04:00"), SCALARS),
    updated_at=SCALARS,
    total_price=st.one_of(st.just("12.50"), SCALARS),
    email=st.one_of(st.emails(), TEXT),
    customer=st.fixed_dictionaries({"id": IDS}),
    line_items=st.lists(st.one_of(LINE, JSON_VALUES), max_size=3),
    billing_address=st.dictionaries(st.sampled_from(["address1", "city", "zip"]), SCALARS),
    discount_codes=st.lists(st.one_of(st.fixed_dictionaries({"code": SCALARS}), SCALARS)),
    financial_status=SCALARS,
)
CARTS = records(
    id=IDS,
    created_at=st.one_of(st.just("2024-03-13T16:09:54-04:00"), SCALARS),
    completed_at=st.one_of(st.none(), SCALARS),
    total_price=st.one_of(st.just("12.50"), SCALARS),
    abandoned_checkout_url=st.one_of(st.just("https://shop.example/recover/1"), TEXT),
    customer=st.fixed_dictionaries({"id": IDS}),
    line_items=st.lists(st.one_of(LINE, JSON_VALUES), max_size=3),
)
PRODUCTS = records(
    id=IDS,
    title=st.one_of(st.just("Shoes"), SCALARS),
    status=st.sampled_from(["ACTIVE", "ARCHIVED", "draft", ""]),
    onlineStoreUrl=st.one_of(st.just("https://shop.example/p/1"), SCALARS),
    variants=st.lists(st.fixed_dictionaries({}, optional={"sku": SCALARS, "price": SCALARS})),
    tags=st.one_of(st.lists(TEXT, max_size=3), TEXT),
)
ACTIVITIES = records(
    id=IDS,
    type=TEXT,
    subject=TEXT,
    done=st.one_of(st.booleans(), SCALARS),
    person_id=st.one_of(IDS, st.fixed_dictionaries({"value": IDS})),
    participants=st.lists(st.fixed_dictionaries({"person_id": IDS, "primary": st.booleans()})),
    update_time=st.one_of(st.just("2024-03-13T16:09:54Z"), SCALARS),
)
LEADS = records(
    id=IDS, person_id=st.one_of(IDS, st.fixed_dictionaries({"value": IDS})), is_archived=SCALARS
)
META = st.fixed_dictionaries(
    {
        "id": st.one_of(GOOD_IDS, IDS),
        "action": st.sampled_from(["create", "change", "delete", "added", "*"]),
        "entity": st.sampled_from(["person", "deal", "activity", "organization"]),
    },
    optional={
        "entity_id": IDS,
        "merged_to_id": IDS,
        "timestamp": SCALARS,
    },
)
WEBHOOKS = records(
    meta=META, data=records(id=IDS, person_id=IDS, stage_id=SCALARS), previous=JSON_VALUES
)
CUSTOMERS = records(
    id=IDS,
    email=st.one_of(st.emails(), TEXT),
    email_marketing_consent=st.fixed_dictionaries({"state": SCALARS}),
    sms_marketing_consent=st.fixed_dictionaries({"state": SCALARS}),
    phone=st.sampled_from(["+33612345678", "06", ""]),
)

RULES = [
    {"event_action": action, "event_object": obj, "brevo_event": f"{obj}_{action}"}
    for action in ("added", "updated", "merged")
    for obj in ("person", "deal", "activity")
]
MAPPERS: dict[str, tuple[Mapper, st.SearchStrategy[Any]]] = {
    "deals": (
        compile_record_mapping(
            [
                compile_object_upsert(
                    dict(DEFAULT_SPECS["pipedrive", "deals"]),
                    kind="deal.upsert",
                    vendor="pipedrive",
                    resource="deals",
                ),
                compile_deal_stage_lists({1: 61, 2: 61, 3: 62, "won": 63, "lost": 64}),
            ],
            vendor="pipedrive",
            resource="deals",
        ),
        DEALS,
    ),
    "organizations": (
        compile_record_mapping(
            [
                compile_object_upsert(
                    {"name": "name", "address.value": "address"},
                    kind="company.upsert",
                    vendor="pipedrive",
                    resource="organizations",
                )
            ],
            vendor="pipedrive",
            resource="organizations",
        ),
        ORGANIZATIONS,
    ),
    "orders": (
        compile_record_mapping(
            [OrderUpsert(), OrderPlacedEvent()], vendor="shopify", resource="orders"
        ),
        ORDERS,
    ),
    "carts": (
        compile_record_mapping([CartAbandonedEvent()], vendor="shopify", resource="carts"),
        CARTS,
    ),
    "products": (
        compile_record_mapping([ProductUpsert()], vendor="shopify", resource="products"),
        PRODUCTS,
    ),
    "activities": (
        compile_record_mapping([ActivityEvent()], vendor="pipedrive", resource="activities"),
        ACTIVITIES,
    ),
    "leads": (
        compile_record_mapping([LeadLists(61)], vendor="pipedrive", resource="leads"),
        LEADS,
    ),
    "webhooks": (
        compile_record_mapping(
            [compile_webhook_events(RULES)],
            vendor="pipedrive",
            resource="webhooks",
            id_path="meta.id",
        ),
        WEBHOOKS,
    ),
    "customers": (
        compile_contact_mapping(
            {"email": "email", "phone": "SMS"},
            vendor="shopify",
            resource="customers",
            extras=(consent_lists({"newsletter": 12, "sms": 13}),),
        ),
        CUSTOMERS,
    ),
}


def outcome(mapper: Mapper, record: Any) -> list[Any] | MappingError:
    try:
        return mapper.map_operations(record)
    except MappingError as error:
        return error


def check_operations(result: list[Any]) -> None:
    for op in result:
        wire = json.dumps(op.to_json(), allow_nan=False, ensure_ascii=False)
        wire.encode("utf-8")  # a request body Brevo can be sent
        data = json.loads(wire)
        kind = ContactUpsert if data["op"] == "contact.upsert" else BrevoOperation
        assert kind.from_json(data) == op
    ops = [op.op for op in result if isinstance(op, BrevoOperation)]
    # never a re-subscription: a list.add is never next to a blocklist of the same contact
    assert not ("list.add" in ops and "contact.blocklist" in ops)


@pytest.mark.parametrize("name", sorted(MAPPERS))
def test_any_json_record_becomes_operations_or_a_mapping_error(name: str) -> None:
    mapper, strategy = MAPPERS[name]

    @settings(max_examples=300, deadline=None, database=None)
    @given(strategy)
    def check(record: Any) -> None:
        result = outcome(mapper, record)
        if isinstance(result, MappingError):
            assert isinstance(result.reason, Reason)
            str(result).encode("utf-8")
            assert len(result.message) < 1000
        else:
            check_operations(result)

    check()


@pytest.mark.parametrize("name", sorted(MAPPERS))
def test_mapping_any_record_twice_gives_the_same_operations_and_hashes(name: str) -> None:
    mapper, strategy = MAPPERS[name]

    @settings(max_examples=150, deadline=None, database=None)
    @given(strategy)
    def check(record: Any) -> None:
        first, second = outcome(mapper, record), outcome(mapper, record)
        if isinstance(first, MappingError):
            assert isinstance(second, MappingError)
            assert (first.reason, first.message) == (second.reason, second.message)
        else:
            assert first == second
            assert [content_hash(op) for op in first] == [content_hash(op) for op in second]

    check()


@pytest.mark.parametrize("name", sorted(MAPPERS))
def test_ten_thousand_levels_of_nesting_are_a_mapping_error_or_ignored(name: str) -> None:
    deep: Any = "bottom"
    for _ in range(10_000):
        deep = [deep]
    mapper, _ = MAPPERS[name]
    assert isinstance(outcome(mapper, deep), MappingError)
    for field in ("title", "name", "line_items", "data", "email"):
        result = outcome(mapper, {"id": 1, "meta": {"id": 1}, field: deep})
        assert isinstance(result, MappingError | list)
