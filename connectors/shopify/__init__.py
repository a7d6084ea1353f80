"""Shopify: the GraphQL Admin API client, its streams, bulk backfills and webhooks."""
