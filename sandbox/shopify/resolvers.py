"""Root fields of the Admin API: connections, single reads, `node(s)`, shop and app, scopes.

Every root read checks the token's access scopes first and answers Shopify's ACCESS_DENIED
error (with `requiredAccess`) when one is missing.
https://shopify.dev/docs/api/usage/access-scopes
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from sandbox.shopify.gids import parse_gid
from sandbox.shopify.nested import Info
from sandbox.shopify.paging import connection, sort_order
from sandbox.shopify.records import SHOP_CURRENCY, SHOP_DOMAIN, Record
from sandbox.shopify.search import parse_search
from sandbox.shopify.store import CHECKOUTS, CUSTOMERS, ORDERS, PRODUCTS, RESOURCE_OF_GID_TYPE

if TYPE_CHECKING:
    from sandbox.shopify.fake import ShopifyFake

REQUIRED_SCOPE = {
    CUSTOMERS: "read_customers",
    ORDERS: "read_orders",
    PRODUCTS: "read_products",
    # Abandoned checkouts are order data to Shopify.
    CHECKOUTS: "read_orders",
}
ACCESS_DOCS = "https://shopify.dev/api/usage/access-scopes"


@dataclass
class RequestContext:
    fake: ShopifyFake
    base_url: str
    #: share of records to corrupt for this request only (the "malformed" failure switch)
    malformed_share: float = 0.0
    search_warnings: list[dict[str, Any]] = field(default_factory=list)


def access_denied(field_name: str, scope: str) -> GraphQLError:
    required = f"`{scope}` access scope."
    return GraphQLError(
        f"Access denied for {field_name} field. Required access: {required}",
        extensions={
            "code": "ACCESS_DENIED",
            "documentation": ACCESS_DOCS,
            "requiredAccess": required,
        },
    )


def _context(info: Info) -> RequestContext:
    context = info.context
    assert isinstance(context, RequestContext)
    return context


def _require(info: Info, resource: str) -> None:
    scope = REQUIRED_SCOPE[resource]
    granted = _context(info).fake.scopes
    # A write scope implies the read scope of the same resource.
    if scope not in granted and scope.replace("read_", "write_") not in granted:
        raise access_denied(info.field_name, scope)


def list_resolver(resource: str) -> Callable[..., dict[str, Any]]:
    def resolve(_: Any, info: Info, **args: Any) -> dict[str, Any]:
        _require(info, resource)
        context = _context(info)
        search = parse_search(args.get("query"))
        if search.warnings:
            context.search_warnings.append(
                {"path": [info.path.key], "query": args.get("query"), "warnings": search.warnings}
            )
        order = sort_order(args.get("sortKey"))
        return context.fake.read(
            lambda shop: connection(
                shop.timeline(resource),
                order,
                search.window,
                args,
                lambda record_id: shop.record(resource, record_id, context.malformed_share),
            )
        )

    return resolve


def single_resolver(resource: str, gid_type: str) -> Callable[..., Record | None]:
    def resolve(_: Any, info: Info, id: str) -> Record | None:
        _require(info, resource)
        parsed = parse_gid(id)
        if parsed is None:
            raise GraphQLError(
                f"Invalid global id '{id}'", extensions={"code": "argumentLiteralsIncompatible"}
            )
        if parsed[0] != gid_type:
            return None
        return _lookup(info, resource, parsed[1])

    return resolve


def _lookup(info: Info, resource: str, record_id: int) -> Record | None:
    context = _context(info)
    return context.fake.read(lambda shop: shop.record(resource, record_id, context.malformed_share))


def resolve_node(_: Any, info: Info, id: str) -> Record | None:
    parsed = parse_gid(id)
    if parsed is None:
        raise GraphQLError(
            f"Invalid global id '{id}'", extensions={"code": "argumentLiteralsIncompatible"}
        )
    gid_type, record_id = parsed
    fake = _context(info).fake
    if gid_type == "BulkOperation":
        return fake.bulk.graphql_record(record_id)
    if gid_type == "WebhookSubscription":
        return fake.webhooks.graphql_record(record_id)
    resource = RESOURCE_OF_GID_TYPE.get(gid_type)
    if resource is None:
        return None
    _require(info, resource)
    return _lookup(info, resource, record_id)


def resolve_nodes(_: Any, info: Info, ids: list[str]) -> list[Record | None]:
    return [resolve_node(None, info, node_id) for node_id in ids]


def resolve_shop(_: Any, info: Info) -> Record:
    return {
        "__typename": "Shop",
        "id": "gid://shopify/Shop/60000000",
        "name": "Tajo Sandbox",
        "email": "owner@example.com",
        "myshopifyDomain": SHOP_DOMAIN,
        "currencyCode": SHOP_CURRENCY,
        "ianaTimezone": "Europe/Madrid",
        "plan": {"displayName": "Basic", "partnerDevelopment": False, "shopifyPlus": False},
    }


def resolve_app(_: Any, info: Info) -> Record:
    scopes = sorted(_context(info).fake.scopes)
    return {
        "__typename": "AppInstallation",
        "id": "gid://shopify/AppInstallation/70000000",
        "accessScopes": [{"handle": s, "description": s.replace("_", " ")} for s in scopes],
    }


def query_resolvers() -> dict[str, Callable[..., Any]]:
    return {
        "customers": list_resolver(CUSTOMERS),
        "orders": list_resolver(ORDERS),
        "products": list_resolver(PRODUCTS),
        "abandonedCheckouts": list_resolver(CHECKOUTS),
        "customer": single_resolver(CUSTOMERS, "Customer"),
        "order": single_resolver(ORDERS, "Order"),
        "product": single_resolver(PRODUCTS, "Product"),
        "node": resolve_node,
        "nodes": resolve_nodes,
        "shop": resolve_shop,
        "currentAppInstallation": resolve_app,
    }
