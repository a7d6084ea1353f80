"""A faithful subset of Shopify's GraphQL Admin schema (2025-01), as SDL.

Type, field, argument and enum names are Shopify's own, so a query written against the real
API parses, validates and executes here, and a field Shopify does not have is a validation
error here too. https://shopify.dev/docs/api/admin-graphql/2025-01
Custom scalars pass values through: Shopify sends `UnsignedInt64` and `Decimal` as strings,
`DateTime` as ISO-8601; the data layer writes them that way (or, on purpose, wrongly).
"""

from __future__ import annotations

import functools

from graphql import GraphQLSchema, build_schema

CONNECTION_ARGS = "first: Int, after: String, last: Int, before: String, reverse: Boolean = false"

_CONNECTIONS = ("Customer", "Order", "Product", "AbandonedCheckout", "LineItem",
                "AbandonedCheckoutLineItem", "ProductVariant", "WebhookSubscription")  # fmt: skip


def _connection_types() -> str:
    parts = []
    for name in _CONNECTIONS:
        parts.append(
            f"""
type {name}Connection {{
  edges: [{name}Edge!]!
  nodes: [{name}!]!
  pageInfo: PageInfo!
}}
type {name}Edge {{
  cursor: String!
  node: {name}!
}}"""
        )
    return "\n".join(parts)


