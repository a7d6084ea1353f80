"""Pipedrive CRM: persons (and, as they land, deals, organizations, activities, leads)."""
