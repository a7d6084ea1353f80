"""RFC 3339 timestamps as the vendors write them, to the second, always in UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def to_rfc3339(epoch_seconds: int) -> str:
    """`1705314600` -> `"2024-01-15T10:30:00Z"` (Pipedrive v2's timestamp shape)."""
    return datetime.fromtimestamp(epoch_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> int:
    """Epoch seconds of an RFC 3339 timestamp; a missing offset means UTC. Raises ValueError."""
    parsed = datetime.fromisoformat(text.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def to_brevo_time(moment: datetime) -> str:
    """Brevo's `createdAt`/`modifiedAt` shape: milliseconds and an explicit UTC offset."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def utc_now() -> datetime:
    return datetime.now(UTC)
