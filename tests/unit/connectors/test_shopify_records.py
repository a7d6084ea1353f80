"""Shopify records: one shape per resource, whether GraphQL read them or a webhook sent them."""

from __future__ import annotations

from typing import Any

from connectors.shopify.records import numeric_id, present, utc_timestamp
from mapping import BrevoOperation, OrderUpsert, compile_contact_mapping, compile_record_mapping

GRAPHQL_CUSTOMER: dict[str, Any] = {
    "id": "gid://shopify/Customer/207119551",
    "email": "bob.norman@mail.example.com",
    "firstName": "Bob",
    "lastName": "Norman",
    "phone": "+16136120707",
    "state": "ENABLED",
    "verifiedEmail": True,
    "note": None,
    "locale": "en",
    "tags": ["vip", "newsletter"],
    "numberOfOrders": "3",
    "amountSpent": {"amount": "199.65", "currencyCode": "USD"},
    "createdAt": "2024-03-13T16:09:54Z",
    "updatedAt": "2024-05-01T08:00:00Z",
    "emailMarketingConsent": {
        "marketingState": "UNSUBSCRIBED",
        "marketingOptInLevel": "SINGLE_OPT_IN",
        "consentUpdatedAt": "2024-04-01T10:00:00Z",
    },
    "smsMarketingConsent": {
        "marketingState": "SUBSCRIBED",
        "marketingOptInLevel": "SINGLE_OPT_IN",
        "consentUpdatedAt": None,
        "consentCollectedFrom": "SHOPIFY",
    },
    "defaultAddress": {
        "firstName": "Bob",
        "lastName": "Norman",
        "company": None,
        "address1": "1 Rue de la Paix",
        "address2": None,
        "city": "Paris",
        "province": None,
        "provinceCode": None,
        "country": "France",
        "countryCodeV2": "FR",
        "zip": "75002",
        "phone": None,
    },
    "lastOrder": {
        "id": "gid://shopify/Order/450789469",
        "name": "#1001",
        "createdAt": "2024-05-01T07:59:00Z",
    },
}

#: The same customer as a `customers/update` webhook body (REST shape, shop offset -04:00).
REST_CUSTOMER: dict[str, Any] = {
    "id": 207119551,
    "admin_graphql_api_id": "gid://shopify/Customer/207119551",
    "email": "bob.norman@mail.example.com",
    "first_name": "Bob",
    "last_name": "Norman",
    "phone": "+16136120707",
    "state": "enabled",
    "verified_email": True,
    "note": None,
    "locale": "en",
    "tags": "vip, newsletter",
    "orders_count": 3,
    "total_spent": "199.65",
    "currency": "USD",
    "created_at": "2024-03-13T12:09:54-04:00",
    "updated_at": "2024-05-01T04:00:00-04:00",
    "last_order_id": 450789469,
    "last_order_name": "#1001",
    "last_order_date": "2024-05-01T03:59:00-04:00",
    "email_marketing_consent": {
        "state": "unsubscribed",
        "opt_in_level": "single_opt_in",
        "consent_updated_at": "2024-04-01T06:00:00-04:00",
    },
    "sms_marketing_consent": {
        "state": "subscribed",
        "opt_in_level": "single_opt_in",
        "consent_updated_at": None,
        "consent_collected_from": "SHOPIFY",
    },
    "default_address": {
        "first_name": "Bob",
        "last_name": "Norman",
        "address1": "1 Rue de la Paix",
        "city": "Paris",
        "country": "France",
        "country_code": "FR",
        "zip": "75002",
    },
}


def test_a_gid_an_int_and_a_digit_string_give_the_same_numeric_id() -> None:
    assert numeric_id("gid://shopify/Customer/42") == "42"
    assert numeric_id(42) == "42"
    assert numeric_id("42") == "42"
    assert numeric_id("gid://shopify/Checkout/7?key=abc") == "7"
    assert numeric_id("gid://shopify/Customer/x") is None
    assert numeric_id(True) is None
    assert numeric_id(-1) is None


def test_timestamps_become_utc_with_a_z_and_unreadable_ones_pass_as_they_came() -> None:
    assert utc_timestamp("2024-03-13T12:09:54-04:00") == "2024-03-13T16:09:54Z"
    assert utc_timestamp("2024-03-13T16:09:54Z") == "2024-03-13T16:09:54Z"
    assert utc_timestamp("yesterday") == "yesterday"
    assert utc_timestamp(None) is None


