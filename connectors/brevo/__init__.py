"""Brevo, the destination: contacts, lists, imports (later: events, companies, deals)."""
