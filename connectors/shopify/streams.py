"""The Shopify streams: one row of data each, read by the client and by the sync tasks.

Each stream is one GraphQL Admin connection on `QueryRoot`, listed with `first`/`after` and a
search `query`. The node selections below are what `connectors.shopify.records` presents; they
are sized so one page stays under Shopify's single-query cap of 1,000 cost points: a connection
costs 2 points plus `first` times what one node costs (1 per object, nested objects included;
scalars and enums are free). https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits
"""

from __future__ import annotations

from dataclasses import dataclass

#: Shopify's largest `first` on a connection.
#: https://shopify.dev/docs/api/usage/pagination-graphql
MAX_PAGE_SIZE = 250
#: The single-query cap: a query whose requested cost is above it is refused outright.
MAX_QUERY_COST = 1000

_MONEY = "shopMoney { amount currencyCode }"
_ADDRESS = (
    "firstName lastName company address1 address2 city province provinceCode country "
    "countryCodeV2 zip phone"
)
_CONSENT = "marketingState marketingOptInLevel consentUpdatedAt"

CUSTOMER_FIELDS = (
    "id email firstName lastName phone state verifiedEmail note locale tags "
    "numberOfOrders createdAt updatedAt "
    "amountSpent { amount currencyCode } "
    f"emailMarketingConsent {{ {_CONSENT} }} "
    f"smsMarketingConsent {{ {_CONSENT} consentCollectedFrom }} "
    f"defaultAddress {{ {_ADDRESS} }} "
    "lastOrder { id name createdAt }"
)
#: Line item fields shared by orders and abandoned checkouts (both carry variant and product).
_LINE_ITEM = (
    f"id title sku quantity variant {{ id }} product {{ id }} originalUnitPriceSet {{ {_MONEY} }}"
)
ORDER_FIELDS = (
    "id name email phone createdAt updatedAt processedAt cancelledAt "
    "displayFinancialStatus displayFulfillmentStatus currencyCode tags "
    f"totalPriceSet {{ {_MONEY} }} subtotalPriceSet {{ {_MONEY} }} "
    "customer { id email firstName lastName phone }"
)
PRODUCT_FIELDS = (
    "id title handle status vendor productType tags createdAt updatedAt "
    "onlineStoreUrl featuredImage { url } "
    "priceRangeV2 { minVariantPrice { amount currencyCode } "
    "maxVariantPrice { amount currencyCode } }"
)
CART_FIELDS = (
    "id name abandonedCheckoutUrl createdAt updatedAt completedAt "
    f"totalPriceSet {{ {_MONEY} }} subtotalPriceSet {{ {_MONEY} }} "
    "customer { id email firstName lastName phone }"
)


@dataclass(frozen=True)
class ChildConnection:
    """A connection nested in each node (an order's line items), read with the node."""

    #: the field on the node (`lineItems`) and the key records carry it under (`line_items`)
    field: str
    key: str
    node_fields: str
    #: `first` on a page read; a bulk export reads every child, whatever this says
    page_size: int
    #: cost points of one child node (objects in `node_fields`, the node included)
    node_cost: int


@dataclass(frozen=True)
class StreamSpec:
    """How one Shopify resource is listed, exported in bulk and kept incremental."""

    #: our resource name, as in tajo.yaml `sync:` and the cursor table
    resource: str
    #: the connection on QueryRoot (`customers`, `abandonedCheckouts`)
    connection: str
    #: the GraphQL type of a node: gids read `gid://shopify/<node_type>/<id>`
    node_type: str
    #: the node selection (GraphQL, without braces)
    fields: str
    #: cost points of one node without its child connection (objects in `fields`, itself too)
    node_cost: int
    #: the connection's sort key for incremental reads
    sort_key: str = "UPDATED_AT"
    #: the node field the incremental cursor follows, and its search-syntax filter name
    cursor_field: str = "updatedAt"
    search_field: str = "updated_at"
    #: the field that identifies a record for ever (ledger keys, ext_id, dead letters)
    id_field: str = "id"
    child: ChildConnection | None = None

    @property
    def sorted_by_cursor_field(self) -> bool:
        """True when pages come oldest change first (false for abandoned checkouts, which
        Shopify cannot sort by update time)."""
        return self.sort_key == "UPDATED_AT"

    def requested_cost(self, first: int) -> int:
        """The requested cost Shopify computes for one page of `first` nodes: 2 per
        connection, plus `first` times a node (child connection included)."""
        per_node = self.node_cost
        if self.child is not None:
            per_node += 2 + self.child.page_size * self.child.node_cost
        return 2 + first * per_node

    @property
    def page_size(self) -> int:
        """`first` of one page: the largest that stays within the cost cap (and Shopify's 250)."""
        per_node = self.requested_cost(1) - 2
        return max(1, min(MAX_PAGE_SIZE, (MAX_QUERY_COST - 2) // per_node))


_LINE_ITEMS = ChildConnection(
    field="lineItems", key="line_items", node_fields=_LINE_ITEM, page_size=10, node_cost=5
)

STREAMS: dict[str, StreamSpec] = {
    spec.resource: spec
    for spec in (
        # objects: node, amountSpent, 2 consents, defaultAddress, lastOrder
        StreamSpec("customers", "customers", "Customer", CUSTOMER_FIELDS, node_cost=6),
        # objects: node, 2 price sets with their shopMoney, customer
        StreamSpec("orders", "orders", "Order", ORDER_FIELDS, node_cost=6, child=_LINE_ITEMS),
        # objects: node, featuredImage, priceRangeV2 and its two prices
        StreamSpec("products", "products", "Product", PRODUCT_FIELDS, node_cost=5),
        # Abandoned checkouts have no UPDATED_AT sort key: ID order, filtered by updated_at.
        # https://shopify.dev/docs/api/admin-graphql/2025-01/enums/AbandonedCheckoutSortKeys
        StreamSpec(
            "carts",
            "abandonedCheckouts",
            "AbandonedCheckout",
            CART_FIELDS,
            node_cost=6,
            sort_key="ID",
            child=_LINE_ITEMS,
        ),
    )
}


def stream_spec(resource: str) -> StreamSpec:
    """The spec for `resource`; KeyError names the resources that exist."""
    try:
        return STREAMS[resource]
    except KeyError:
        raise KeyError(
            f"unknown Shopify resource {resource!r}; known: {', '.join(sorted(STREAMS))}"
        ) from None
