"""Shopify products and carts, Pipedrive activities and leads: what each record becomes in Brevo."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.core.errors import ConfigError
from mapping import MappingError, Reason
from tasks.streams import resource_mapper_for
from workers.config import parse_config

YAML = """
brevo: {api_key: k}
connectors:
  shopify:
    shop_url: shop.example
    access_token: t
    sync: {customers: true, orders: true, products: true, carts: true}
  pipedrive:
    api_token: t
    company_domain: acme
    sync: {persons: true, activities: true, leads: true}
    lists: {all_contacts: 60, qualified_leads: 61}
"""
CONFIG = parse_config(YAML)


def operations(connector: str, resource: str, record: dict[str, Any]) -> list[dict[str, Any]]:
    mapper = resource_mapper_for(CONFIG, connector, resource)
    return [op.to_json() for op in mapper.map_operations(record)]  # type: ignore[misc]


def test_a_graphql_product_becomes_a_brevo_product_priced_by_its_first_variant() -> None:
    [product] = operations(
        "shopify",
        "products",
        {
            "id": "632910392",
            "title": "IPod Nano - 8GB",
            "handle": "ipod-nano",
            "vendor": "Apple",
            "productType": "Cult Products",
            "status": "ACTIVE",
            "onlineStoreUrl": "https://shop.example/products/ipod-nano",
            "featuredImage": {"url": "https://cdn.example/ipod.png"},
            "tags": ["Emotive", "Flash Memory"],
            "variants": {"nodes": [{"sku": "IPOD2008PINK", "price": "199.00"}]},
        },
    )
    assert product == {
        "op": "product.upsert",
        "key": "shopify:products:632910392",
        "source_id": "632910392",
        "body": {
            "id": "632910392",
            "name": "IPod Nano - 8GB",
            "url": "https://shop.example/products/ipod-nano",
            "imageUrl": "https://cdn.example/ipod.png",
            "sku": "IPOD2008PINK",
            "price": 199.0,
            "metaInfo": {
                "vendor": "Apple",
                "product_type": "Cult Products",
                "handle": "ipod-nano",
                "status": "ACTIVE",
                "tags": "Emotive, Flash Memory",
            },
        },
    }


def test_an_archived_product_is_sent_as_deleted_and_one_without_a_title_is_refused() -> None:
    [archived] = operations("shopify", "products", {"id": 1, "title": "Old", "status": "ARCHIVED"})
    assert archived["body"]["isDeleted"] is True
    with pytest.raises(MappingError) as caught:
        operations("shopify", "products", {"id": 2, "title": "  "})
    assert caught.value.reason is Reason.UNSUPPORTED_RECORD


def test_an_abandoned_checkout_becomes_one_cart_abandoned_event_with_its_items_and_url() -> None:
    [event] = operations(
        "shopify",
        "carts",
        {
            "id": 450789469,
            "created_at": "2024-03-13T16:09:54-04:00",
            "updated_at": "2024-03-13T17:00:00-04:00",
            "abandoned_checkout_url": "https://shop.example/recover/450789469",
            "total_price": "398.00",
            "currency": "usd",
            "customer": {"id": 207119551},
            "line_items": [
                {
                    "product_id": 632910392,
                    "variant_id": 39072856,
                    "title": "IPod Nano",
                    "sku": "IPOD2008PINK",
                    "quantity": 2,
                    "price": "199.00",
                }
            ],
        },
    )
    assert event == {
        "op": "event.track",
        "key": "event:cart_abandoned:shopify:carts:450789469",
        "source_id": "450789469",
        "body": {
            "event_name": "cart_abandoned",
            "identifiers": {"ext_id": "shopify:customers:207119551"},
            "event_date": "2024-03-13T21:00:00Z",
            "event_properties": {
                "cart_id": "450789469",
                "amount": 398.0,
                "items": [
                    {
                        "productId": "632910392",
                        "quantity": 2,
                        "price": 199.0,
                        "variantId": "39072856",
                        "title": "IPod Nano",
                        "sku": "IPOD2008PINK",
                    }
                ],
                "recovery_url": "https://shop.example/recover/450789469",
                "currency": "USD",
            },
        },
    }


def test_a_completed_checkout_is_no_abandoned_cart() -> None:
    record = {"id": 1, "created_at": "2024-03-13T16:09:54Z", "total_price": "1.00"}
    assert operations("shopify", "carts", {**record, "completed_at": "2024-03-14T00:00:00Z"}) == []


def test_an_activity_is_logged_on_its_person_with_its_type_subject_and_deal() -> None:
    [event] = operations(
        "pipedrive",
        "activities",
        {
            "id": 8,
            "type": "call",
            "subject": "Intro call",
            "done": True,
            "deal_id": 12,
            "person_id": 7,
            "due_date": "2024-03-14",
            "marked_as_done_time": "2024-03-14T10:00:00Z",
            "update_time": "2024-03-14T11:00:00Z",
        },
    )
    assert event["key"] == "event:activity_logged:pipedrive:activities:8"
    assert event["body"] == {
        "event_name": "activity_logged",
        "identifiers": {"ext_id": "pipedrive:persons:7"},
        "event_date": "2024-03-14T10:00:00Z",
        "event_properties": {
            "activity_id": "8",
            "type": "call",
            "subject": "Intro call",
            "done": True,
            "due_date": "2024-03-14",
            "deal_id": "12",
        },
    }


def test_an_activity_reaches_its_primary_participant_or_is_a_missing_identifier() -> None:
    participants = [{"person_id": 3, "primary": False}, {"person_id": 9, "primary": True}]
    [event] = operations("pipedrive", "activities", {"id": 1, "participants": participants})
    assert event["body"]["identifiers"] == {"ext_id": "pipedrive:persons:9"}
    with pytest.raises(MappingError) as caught:
        operations("pipedrive", "activities", {"id": 2, "subject": "no one"})
    assert caught.value.reason is Reason.MISSING_IDENTIFIER


def test_a_lead_puts_its_person_on_qualified_leads_and_an_archived_one_takes_it_off() -> None:
    [added] = operations("pipedrive", "leads", {"id": "adf21080", "person_id": 7})
    [removed] = operations(
        "pipedrive", "leads", {"id": "adf21080", "person_id": 7, "is_archived": True}
    )
    assert added["op"] == "list.add"
    assert added["body"] == {"listId": 61, "identifier": {"ext_id": "pipedrive:persons:7"}}
    assert (removed["op"], removed["key"]) == ("list.remove", added["key"])


def test_leads_without_a_qualified_leads_list_are_a_config_error_naming_the_key() -> None:
    config = parse_config(YAML.replace(", qualified_leads: 61", ""))
    with pytest.raises(ConfigError) as caught:
        resource_mapper_for(config, "pipedrive", "leads")
    assert caught.value.key_path == "connectors.pipedrive.lists.qualified_leads"
