"""Connectif: rate-limit signals for now (the client comes with its own issue)."""
