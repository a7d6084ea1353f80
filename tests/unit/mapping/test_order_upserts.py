"""Shopify orders -> Brevo e-commerce orders, REST and GraphQL spellings."""

from __future__ import annotations

from typing import Any

import pytest

from mapping import MappingError, OrderUpsert, Reason, compile_record_mapping

ORDERS = compile_record_mapping([OrderUpsert()], vendor="shopify", resource="orders")
REST_ORDER: dict[str, Any] = {
    "id": 450789469,
    "name": "#1001",
    "email": "bob@example.com",
    "created_at": "2024-03-13T16:09:54-04:00",
    "updated_at": "2024-03-14T08:00:00-04:00",
    "total_price": "199.65",
    "currency": "usd",
    "financial_status": "paid",
    "fulfillment_status": None,
    "customer": {"id": 207119551, "email": "bob@example.com"},
    "line_items": [
        {"product_id": 632910392, "variant_id": 39072856, "quantity": 2, "price": "99.00"},
        {"product_id": None, "id": 77, "quantity": 1, "price": "1.65"},
    ],
    "discount_codes": [{"code": "TENOFF", "amount": "10.00"}],
    "billing_address": {"address1": "1 Main", "address2": "Apt 2", "city": "Ottawa", "zip": "K2P"},
}


def test_a_rest_order_becomes_a_brevo_order_linked_to_its_customer_contact() -> None:
    (op,) = ORDERS.map_operations(REST_ORDER)
    assert op.to_json() == {
        "op": "order.upsert",
        "key": "shopify:orders:450789469",
        "source_id": "450789469",
        "body": {
            "id": "450789469",
            "createdAt": "2024-03-13T20:09:54Z",
            "updatedAt": "2024-03-14T12:00:00Z",
            "status": "paid",
            "amount": 199.65,
            "products": [
                {"productId": "632910392", "quantity": 2, "price": 99.0, "variantId": "39072856"},
                {"productId": "77", "quantity": 1, "price": 1.65},
            ],
            "identifiers": {"ext_id": "shopify:customers:207119551"},
            "billing": {"address": "1 Main, Apt 2", "city": "Ottawa", "postCode": "K2P"},
            "coupons": ["TENOFF"],
            "metaInfo": {"order_name": "#1001", "currency": "USD"},
        },
    }


def test_a_graphql_order_reads_money_sets_and_line_item_nodes() -> None:
    order = {
        "id": "gid://shopify/Order/1",
        "createdAt": "2024-05-01T10:00:00Z",
        "totalPriceSet": {"shopMoney": {"amount": "12.00", "currencyCode": "EUR"}},
        "displayFulfillmentStatus": "FULFILLED",
        "email": "Ana@Example.com",
        "lineItems": {
            "nodes": [
                {
                    "product": {"id": "gid://shopify/Product/9"},
                    "quantity": 3,
                    "originalUnitPriceSet": {"shopMoney": {"amount": "4.00"}},
                }
            ]
        },
    }
    body = ORDERS.map_operations(order)[0].body
    assert body["status"] == "completed"
    assert body["amount"] == 12.0
    assert body["identifiers"] == {"email_id": "ana@example.com"}
    assert body["products"] == [
        {"productId": "gid://shopify/Product/9", "quantity": 3, "price": 4.0}
    ]
    assert body["updatedAt"] == body["createdAt"] == "2024-05-01T10:00:00Z"


def test_a_cancelled_order_says_so_before_anything_else() -> None:
    body = ORDERS.map_operations({**REST_ORDER, "cancelled_at": "2024-03-15T00:00:00Z"})[0].body
    assert body["status"] == "cancelled"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"customer": None, "email": "not an email", "phone": None}, Reason.MISSING_IDENTIFIER),
        ({"created_at": None}, Reason.UNSUPPORTED_RECORD),
        ({"created_at": "yesterday"}, Reason.TRANSFORM_FAILED),
        ({"total_price": "lots"}, Reason.TRANSFORM_FAILED),
        ({"line_items": {"a": 1}}, Reason.TYPE_MISMATCH),
        ({"line_items": [{"product_id": 1, "quantity": "2", "price": "1"}]}, Reason.TYPE_MISMATCH),
    ],
)
def test_an_order_brevo_could_not_take_is_a_mapping_error_with_a_reason(
    change: dict[str, Any], reason: Reason
) -> None:
    with pytest.raises(MappingError) as caught:
        ORDERS.map_operations({**REST_ORDER, **change})
    assert caught.value.reason is reason
    assert caught.value.message.startswith("order 450789469:")
