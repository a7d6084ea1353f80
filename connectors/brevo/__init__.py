"""Brevo, the destination: contacts, lists, imports (and, as they land, events, companies, deals)."""