def test_a_rest_webhook_customer_presents_exactly_like_the_graphql_read() -> None:
    assert present("customers", REST_CUSTOMER) == present("customers", GRAPHQL_CUSTOMER)


def test_a_presented_customer_carries_both_spellings_of_the_docs_mappings() -> None:
    customer = present("customers", GRAPHQL_CUSTOMER)
    assert customer["id"] == "207119551"
    assert customer["first_name"] == customer["firstName"] == "Bob"
    assert customer["total_spent"] == customer["totalSpent"] == "199.65"
    assert customer["amountSpent"] == {"amount": "199.65", "currencyCode": "USD"}
    assert customer["orders_count"] == customer["numberOfOrders"] == customer["totalOrders"] == 3
    assert customer["last_order_date"] == customer["lastOrderDate"] == "2024-05-01T07:59:00Z"
    assert customer["tags"] == ["vip", "newsletter"]
    assert customer["email_marketing_consent"] == {
        "state": "unsubscribed",
        "opt_in_level": "single_opt_in",
        "consent_updated_at": "2024-04-01T10:00:00Z",
    }
    assert customer["emailMarketingConsent"]["marketingState"] == "UNSUBSCRIBED"
    assert customer["default_address"]["country_code"] == "FR"
    assert customer["defaultAddress"]["countryCodeV2"] == "FR"


def test_both_docs_mappings_map_the_webhook_body_and_the_graphql_read_identically() -> None:
    basic: dict[object, object] = {
        "email": "email",
        "first_name": "FIRSTNAME",
        "last_name": "LASTNAME",
        "total_spent": "TOTAL_SPENT",
        "email_marketing_consent": "emailBlacklisted",
    }
    quick_start: dict[object, object] = {
        "email": "email",
        "firstName": "FIRSTNAME",
        "lastName": "LASTNAME",
        "totalOrders": "ORDER_COUNT",
        "totalSpent": "TOTAL_REVENUE",
        "lastOrderDate": "LAST_ORDER_DATE",
    }
    for spec in (basic, quick_start):
        mapper = compile_contact_mapping(spec, vendor="shopify", resource="customers")
        from_rest = mapper.map(present("customers", REST_CUSTOMER)).to_json()
        from_graphql = mapper.map(present("customers", GRAPHQL_CUSTOMER)).to_json()
        assert from_rest == from_graphql
    mapped = mapper.map(present("customers", GRAPHQL_CUSTOMER))
    assert mapped.attributes == {
        "FIRSTNAME": "Bob",
        "LASTNAME": "Norman",
        "ORDER_COUNT": 3,
        "TOTAL_REVENUE": 199.65,
        "LAST_ORDER_DATE": "2024-05-01",
    }


GRAPHQL_ORDER: dict[str, Any] = {
    "id": "gid://shopify/Order/450789469",
    "name": "#1001",
    "email": "bob.norman@mail.example.com",
    "phone": None,
    "createdAt": "2024-05-01T07:59:00Z",
    "updatedAt": "2024-05-01T08:00:00Z",
    "processedAt": "2024-05-01T07:59:00Z",
    "cancelledAt": None,
    "displayFinancialStatus": "PAID",
    "displayFulfillmentStatus": "UNFULFILLED",
    "currencyCode": "EUR",
    "tags": [],
    "totalPriceSet": {"shopMoney": {"amount": "59.80", "currencyCode": "EUR"}},
    "subtotalPriceSet": {"shopMoney": {"amount": "59.80", "currencyCode": "EUR"}},
    "customer": {
        "id": "gid://shopify/Customer/207119551",
        "email": "bob.norman@mail.example.com",
        "firstName": "Bob",
        "lastName": "Norman",
        "phone": None,
    },
    "lineItems": {
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "nodes": [
            {
                "id": "gid://shopify/LineItem/1",
                "title": "Mug",
                "sku": "MUG-1",
                "quantity": 2,
                "variant": {"id": "gid://shopify/ProductVariant/11"},
                "product": {"id": "gid://shopify/Product/632910392"},
                "originalUnitPriceSet": {"shopMoney": {"amount": "29.90", "currencyCode": "EUR"}},
            }
        ],
    },
}
REST_ORDER: dict[str, Any] = {
    "id": 450789469,
    "admin_graphql_api_id": "gid://shopify/Order/450789469",
    "name": "#1001",
    "email": "bob.norman@mail.example.com",
    "phone": None,
    "created_at": "2024-05-01T09:59:00+02:00",
    "updated_at": "2024-05-01T10:00:00+02:00",
    "processed_at": "2024-05-01T09:59:00+02:00",
    "cancelled_at": None,
    "financial_status": "paid",
    "fulfillment_status": None,
    "currency": "EUR",
    "tags": "",
    "total_price": "59.80",
    "subtotal_price": "59.80",
    "customer": {
        "id": 207119551,
        "email": "bob.norman@mail.example.com",
        "first_name": "Bob",
        "last_name": "Norman",
        "phone": None,
    },
    "line_items": [
        {
            "id": 1,
            "title": "Mug",
            "sku": "MUG-1",
            "quantity": 2,
            "variant_id": 11,
            "product_id": 632910392,
            "price": "29.90",
        }
    ],
}


