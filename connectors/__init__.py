"""Vendor connectors: HTTP I/O only. Each vendor is one package; `core` holds what they share."""
