"""Queue names. One family per vendor so a throttled vendor only holds its own worker slots."""

from __future__ import annotations

CONTROL = "sync.control"
SINK_BREVO = "sink.brevo"
DEADLETTER = "deadletter"
VENDORS = ("shopify", "pipedrive", "workato", "amazon_ses", "connectif")


def source_queue(vendor: str) -> str:
    return f"src.{vendor}"


ALL_QUEUES: tuple[str, ...] = (
    CONTROL,
    *(source_queue(v) for v in VENDORS),
    SINK_BREVO,
    DEADLETTER,
)