def test_an_order_webhook_body_and_its_graphql_read_present_and_map_identically() -> None:
    from_graphql = present("orders", GRAPHQL_ORDER)
    assert present("orders", REST_ORDER) == from_graphql
    assert from_graphql["line_items"] == [
        {
            "id": "1",
            "product_id": "632910392",
            "variant_id": "11",
            "title": "Mug",
            "sku": "MUG-1",
            "quantity": 2,
            "price": "29.90",
        }
    ]
    mapper = compile_record_mapping([OrderUpsert()], vendor="shopify", resource="orders")
    (operation,) = mapper.map_operations(from_graphql)
    assert isinstance(operation, BrevoOperation)
    body = operation.body
    assert body["identifiers"] == {"ext_id": "shopify:customers:207119551"}
    assert body["amount"] == 59.8
    assert body["products"] == [
        {"productId": "632910392", "quantity": 2, "price": 29.9, "variantId": "11"}
    ]
    assert operation.key == "shopify:orders:450789469"


def test_a_cart_carries_its_recovery_url_line_items_and_its_customers_email() -> None:
    cart = present(
        "carts",
        {
            "id": "gid://shopify/AbandonedCheckout/77",
            "name": "#C77",
            "abandonedCheckoutUrl": "https://shop.example/77/recover?key=k",
            "createdAt": "2024-05-01T07:00:00Z",
            "updatedAt": "2024-05-01T07:05:00Z",
            "completedAt": None,
            "totalPriceSet": {"shopMoney": {"amount": "10.00", "currencyCode": "EUR"}},
            "customer": {"id": "gid://shopify/Customer/5", "email": "ana@example.com"},
            "lineItems": {
                "nodes": [
                    {
                        "id": "gid://shopify/AbandonedCheckoutLineItem/3",
                        "quantity": 1,
                        "product": {"id": "gid://shopify/Product/9"},
                        "originalUnitPriceSet": {"shopMoney": {"amount": "10.00"}},
                    }
                ]
            },
        },
    )
    assert cart["id"] == "77"
    assert cart["abandoned_checkout_url"] == cart["recovery_url"]
    assert cart["recovery_url"] == "https://shop.example/77/recover?key=k"
    assert cart["email"] == "ana@example.com"
    assert cart["line_items"][0]["product_id"] == "9"
    assert cart["total_price"] == "10.00"


def test_a_product_has_its_price_range_and_lower_case_status() -> None:
    product = present(
        "products",
        {
            "id": "gid://shopify/Product/9",
            "title": "Mug",
            "status": "ACTIVE",
            "tags": ["kitchen"],
            "updatedAt": "2024-05-01T07:05:00Z",
            "priceRangeV2": {
                "minVariantPrice": {"amount": "5.00", "currencyCode": "EUR"},
                "maxVariantPrice": {"amount": "9.00", "currencyCode": "EUR"},
            },
        },
    )
    assert (product["id"], product["status"], product["min_price"], product["max_price"]) == (
        "9",
        "active",
        "5.00",
        "9.00",
    )


def test_malformed_values_are_passed_on_for_the_mapper_and_never_raise() -> None:
    odd = present(
        "customers",
        {
            "id": "not-a-gid",
            "email": 42,
            "tags": 7,
            "numberOfOrders": "many",
            "emailMarketingConsent": "yes",
            "defaultAddress": [],
            "updatedAt": "soon",
        },
    )
    assert odd["id"] == "not-a-gid"
    assert odd["email"] == 42
    assert odd["tags"] == 7
    assert odd["orders_count"] == "many"
    assert odd["email_marketing_consent"] == "yes"
    assert odd["default_address"] == []
    assert odd["updated_at"] == "soon"
    assert present("orders", "not an object") == {"id": None, "_malformed": "not an object"}
    order = present("orders", {"id": 1, "lineItems": "broken", "customer": 3})
    assert (order["line_items"], order["customer"]) == ("broken", 3)
