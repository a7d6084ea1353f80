"""Shopify: settings only for now (the client and streams come with their own issue)."""
