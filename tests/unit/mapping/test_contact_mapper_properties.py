"""Property tests: any JSON value as a record gives an operation or a MappingError, nothing else."""

from __future__ import annotations

import json
import re
from typing import Any

from email_validator import EmailNotValidError, validate_email
from hypothesis import given, settings
from hypothesis import strategies as st

from mapping import ContactUpsert, MappingError, Reason, compile_contact_mapping, content_hash

MAPPER = compile_contact_mapping(
    {
        "email": "email",
        "name": "FULLNAME",
        "first_name": "FIRSTNAME",
        "phone": "SMS",
        "org_id.name": "COMPANY",
        "won_deals_count": "WON_DEALS",
        "custom_fields.lead_source": "LEAD_SOURCE",
    },
    vendor="pipedrive",
    resource="persons",
    list_ids=[60],
)

# Every Unicode category, lone surrogates and NUL included, plus the characters the checks look at.
CHARACTERS = st.one_of(
    st.characters(exclude_categories=()),
    st.sampled_from(["\ud800", "\udfff", "\x00", "@", ".", "+", "0", " ", "-", "(", "\u0663"]),
)
TEXT = st.text(CHARACTERS, max_size=30)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**5000), max_value=10**5000),
    st.floats(),
    TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)
    ),
    max_leaves=20,
)
EMAILS = st.one_of(st.emails().map(str.upper), st.just(" Zoe@Example.com "), JSON_VALUES)
PHONES = st.one_of(
    st.from_regex(r"(\+|00)[1-9][0-9 .\-()]{6,16}", fullmatch=True), st.just(""), JSON_VALUES
)
PERSONS = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.integers(min_value=-5, max_value=2**64), TEXT, JSON_VALUES),
        "email": EMAILS,
        "phone": PHONES,
        "name": st.one_of(TEXT, st.text(min_size=4990, max_size=5010), JSON_VALUES),
        "first_name": JSON_VALUES,
        "org_id": st.one_of(st.fixed_dictionaries({"name": JSON_VALUES}), JSON_VALUES),
        "won_deals_count": JSON_VALUES,
        "custom_fields": st.one_of(
            st.fixed_dictionaries({"lead_source": JSON_VALUES}), JSON_VALUES
        ),
    },
)
RECORDS = st.one_of(PERSONS, JSON_VALUES)
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def outcome(record: Any) -> ContactUpsert | MappingError:
    try:
        return MAPPER.map(record)
    except MappingError as error:
        return error


@settings(max_examples=800, deadline=None, database=None)
@given(RECORDS)
def test_any_json_record_becomes_an_operation_or_a_mapping_error(record: Any) -> None:
    result = outcome(record)
    if isinstance(result, MappingError):
        assert isinstance(result.reason, Reason)
        # Messages go to Postgres and Flower: short, encodable text whatever the record held.
        str(result).encode("utf-8")
        assert len(result.message) < 1000
        return
    wire = json.dumps(result.to_json(), allow_nan=False, ensure_ascii=False)
    wire.encode("utf-8")
    assert ContactUpsert.from_json(json.loads(wire)) == result
    assert result.email is not None or "SMS" in result.attributes
    assert result.email is None or result.email == result.email.strip().lower()
    assert "SMS" not in result.attributes or E164.fullmatch(str(result.attributes["SMS"]))
    assert all(len(v) <= 5000 for v in result.attributes.values() if isinstance(v, str))


@settings(max_examples=300, deadline=None, database=None)
@given(RECORDS)
def test_mapping_is_idempotent_for_any_record(record: Any) -> None:
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


@settings(max_examples=300, deadline=None, database=None)
@given(st.emails())
def test_every_email_the_validator_accepts_is_mapped_lower_cased(email: str) -> None:
    result = outcome({"id": 1, "email": email.upper()})
    try:
        checked = validate_email(email.upper().lower(), check_deliverability=False)
    except EmailNotValidError:
        assert isinstance(result, MappingError)
        assert result.reason is Reason.INVALID_EMAIL
        return
    assert isinstance(result, ContactUpsert)
    assert result.email == checked.normalized.lower()


def test_ten_thousand_levels_of_nesting_are_a_mapping_error_not_a_crash() -> None:
    deep: Any = "bottom"
    for _ in range(10_000):
        deep = [deep]
    assert isinstance(outcome(deep), MappingError)
    error = outcome({"id": 1, "email": "a@b.co", "first_name": deep})
    assert isinstance(error, MappingError)
    assert error.reason is Reason.TYPE_MISMATCH
    nested_email = outcome({"id": 1, "email": {"x": deep}})
    assert isinstance(nested_email, MappingError)
    assert nested_email.reason is Reason.INVALID_EMAIL
