"""What every connector shares: errors, the HTTP client, pages and rate-limit signals."""
