"""Thin Celery tasks (orchestration only), with the job ledger, cursors and staged writes."""
