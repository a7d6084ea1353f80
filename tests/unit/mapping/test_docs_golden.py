"""Golden tests: the mapping blocks of the Shopify and Pipedrive connector docs, as written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors.core.errors import ConfigError
from mapping import MappingError, Reason, SpecError, compile_contact_mapping
from tasks.streams import mapper_for, resource_mapper_for
from workers.config import parse_config

EXAMPLES = Path(__file__).parents[2] / "fixtures" / "config-examples"
ENV = {"SHOPIFY_API_KEY": "k", "SHOPIFY_API_SECRET": "s"}
LEAD_SOURCE_KEY = "a" * 40
PERSON_FIELDS = [
    {"key": "name", "name": "Name", "field_type": "varchar"},
    {
        "key": LEAD_SOURCE_KEY,
        "name": "Lead source",
        "field_type": "enum",
        "options": [{"id": 17, "label": "Website"}, {"id": 18, "label": "Referral"}],
    },
    {"key": "b" * 40, "name": "Industry", "field_type": "varchar"},
    {"key": "c" * 40, "name": "Company size", "field_type": "double"},
]


def example(name: str) -> Any:
    return parse_config((EXAMPLES / name).read_text(encoding="utf-8"), env=ENV)


def test_the_pipedrive_docs_mapping_maps_a_person_with_deals_and_custom_fields() -> None:
    mapper = mapper_for(
        example("pipedrive.yaml"), "pipedrive", "persons", vendor_fields=PERSON_FIELDS
    )
    person = {
        "id": 7,
        "name": "Zoë Martin",
        "first_name": "Zoë",
        "last_name": "Martin",
        "email": "Zoe@Example.com",
        "phone": "+33 6 12 34 56 78",
        "org_id": {"value": 3, "name": "Acme"},
        "custom_fields": {LEAD_SOURCE_KEY: 17, "b" * 40: "Retail", "c" * 40: 50.0},
        "deals": [
            {"status": "won", "value": 1200.5},
            {"status": "won", "value": "99.50"},
            {"status": "lost", "value": 10},
            {"status": "open", "value": 5},
        ],
    }
    assert mapper.map(person).to_json() == {
        "op": "contact.upsert",
        "ext_id": "pipedrive:persons:7",
        "source_id": "7",
        "email": "zoe@example.com",
        "attributes": {
            "FULLNAME": "Zoë Martin",
            "FIRSTNAME": "Zoë",
            "LASTNAME": "Martin",
            "COMPANY": "Acme",
            "WON_DEALS": 2,
            "LOST_DEALS": 1,
            "OPEN_DEALS": 1,
            "CLOSED_DEALS": 3,
            "LTV": 1300.0,
            "LEAD_SOURCE": "Website",
            "INDUSTRY": "Retail",
            "COMPANY_SIZE": 50.0,
            "SMS": "+33612345678",
        },
        "list_ids": [60],
    }


def test_a_custom_field_mapped_by_key_keeps_working_after_a_rename() -> None:
    renamed = [
        dict(f, name="Source of lead") if f["key"] == LEAD_SOURCE_KEY else f for f in PERSON_FIELDS
    ]
    spec = {"email": "email", f"custom_fields.{LEAD_SOURCE_KEY}": "LEAD_SOURCE"}
    mapper = compile_contact_mapping(
        spec, vendor="pipedrive", resource="persons", vendor_fields=renamed
    )
    op = mapper.map({"id": 1, "email": "a@example.com", "custom_fields": {LEAD_SOURCE_KEY: 18}})
    assert op.attributes["LEAD_SOURCE"] == "Referral"


def test_a_custom_field_name_the_account_does_not_have_is_a_spec_error() -> None:
    with pytest.raises(SpecError) as caught:
        compile_contact_mapping(
            {"email": "email", "custom_fields.nope": "NOPE"},
            vendor="pipedrive",
            resource="persons",
            vendor_fields=PERSON_FIELDS,
        )
    assert caught.value.key_path == "custom_fields.nope"


def test_the_shopify_overview_mapping_maps_a_rest_customer_with_money_as_a_number() -> None:
    mapper = mapper_for(example("shopify.yaml"), "shopify", "customers")
    customer = {
        "id": 207119551,
        "email": "Bob.Norman@Mail.Example.com",
        "first_name": "Bob",
        "last_name": "Norman",
        "total_spent": "199.65",
    }
    assert mapper.map(customer).to_json()["attributes"] == {
        "FIRSTNAME": "Bob",
        "LASTNAME": "Norman",
        "TOTAL_SPENT": 199.65,
    }


def test_the_camel_case_quick_start_mapping_computes_orders_from_related_records() -> None:
    spec = {
        "email": "email",
        "firstName": "FIRSTNAME",
        "lastName": "LASTNAME",
        "totalOrders": "ORDER_COUNT",
        "totalSpent": "TOTAL_REVENUE",
        "lastOrderDate": "LAST_ORDER_DATE",
    }
    mapper = compile_contact_mapping(spec, vendor="shopify", resource="customers")
    customer = {
        "id": "gid://shopify/Customer/1",
        "email": "ana@example.com",
        "firstName": "Ana",
        "lastName": "Silva",
        "orders": [
            {"created_at": "2024-03-01T10:00:00+01:00", "total_price": "10.00"},
            {"created_at": "2024-05-02T23:30:00-02:00", "total_price": "5.50"},
        ],
    }
    assert mapper.map(customer).attributes == {
        "FIRSTNAME": "Ana",
        "LASTNAME": "Silva",
        "ORDER_COUNT": 2,
        "TOTAL_REVENUE": 15.5,
        "LAST_ORDER_DATE": "2024-05-03",
    }


def test_an_unsubscribed_shopify_customer_is_blocklisted_and_never_resubscribed() -> None:
    spec = {"email": "email", "email_marketing_consent": "emailBlacklisted"}
    mapper = compile_contact_mapping(spec, vendor="shopify", resource="customers")
    base = {"id": 1, "email": "a@example.com"}
    unsubscribed = mapper.map({**base, "email_marketing_consent": {"state": "unsubscribed"}})
    subscribed = mapper.map({**base, "email_marketing_consent": {"state": "subscribed"}})
    assert unsubscribed.to_json()["email_blacklisted"] is True
    assert "email_blacklisted" not in subscribed.to_json()


def test_the_long_form_reads_json_pointers_with_transforms_and_defaults() -> None:
    spec = {
        "email": {"from": "/customer/email", "required": True},
        "SMS": {"from": "/customer/addresses/0/phone", "transform": ["phone:FR"]},
        "COUNTRY": {"from": "/customer/addresses/0/country_code", "transform": ["country"]},
        "CITY": {"from": "/customer/addresses/0/city", "default": "Unknown"},
        "NAME": {"from": ["/customer/first", "/customer/last"], "transform": ["concat"]},
    }
    mapper = compile_contact_mapping(
        spec, vendor="connectif", resource="contacts", id_path="customer.id"
    )
    record = {
        "customer": {
            "id": "c-1",
            "email": "A@Example.com",
            "first": "Ana",
            "last": "Silva",
            "addresses": [{"phone": "06 12 34 56 78", "country_code": "fr"}],
        }
    }
    op = mapper.map(record)
    assert op.email == "a@example.com"
    assert op.attributes == {
        "SMS": "+33612345678",
        "COUNTRY": "FR",
        "CITY": "Unknown",
        "NAME": "Ana Silva",
    }


def test_brevo_attributes_turn_unknown_attributes_and_wrong_types_into_mapping_errors() -> None:
    account = [{"name": "FIRSTNAME", "type": "text"}, {"name": "SCORE", "type": "float"}]
    spec = {"email": "email", "first_name": "FIRSTNAME", "score": "SCORE", "x": "X"}
    mapper = compile_contact_mapping(
        spec, vendor="shopify", resource="customers", brevo_attributes=account
    )
    with pytest.raises(MappingError) as unknown:
        mapper.map({"id": 1, "email": "a@example.com", "x": "y"})
    assert unknown.value.reason is Reason.UNKNOWN_ATTRIBUTE
    assert unknown.value.field == "x"
    with pytest.raises(MappingError) as mismatch:
        mapper.map({"id": 1, "email": "a@example.com", "score": "lots"})
    assert mismatch.value.reason is Reason.TYPE_MISMATCH


def test_a_spec_naming_an_unknown_transform_names_its_key() -> None:
    with pytest.raises(SpecError) as caught:
        compile_contact_mapping(
            {"email": "email", "CITY": {"from": "city", "transform": ["upper", "shout"]}},
            vendor="shopify",
            resource="customers",
        )
    assert caught.value.key_path == "CITY.transform[1]"


def test_the_pipedrive_docs_deal_stage_mapping_moves_a_won_deals_person_to_customers() -> None:
    mapper = resource_mapper_for(example("pipedrive.yaml"), "pipedrive", "deals")
    deal = {"id": 42, "title": "Acme renewal", "value": 1200, "person_id": 7, "stage_id": 4}
    won = [op.to_json() for op in mapper.map_operations({**deal, "status": "won"})]
    person = {"ext_id": "pipedrive:persons:7"}
    assert won == [
        {
            "op": "deal.upsert",
            "key": "pipedrive:deals:42",
            "source_id": "42",
            "body": {
                "ext_id": "pipedrive:deals:42",
                "name": "Acme renewal",
                "attributes": {"amount": 1200.0},
            },
        },
        *(
            {
                "op": op,
                "key": f"list:{list_id}:pipedrive:persons:7",
                "source_id": "42",
                "body": {"listId": list_id, "identifier": person},
            }
            for op, list_id in [
                ("list.add", 63),
                ("list.remove", 61),
                ("list.remove", 62),
                ("list.remove", 64),
            ]
        ),
    ]
    open_in_stage_2 = mapper.map_operations({**deal, "stage_id": 2, "status": "open"})
    assert [(op.op, op.body.get("listId")) for op in open_in_stage_2][1] == ("list.add", 61)


def test_the_pipedrive_docs_webhook_rules_turn_every_listed_change_into_its_event() -> None:
    mapper = resource_mapper_for(example("pipedrive.yaml"), "pipedrive", "webhooks")
    changes = [
        ("create", "person", {"id": 7, "name": "Zoë"}, {}),
        ("change", "person", {"id": 7, "name": "Zoë M"}, {}),
        ("create", "deal", {"id": 42, "person_id": 7}, {}),
        ("change", "deal", {"id": 42, "person_id": 7}, {}),
        ("delete", "person", None, {"merged_to_id": 7}),
        ("create", "activity", {"id": 5, "person_id": 7, "subject": "Call"}, {}),
    ]
    names = []
    for index, (action, entity, data, meta) in enumerate(changes):
        payload = {
            "meta": {"id": f"d{index}", "action": action, "entity": entity, **meta},
            "data": data,
            "previous": {"id": 9} if data is None else None,
        }
        (op,) = mapper.map_operations(payload)
        assert op.body["identifiers"] == {"ext_id": "pipedrive:persons:7"}
        names.append(op.body["event_name"])
    assert names == [
        "contact_created",
        "contact_updated",
        "deal_created",
        "deal_updated",
        "contact_merged",
        "activity_logged",
    ]


def test_the_pipedrive_docs_config_maps_organizations_to_companies() -> None:
    mapper = resource_mapper_for(example("pipedrive.yaml"), "pipedrive", "organizations")
    (op,) = mapper.map_operations({"id": 3, "name": "Acme", "owner_id": 1})
    assert op.to_json()["body"] == {
        "ext_id": "pipedrive:organizations:3",
        "name": "Acme",
        "attributes": {},
    }


def test_the_shopify_overview_config_maps_orders_and_blocklists_unsubscribed_customers() -> None:
    config = example("shopify.yaml")
    order, placed = resource_mapper_for(config, "shopify", "orders").map_operations(
        {
            "id": 1001,
            "created_at": "2024-03-13T16:09:54Z",
            "total_price": "19.90",
            "customer": {"id": 207119551},
            "line_items": [{"product_id": 5, "quantity": 1, "price": "19.90"}],
        }
    )
    assert order.to_json()["body"]["identifiers"] == {"ext_id": "shopify:customers:207119551"}
    assert placed.to_json() == {
        "op": "event.track",
        "key": "event:order_placed:shopify:orders:1001",
        "source_id": "1001",
        "body": {
            "event_name": "order_placed",
            "identifiers": {"ext_id": "shopify:customers:207119551"},
            "event_date": "2024-03-13T16:09:54Z",
            "event_properties": {"order_id": "1001", "amount": 19.9, "items": 1},
        },
    }
    customers = resource_mapper_for(config, "shopify", "customers")
    [upsert] = customers.map_operations(
        {"id": 1, "email": "a@example.com", "email_marketing_consent": {"state": "unsubscribed"}}
    )
    assert upsert.to_json()["op"] == "contact.upsert"
    assert upsert.to_json()["email_blacklisted"] is True  # type: ignore[typeddict-item]


def test_a_bad_deal_stage_key_or_webhook_rule_is_a_config_error_with_its_key_path() -> None:
    text = (EXAMPLES / "pipedrive.yaml").read_text(encoding="utf-8")
    bad_stage = text.replace('"lost": 64', '"lsot": 64')
    with pytest.raises(ConfigError) as caught:
        resource_mapper_for(parse_config(bad_stage, env=ENV), "pipedrive", "deals")
    assert caught.value.key_path == "connectors.pipedrive.deal_stage_mapping.lsot"
    bad_event = text.replace('"deal_updated"', '"deal updated"')
    with pytest.raises(ConfigError) as caught:
        resource_mapper_for(parse_config(bad_event, env=ENV), "pipedrive", "webhooks")
    assert caught.value.key_path == "connectors.pipedrive.webhooks[3].brevo_event"
