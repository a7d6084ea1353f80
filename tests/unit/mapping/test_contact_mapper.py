"""The contact mapper on the Pipedrive docs' person_mapping block and on every reason."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from mapping import ContactUpsert, MappingError, Reason, compile_contact_mapping, content_hash
from mapping.contact import ContactMapper

# The person_mapping block of the Pipedrive connector docs (connector-docs/pipedrive.txt).
DOCS_PERSON_MAPPING = {
    "email": "email",
    "name": "FULLNAME",
    "first_name": "FIRSTNAME",
    "last_name": "LASTNAME",
    "phone": "SMS",
    "org_id.name": "COMPANY",
    "won_deals_count": "WON_DEALS",
    "custom_fields.lead_source": "LEAD_SOURCE",
}


def person(**overrides: Any) -> dict[str, Any]:
    """A Pipedrive person shaped like the v2 API returns it, with a few overrides."""
    record: dict[str, Any] = {
        "id": 7,
        "name": "Zoë Martin",
        "first_name": "Zoë",
        "last_name": "Martin",
        "email": "Zoe@Example.com",
        "phone": "+33 6 12 34 56 78",
        "org_id": {"value": 3, "name": "Acme"},
        "emails": [{"value": "Zoe@Example.com", "primary": True, "label": "work"}],
        "phones": [{"value": "+33 6 12 34 56 78", "primary": True, "label": "mobile"}],
        "custom_fields": {},
    }
    record.update(overrides)
    return record


@pytest.fixture
def mapper() -> ContactMapper:
    return compile_contact_mapping(
        DOCS_PERSON_MAPPING, vendor="pipedrive", resource="persons", list_ids=[60]
    )


def mapping_error(mapper: ContactMapper, record: object) -> MappingError:
    with pytest.raises(MappingError) as caught:
        mapper.map(record)
    return caught.value


def test_the_docs_person_mapping_turns_a_v2_person_into_a_contact_upsert(
    mapper: ContactMapper,
) -> None:
    assert mapper.map(person()).to_json() == {
        "op": "contact.upsert",
        "ext_id": "pipedrive:persons:7",
        "source_id": "7",
        "email": "zoe@example.com",
        "attributes": {
            "FULLNAME": "Zoë Martin",
            "FIRSTNAME": "Zoë",
            "LASTNAME": "Martin",
            "COMPANY": "Acme",
            "SMS": "+33612345678",
        },
        "list_ids": [60],
    }


def test_a_custom_field_that_is_present_is_mapped(mapper: ContactMapper) -> None:
    op = mapper.map(person(custom_fields={"lead_source": "Webinar"}, won_deals_count=4))
    assert op.attributes["LEAD_SOURCE"] == "Webinar"
    assert op.attributes["WON_DEALS"] == 4


def test_absent_and_null_fields_are_omitted_not_sent_empty(mapper: ContactMapper) -> None:
    op = mapper.map(person(first_name=None, org_id=3, custom_fields=None))
    assert "FIRSTNAME" not in op.attributes
    assert "COMPANY" not in op.attributes
    assert "LEAD_SOURCE" not in op.attributes
    assert "WON_DEALS" not in op.attributes


def test_a_string_record_id_is_kept_as_is(mapper: ContactMapper) -> None:
    op = mapper.map(person(id="gid://shopify/Customer/42"))
    assert op.ext_id == "pipedrive:persons:gid://shopify/Customer/42"
    assert op.source_id == "gid://shopify/Customer/42"


@pytest.mark.parametrize(
    "record",
    [None, [], "a person", 7, {"name": "no id"}, {"id": True}, {"id": 1.5}, {"id": ""}],
)
def test_a_record_without_a_usable_id_is_unsupported(mapper: ContactMapper, record: object) -> None:
    assert mapping_error(mapper, record).reason is Reason.UNSUPPORTED_RECORD


@pytest.mark.parametrize("record_id", [-1, 2**63, "has space", "x" * 256, "tab\there", "\ud800"])
def test_an_odd_record_id_is_unsupported(mapper: ContactMapper, record_id: object) -> None:
    error = mapping_error(mapper, person(id=record_id))
    assert error.reason is Reason.UNSUPPORTED_RECORD
    assert error.field == "id"


def test_a_person_without_email_or_phone_is_a_dead_letter(mapper: ContactMapper) -> None:
    error = mapping_error(mapper, person(id=123, email=None, phone="  "))
    assert error.reason is Reason.MISSING_IDENTIFIER
    assert error.message == "person 123 has no email and no phone"


def test_a_person_with_only_a_phone_is_written_with_its_sms(mapper: ContactMapper) -> None:
    op = mapper.map(person(email=None, phone="0033 (6) 12-34.56.78"))
    assert op.email is None
    assert op.attributes["SMS"] == "+33612345678"


@pytest.mark.parametrize(
    "email", ["not-an-email", "a@b", "a b@example.com", "a@@example.com", "a@example..com", 42]
)
def test_an_invalid_email_without_a_phone_is_a_dead_letter_naming_the_field(
    mapper: ContactMapper, email: object
) -> None:
    error = mapping_error(mapper, person(email=email, phone=None))
    assert error.reason is Reason.INVALID_EMAIL
    assert error.field == "email"
    assert error.message.startswith("person 7: email")


@pytest.mark.parametrize(
    "phone", ["06 12 34 56 78", "+0612345678", "+33 6 12", "call me", 33612345678]
)
def test_an_invalid_phone_without_an_email_is_a_dead_letter(
    mapper: ContactMapper, phone: object
) -> None:
    error = mapping_error(mapper, person(email=None, phone=phone))
    assert error.reason is Reason.INVALID_PHONE
    assert error.field == "phone"


def test_an_invalid_email_is_dropped_when_the_phone_is_valid(mapper: ContactMapper) -> None:
    op = mapper.map(person(email="nope"))
    assert op.email is None
    assert op.attributes["SMS"] == "+33612345678"


def test_an_invalid_phone_is_dropped_when_the_email_is_valid(mapper: ContactMapper) -> None:
    op = mapper.map(person(phone="06 12 34 56 78"))
    assert op.email == "zoe@example.com"
    assert "SMS" not in op.attributes


def test_an_invalid_email_and_an_invalid_phone_are_both_reported(mapper: ContactMapper) -> None:
    error = mapping_error(mapper, person(email="nope", phone="12"))
    assert error.reason is Reason.INVALID_EMAIL
    assert "email" in error.message
    assert "phone" in error.message


def test_an_attribute_that_is_an_object_is_a_type_mismatch_naming_field_and_path(
    mapper: ContactMapper,
) -> None:
    error = mapping_error(mapper, person(org_id={"name": {"en": "Acme"}}))
    assert error.reason is Reason.TYPE_MISMATCH
    assert error.field == "org_id.name"
    assert "COMPANY" in error.message
    assert "org_id.name" in error.message


def test_an_attribute_that_is_a_list_is_a_type_mismatch(mapper: ContactMapper) -> None:
    error = mapping_error(mapper, person(first_name=["Zoë", "Zoe"]))
    assert error.reason is Reason.TYPE_MISMATCH
    assert error.field == "first_name"


def test_text_over_five_thousand_characters_is_too_long(mapper: ContactMapper) -> None:
    assert mapper.map(person(name="x" * 5000)).attributes["FULLNAME"] == "x" * 5000
    error = mapping_error(mapper, person(name="x" * 5001))
    assert error.reason is Reason.VALUE_TOO_LONG
    assert error.field == "name"


def test_a_missing_identifier_is_reported_before_attribute_problems(mapper: ContactMapper) -> None:
    error = mapping_error(mapper, person(email=None, phone=None, name={"odd": 1}))
    assert error.reason is Reason.MISSING_IDENTIFIER


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**53 + 1])
def test_numbers_json_cannot_carry_exactly_are_a_type_mismatch(
    mapper: ContactMapper, value: object
) -> None:
    assert mapping_error(mapper, person(won_deals_count=value)).reason is Reason.TYPE_MISMATCH


def test_a_lone_surrogate_in_text_is_a_type_mismatch(mapper: ContactMapper) -> None:
    assert mapping_error(mapper, person(last_name="Mar\ud800tin")).reason is Reason.TYPE_MISMATCH


def test_booleans_numbers_and_dates_are_kept_with_their_type() -> None:
    from datetime import date

    mapper = compile_contact_mapping(
        {"email": "email", "vip": "VIP", "score": "SCORE", "since": "SINCE"},
        vendor="pipedrive",
        resource="persons",
    )
    op = mapper.map(
        {"id": 1, "email": "a@b.co", "vip": True, "score": 2.5, "since": date(2024, 5, 1)}
    )
    assert op.attributes == {"VIP": True, "SCORE": 2.5, "SINCE": "2024-05-01"}


def test_mapping_the_same_record_twice_gives_the_same_operation_and_hash(
    mapper: ContactMapper,
) -> None:
    first, second = mapper.map(person()), mapper.map(person())
    assert first == second
    assert content_hash(first) == content_hash(second)


def test_an_operation_survives_a_json_round_trip(mapper: ContactMapper) -> None:
    op = mapper.map(person())
    assert ContactUpsert.from_json(op.to_json()) == op


def test_a_mapping_error_survives_pickling_with_its_fields(mapper: ContactMapper) -> None:
    error = mapping_error(mapper, person(email=None, phone=None))
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, as Celery would carry them
    assert (copy.reason, copy.message, copy.field) == (error.reason, error.message, error.field)
