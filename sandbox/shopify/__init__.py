"""A Shopify GraphQL Admin API fake: deterministic shop data, cost throttling, bulk operations
and signed webhooks."""

from sandbox.shopify.app import create_shopify_app
from sandbox.shopify.fake import ShopifyFake

__all__ = ["ShopifyFake", "create_shopify_app"]
