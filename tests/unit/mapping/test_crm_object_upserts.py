"""Companies, deals and custom objects: a field spec compiled into one upsert per record."""

from __future__ import annotations

import pytest

from mapping import (
    DEFAULT_SPECS,
    MappingError,
    Reason,
    SpecError,
    compile_object_upsert,
    compile_record_mapping,
)


def mapper(spec: dict[str, object], kind: str, resource: str):  # type: ignore[no-untyped-def]
    part = compile_object_upsert(spec, kind=kind, vendor="pipedrive", resource=resource)  # type: ignore[arg-type]
    return compile_record_mapping([part], vendor="pipedrive", resource=resource)


ORGANIZATIONS = mapper(
    {"name": "name", "address.value": "address", "people_count": "number_of_contacts"},
    "company.upsert",
    "organizations",
)


def test_an_organization_becomes_a_company_upsert_keyed_by_its_ext_id() -> None:
    org = {"id": 3, "name": "Acme", "address": {"value": "1 Rue de Rivoli"}, "people_count": 4}
    (op,) = ORGANIZATIONS.map_operations(org)
    assert op.to_json() == {
        "op": "company.upsert",
        "key": "pipedrive:organizations:3",
        "source_id": "3",
        "body": {
            "ext_id": "pipedrive:organizations:3",
            "name": "Acme",
            "attributes": {"address": "1 Rue de Rivoli", "number_of_contacts": 4},
        },
    }


def test_the_default_deal_spec_reads_the_title_and_the_value_as_an_amount() -> None:
    deals = mapper(dict(DEFAULT_SPECS["pipedrive", "deals"]), "deal.upsert", "deals")
    (op,) = deals.map_operations({"id": 42, "title": "Big deal", "value": "1,200.50 EUR"})
    assert op.to_json()["body"] == {
        "ext_id": "pipedrive:deals:42",
        "name": "Big deal",
        "attributes": {"amount": 1200.5},
    }


def test_a_record_without_a_name_is_a_missing_identifier_naming_the_source() -> None:
    with pytest.raises(MappingError) as caught:
        ORGANIZATIONS.map_operations({"id": 3, "name": "  "})
    assert caught.value.reason is Reason.MISSING_IDENTIFIER
    assert caught.value.field == "name"
    assert caught.value.message.startswith("organization 3:")


def test_a_spec_with_brevo_object_maps_to_that_custom_object_type() -> None:
    leads = mapper(
        {"brevo_object": "lead", "title": "title", "value.amount": "Amount"},
        "deal.upsert",
        "leads",
    )
    (op,) = leads.map_operations({"id": "adf21080", "title": "Lead", "value": {"amount": 5}})
    assert op.to_json() == {
        "op": "object.upsert",
        "key": "pipedrive:leads:adf21080",
        "source_id": "adf21080",
        "body": {
            "object_type": "lead",
            "identifiers": {"ext_id": "pipedrive:leads:adf21080"},
            "attributes": {"title": "Lead", "Amount": 5},
        },
    }


def test_objects_and_lists_in_attribute_values_are_type_mismatches() -> None:
    with pytest.raises(MappingError) as caught:
        ORGANIZATIONS.map_operations({"id": 3, "name": "Acme", "people_count": {"n": 1}})
    assert caught.value.reason is Reason.TYPE_MISMATCH


@pytest.mark.parametrize(
    ("spec", "key_path"),
    [
        ({"title": "Name"}, "title"),
        ({"name": "name", "title": "name"}, "title"),
        ({"title": "amount"}, ""),
        ({"brevo_object": "bad type!", "title": "title"}, "brevo_object"),
        ({"name": "name", "x": {"from": "x", "transform": ["nope"]}}, "x.transform[0]"),
    ],
)
def test_a_bad_spec_is_a_spec_error_naming_its_key(spec: dict[str, object], key_path: str) -> None:
    with pytest.raises(SpecError) as caught:
        compile_object_upsert(spec, kind="deal.upsert", vendor="pipedrive", resource="deals")
    assert caught.value.key_path == key_path
