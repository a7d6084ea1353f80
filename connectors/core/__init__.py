"""What every connector shares: the error taxonomy, the HTTP client, pages and rate-limit signals."""
