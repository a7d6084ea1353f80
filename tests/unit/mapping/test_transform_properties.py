"""Property tests for the transform registry and the long form ({from, transform, required,
default}): any JSON value maps or is a MappingError, and mapping twice gives the same result."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mapping import ContactUpsert, MappingError, Reason, compile_contact_mapping, content_hash
from mapping.transforms import REGISTRY, Transform, TransformContext, TransformError, build

#: An argument for each transform that needs one (and one that takes an optional one).
ARGUMENTS: dict[str, object] = {
    "truncate": 12,
    "lookup": {"won": "Customer", "1": "One", "lost": ["a", "b"]},
    "concat": "-",
}

CHARACTERS = st.one_of(
    st.characters(exclude_categories=()),
    st.sampled_from(["\ud800", "\udfff", "\x00", "@", ".", "+", "-", ":", "T", "Z", " ", "€"]),
)
TEXT = st.text(CHARACTERS, max_size=30)
#: Text the parsing transforms take seriously: dates at the edges of the calendar, amounts,
#: codes, phones, consent states.
LOOKS_PARSEABLE = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.builds(
        lambda d, h: f"{d.isoformat()}T{h:02d}:00:00{'+' if h % 2 else '-'}{h:02d}:00",
        st.dates(),
        st.integers(0, 23),
    ),
    st.sampled_from(
        [
            "9999-12-31T23:00:00-05:00",
            "0001-01-01T00:00:00+05:00",
            "9999-12-31",
            "2024-02-30",
            "19.99 EUR",
            "€1,999.00",
            "USD 5",
            "1e400",
            "yes",
            "off",
            "fr_fr",
            "ZZ",
            "unsubscribed",
            "+33 6 12 34 56 78",
            "06 12 34 56 78",
        ]
    ),
    st.decimals(allow_nan=False, allow_infinity=False, places=2).map(str),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(),
    TEXT,
    LOOKS_PARSEABLE,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)
    ),
    max_leaves=12,
)
CONTEXT = TransformContext(phone_region="FR")


@pytest.mark.parametrize("name", sorted(REGISTRY))
@settings(max_examples=150, deadline=None, database=None)
@given(value=JSON_VALUES)
def test_every_transform_returns_a_value_or_a_transform_error_for_any_json_value(
    name: str, value: Any
) -> None:
    transform = build(name, ARGUMENTS.get(name), CONTEXT, f"X.transform[{name}]")
    first, second = applied(transform, value), applied(transform, value)
    if isinstance(first, TransformError):
        assert isinstance(first.reason, Reason)
        str(first).encode("utf-8")  # messages are stored: always encodable text
        assert isinstance(second, TransformError)
        assert (second.reason, second.problem) == (first.reason, first.problem)
    else:
        assert second == first  # pure: the same input gives the same output


def applied(transform: Transform, value: object) -> object:
    try:
        return transform(value)
    except TransformError as error:
        return error


#: Every transform in the long form, reading dotted paths and JSON Pointers, some required and
#: some with defaults.
LONG_FORM_SPEC: dict[object, object] = {
    "email": {"from": "/contact/email", "transform": ["email"]},
    "SMS": {"from": "contact.phone", "transform": ["phone"]},
    "FIRSTNAME": {"from": "name", "transform": ["strip", "first_name"]},
    "LASTNAME": {"from": "name", "transform": ["last_name", "upper"]},
    "FULLNAME": {"from": ["given", "family"], "transform": ["concat"]},
    "NICKNAME": {"from": "given", "transform": ["lower", "truncate:12"], "default": "friend"},
    "SIGNUP": {"from": "/dates/0", "transform": ["date"]},
    "LAST_SEEN": {"from": "dates.1", "transform": ["datetime"]},
    "SPENT": {"from": "spent", "transform": ["money"]},
    "SPENT_CURRENCY": {"from": "spent", "transform": ["currency"]},
    "ORDERS": {"from": "orders", "transform": ["integer"], "default": 0},
    "SCORE": {"from": "score", "transform": ["number"]},
    "VIP": {"from": "vip", "transform": ["boolean"], "required": False},
    "TAGS": {"from": "tags", "transform": ["multiple_choice"]},
    "COUNTRY": {"from": "/address/country~1code", "transform": ["country"]},
    "LOCALE": {"from": "locale", "transform": ["locale", "text"]},
    "STAGE": {"from": "stage", "transform": [{"lookup": {"won": "Customer", "1": "Lead"}}]},
    "PLAN": {"from": "plan", "required": True, "default": "free"},
    "emailBlacklisted": {"from": "consent", "transform": ["marketing_consent"]},
}
MAPPER = compile_contact_mapping(
    LONG_FORM_SPEC, vendor="shopify", resource="customers", list_ids=[7], phone_region="FR"
)
RECORDS = st.one_of(
    st.fixed_dictionaries(
        {"id": st.integers(min_value=1, max_value=10**9)},
        optional={
            "contact": st.one_of(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "email": st.one_of(st.emails(), JSON_VALUES),
                        "phone": st.one_of(st.just("+33612345678"), JSON_VALUES),
                    },
                ),
                JSON_VALUES,
            ),
            "name": JSON_VALUES,
            "given": JSON_VALUES,
            "family": JSON_VALUES,
            "dates": st.one_of(st.lists(JSON_VALUES, max_size=3), JSON_VALUES),
            "spent": JSON_VALUES,
            "orders": JSON_VALUES,
            "score": JSON_VALUES,
            "vip": JSON_VALUES,
            "tags": JSON_VALUES,
            "address": st.one_of(st.fixed_dictionaries({"country/code": JSON_VALUES}), JSON_VALUES),
            "locale": JSON_VALUES,
            "stage": JSON_VALUES,
            "plan": JSON_VALUES,
            "consent": st.one_of(
                st.fixed_dictionaries({"state": st.sampled_from(["subscribed", "unsubscribed"])}),
                JSON_VALUES,
            ),
        },
    ),
    JSON_VALUES,
)


def outcome(record: Any) -> ContactUpsert | MappingError:
    try:
        return MAPPER.map(record)
    except MappingError as error:
        return error


@settings(max_examples=600, deadline=None, database=None)
@given(RECORDS)
def test_any_record_through_the_long_form_maps_or_is_a_mapping_error(record: Any) -> None:
    result = outcome(record)
    if isinstance(result, MappingError):
        assert isinstance(result.reason, Reason)
        str(result).encode("utf-8")
        assert len(result.message) < 1000
        return
    wire = json.dumps(result.to_json(), allow_nan=False, ensure_ascii=False)
    wire.encode("utf-8")
    assert ContactUpsert.from_json(json.loads(wire)) == result
    assert result.email is not None or "SMS" in result.attributes
    assert "PLAN" in result.attributes  # required, with a default: always there
    assert result.email_blacklisted in (None, True)  # consent never re-subscribes


@settings(max_examples=300, deadline=None, database=None)
@given(RECORDS)
def test_the_long_form_maps_any_record_the_same_way_twice_with_the_same_hash(
    record: Any,
) -> None:
    first, second = outcome(record), outcome(record)
    if isinstance(first, MappingError):
        assert isinstance(second, MappingError)
        assert (first.reason, first.message, first.field) == (
            second.reason,
            second.message,
            second.field,
        )
    else:
        assert first == second
        assert content_hash(first) == content_hash(second)


def test_the_same_long_form_spec_compiles_to_the_same_version_twice() -> None:
    again = compile_contact_mapping(
        json.loads(json.dumps(LONG_FORM_SPEC)),
        vendor="shopify",
        resource="customers",
        list_ids=[7],
        phone_region="FR",
    )
    assert again.version == MAPPER.version


def test_the_last_order_of_equal_dates_in_different_spellings_is_picked_without_a_crash() -> None:
    mapper = compile_contact_mapping(
        {"email": "email", "lastOrderDate": "LAST_ORDER_DATE"},
        vendor="shopify",
        resource="customers",
    )
    orders = [{"created_at": "1970-01-01T00:00:00+00:00"}, {"created_at": 0}]
    operation = mapper.map({"id": 1, "email": "a@b.co", "orders": orders})
    assert operation.attributes["LAST_ORDER_DATE"] == "1970-01-01"


def test_a_date_at_the_end_of_the_calendar_is_a_mapping_error_not_an_overflow() -> None:
    error = outcome({"id": 1, "contact": {"email": "a@b.co"}, "dates": ["9999-12-31T23:00-05:00"]})
    assert isinstance(error, MappingError)
    assert error.reason is Reason.TRANSFORM_FAILED
    assert error.field == "/dates/0"