SDL = f"""
scalar DateTime
scalar Decimal
scalar UnsignedInt64
scalar URL
scalar HTML

interface Node {{
  id: ID!
}}

type PageInfo {{
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}}

enum CurrencyCode {{ EUR USD GBP }}
enum CountryCode {{ FR DE ES GB US IT NL PT }}

type MoneyV2 {{
  amount: Decimal!
  currencyCode: CurrencyCode!
}}

type MoneyBag {{
  shopMoney: MoneyV2!
  presentmentMoney: MoneyV2!
}}

enum CustomerState {{ DECLINED DISABLED ENABLED INVITED }}
enum CustomerEmailMarketingState {{
  INVALID NOT_SUBSCRIBED PENDING REDACTED SUBSCRIBED UNSUBSCRIBED
}}
enum CustomerSmsMarketingState {{ NOT_SUBSCRIBED PENDING REDACTED SUBSCRIBED UNSUBSCRIBED }}
enum CustomerMarketingOptInLevel {{ CONFIRMED_OPT_IN SINGLE_OPT_IN UNKNOWN }}
enum CustomerConsentCollectedFrom {{ OTHER SHOPIFY }}

type CustomerEmailMarketingConsentState {{
  marketingState: CustomerEmailMarketingState!
  marketingOptInLevel: CustomerMarketingOptInLevel
  consentUpdatedAt: DateTime
}}

type CustomerSmsMarketingConsentState {{
  marketingState: CustomerSmsMarketingState!
  marketingOptInLevel: CustomerMarketingOptInLevel!
  consentUpdatedAt: DateTime
  consentCollectedFrom: CustomerConsentCollectedFrom
}}

type CustomerEmailAddress {{
  emailAddress: String!
  marketingState: CustomerEmailMarketingState!
}}

type MailingAddress implements Node {{
  id: ID!
  address1: String
  address2: String
  city: String
  company: String
  country: String
  countryCodeV2: CountryCode
  firstName: String
  lastName: String
  name: String
  phone: String
  province: String
  provinceCode: String
  zip: String
}}

type Customer implements Node {{
  id: ID!
  legacyResourceId: UnsignedInt64!
  firstName: String
  lastName: String
  displayName: String!
  email: String
  defaultEmailAddress: CustomerEmailAddress
  phone: String
  numberOfOrders: UnsignedInt64!
  amountSpent: MoneyV2!
  createdAt: DateTime!
  updatedAt: DateTime!
  state: CustomerState!
  tags: [String!]!
  locale: String!
  note: String
  verifiedEmail: Boolean!
  taxExempt: Boolean!
  emailMarketingConsent: CustomerEmailMarketingConsentState
  smsMarketingConsent: CustomerSmsMarketingConsentState
  defaultAddress: MailingAddress
  lastOrder: Order
  orders({CONNECTION_ARGS}, sortKey: OrderSortKeys = ID, query: String): OrderConnection!
}}

enum OrderDisplayFinancialStatus {{
  AUTHORIZED EXPIRED PAID PARTIALLY_PAID PARTIALLY_REFUNDED PENDING REFUNDED VOIDED
}}
enum OrderDisplayFulfillmentStatus {{
  FULFILLED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED PENDING_FULFILLMENT RESTOCKED
  SCHEDULED UNFULFILLED
}}

type Order implements Node {{
  id: ID!
  legacyResourceId: UnsignedInt64!
  name: String!
  email: String
  phone: String
  createdAt: DateTime!
  updatedAt: DateTime!
  processedAt: DateTime!
  cancelledAt: DateTime
  closed: Boolean!
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  currencyCode: CurrencyCode!
  totalPriceSet: MoneyBag!
  subtotalPriceSet: MoneyBag
  customer: Customer
  tags: [String!]!
  lineItems({CONNECTION_ARGS}): LineItemConnection!
}}

type LineItem implements Node {{
  id: ID!
  title: String!
  name: String!
  quantity: Int!
  sku: String
  variant: ProductVariant
  product: Product
  originalUnitPriceSet: MoneyBag!
}}

enum ProductStatus {{ ACTIVE ARCHIVED DRAFT }}

type Image {{
  id: ID
  url: URL!
  altText: String
  width: Int
  height: Int
}}

type ProductPriceRangeV2 {{
  minVariantPrice: MoneyV2!
  maxVariantPrice: MoneyV2!
}}

type Product implements Node {{
  id: ID!
  legacyResourceId: UnsignedInt64!
  title: String!
  handle: String!
  status: ProductStatus!
  vendor: String!
  productType: String!
  description(truncateAt: Int): String!
  descriptionHtml: HTML!
  onlineStoreUrl: URL
  featuredImage: Image
  createdAt: DateTime!
  updatedAt: DateTime!
  tags: [String!]!
  totalInventory: Int!
  priceRangeV2: ProductPriceRangeV2!
  variants({CONNECTION_ARGS}): ProductVariantConnection!
}}

type ProductVariant implements Node {{
  id: ID!
  title: String!
  sku: String
  price: Money!
  product: Product!
}}

scalar Money

type AbandonedCheckoutLineItem implements Node {{
  id: ID!
  title: String
  quantity: Int!
  sku: String
  variant: ProductVariant
  product: Product
  originalUnitPriceSet: MoneyBag!
}}

type AbandonedCheckout implements Node {{
  id: ID!
  name: String!
  abandonedCheckoutUrl: URL!
  createdAt: DateTime!
  updatedAt: DateTime!
  completedAt: DateTime
  customer: Customer
  totalPriceSet: MoneyBag!
  subtotalPriceSet: MoneyBag!
  lineItems({CONNECTION_ARGS}): AbandonedCheckoutLineItemConnection!
}}

type ShopPlan {{
  displayName: String!
  partnerDevelopment: Boolean!
  shopifyPlus: Boolean!
}}

type Shop implements Node {{
  id: ID!
  name: String!
  email: String!
  myshopifyDomain: String!
  currencyCode: CurrencyCode!
  ianaTimezone: String!
  plan: ShopPlan!
}}

type AccessScope {{
  handle: String!
  description: String!
}}

type AppInstallation implements Node {{
  id: ID!
  accessScopes: [AccessScope!]!
}}

enum BulkOperationStatus {{ CANCELED CANCELING COMPLETED CREATED EXPIRED FAILED RUNNING }}
enum BulkOperationErrorCode {{ ACCESS_DENIED INTERNAL_SERVER_ERROR TIMEOUT }}
enum BulkOperationType {{ MUTATION QUERY }}

type BulkOperation implements Node {{
  id: ID!
  status: BulkOperationStatus!
  errorCode: BulkOperationErrorCode
  createdAt: DateTime!
  completedAt: DateTime
  objectCount: UnsignedInt64!
  rootObjectCount: UnsignedInt64!
  fileSize: UnsignedInt64
  url: URL
  partialDataUrl: URL
  query: String!
  type: BulkOperationType!
}}

enum BulkOperationUserErrorCode {{ INVALID OPERATION_IN_PROGRESS LIMIT_REACHED }}

type BulkOperationUserError {{
  code: BulkOperationUserErrorCode
  field: [String!]
  message: String!
}}

type UserError {{
  field: [String!]
  message: String!
}}

type BulkOperationRunQueryPayload {{
  bulkOperation: BulkOperation
  userErrors: [BulkOperationUserError!]!
}}

type BulkOperationCancelPayload {{
  bulkOperation: BulkOperation
  userErrors: [UserError!]!
}}

enum WebhookSubscriptionTopic {{
  CUSTOMERS_CREATE CUSTOMERS_UPDATE CUSTOMERS_DELETE ORDERS_CREATE ORDERS_UPDATED
  PRODUCTS_CREATE PRODUCTS_UPDATE PRODUCTS_DELETE CHECKOUTS_CREATE CHECKOUTS_UPDATE
}}
enum WebhookSubscriptionFormat {{ JSON XML }}

type WebhookHttpEndpoint {{
  callbackUrl: URL!
}}

union WebhookSubscriptionEndpoint = WebhookHttpEndpoint

type WebhookSubscription implements Node {{
  id: ID!
  topic: WebhookSubscriptionTopic!
  format: WebhookSubscriptionFormat!
  callbackUrl: URL!
  endpoint: WebhookSubscriptionEndpoint!
  includeFields: [String!]!
  createdAt: DateTime!
  updatedAt: DateTime!
}}

input WebhookSubscriptionInput {{
  callbackUrl: URL
  format: WebhookSubscriptionFormat
  includeFields: [String!]
}}

type WebhookSubscriptionCreatePayload {{
  webhookSubscription: WebhookSubscription
  userErrors: [UserError!]!
}}

type WebhookSubscriptionDeletePayload {{
  deletedWebhookSubscriptionId: ID
  userErrors: [UserError!]!
}}

enum CustomerSortKeys {{ CREATED_AT ID LOCATION NAME RELEVANCE UPDATED_AT }}
enum OrderSortKeys {{
  CREATED_AT CUSTOMER_NAME ID ORDER_NUMBER PROCESSED_AT RELEVANCE TOTAL_PRICE UPDATED_AT
}}
enum ProductSortKeys {{
  CREATED_AT ID INVENTORY_TOTAL PRODUCT_TYPE RELEVANCE TITLE UPDATED_AT VENDOR
}}
enum AbandonedCheckoutSortKeys {{ CHECKOUT_ID CREATED_AT CUSTOMER_NAME ID RELEVANCE TOTAL_PRICE }}
enum WebhookSubscriptionSortKeys {{ CREATED_AT ID RELEVANCE }}

type QueryRoot {{
  customers({CONNECTION_ARGS}, sortKey: CustomerSortKeys = ID, query: String): CustomerConnection!
  customer(id: ID!): Customer
  orders({CONNECTION_ARGS}, sortKey: OrderSortKeys = PROCESSED_AT, query: String): OrderConnection!
  order(id: ID!): Order
  products({CONNECTION_ARGS}, sortKey: ProductSortKeys = ID, query: String): ProductConnection!
  product(id: ID!): Product
  abandonedCheckouts(
    {CONNECTION_ARGS}, sortKey: AbandonedCheckoutSortKeys = ID, query: String
  ): AbandonedCheckoutConnection!
  node(id: ID!): Node
  nodes(ids: [ID!]!): [Node]!
  shop: Shop!
  currentAppInstallation: AppInstallation!
  currentBulkOperation(type: BulkOperationType = QUERY): BulkOperation
  webhookSubscriptions(
    {CONNECTION_ARGS}, sortKey: WebhookSubscriptionSortKeys = ID,
    topics: [WebhookSubscriptionTopic!], callbackUrl: URL, query: String
  ): WebhookSubscriptionConnection!
}}

type Mutation {{
  bulkOperationRunQuery(query: String!, groupObjects: Boolean = false): BulkOperationRunQueryPayload
  bulkOperationCancel(id: ID!): BulkOperationCancelPayload
  webhookSubscriptionCreate(
    topic: WebhookSubscriptionTopic!, webhookSubscription: WebhookSubscriptionInput!
  ): WebhookSubscriptionCreatePayload
  webhookSubscriptionDelete(id: ID!): WebhookSubscriptionDeletePayload
}}

schema {{
  query: QueryRoot
  mutation: Mutation
}}
""" + _connection_types()


@functools.cache
def admin_schema() -> GraphQLSchema:
    """The schema, built once per process (building it takes a few milliseconds)."""
    schema = build_schema(SDL)
    # Interfaces and unions resolve their concrete type from the `__typename` every record
    # dict carries (graphql-core reads it through `resolve_type`).
    for name in ("Node", "WebhookSubscriptionEndpoint"):
        abstract = schema.get_type(name)
        abstract.resolve_type = _typename  # type: ignore[union-attr]
    return schema


def _typename(value: object, *_: object) -> str | None:
    if isinstance(value, dict):
        typename = value.get("__typename")
        return typename if isinstance(typename, str) else None
    return None
