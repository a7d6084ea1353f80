"""Pieces both fakes share: failure switches, rate-limit windows, request logs, server threads."""
