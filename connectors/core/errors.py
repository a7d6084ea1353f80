"""The error taxonomy: one root, split by what the runner does with each (see ARCHITECTURE.md).

Connectors translate foreign exceptions at their edge (`raise AuthError(...) from exc`), so the task
base can decide retry / defer / fail / dead-letter from the class alone. Messages never carry
credentials: build them from status codes and vendor error codes, not from request objects.
"""

from __future__ import annotations


class SyncError(Exception):
    """Root of every error a connector raises."""

    #: the category operators see in `tajo connectors status` and in dead letters
    category: str = "sync"

    def __init__(self, vendor: str, operation: str, detail: str) -> None:
        self.vendor = vendor
        self.operation = operation
        self.detail = detail
        super().__init__(f"{vendor} {operation}: {detail}")

    def __reduce__(self) -> tuple[object, ...]:
        # Keep the exception picklable/serialisable across processes with its fields intact.
        return (type(self), (self.vendor, self.operation, self.detail))


class AuthError(SyncError):
    """401 after at most one token refresh: no retry; pause the connection."""

    category = "auth"


class ForbiddenError(SyncError):
    """403 or a missing scope: no retry; pause the connection."""

    category = "forbidden"


class RateLimitedError(SyncError):
    """429, a body-level throttle or a spent budget: defer by `wait_seconds`, never retry."""

    category = "rate_limited"

    def __init__(self, vendor: str, operation: str, detail: str, wait_seconds: float) -> None:
        self.wait_seconds = max(0.0, float(wait_seconds))
        super().__init__(vendor, operation, detail)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.vendor, self.operation, self.detail, self.wait_seconds))


class NotReadyError(SyncError):
    """The vendor is still preparing what we asked for (a bulk export running): ask again in
    `wait_seconds`. Not a failure and not a rate limit: the runner defers, never retries."""

    category = "not_ready"

    def __init__(self, vendor: str, operation: str, detail: str, wait_seconds: float) -> None:
        self.wait_seconds = max(0.0, float(wait_seconds))
        super().__init__(vendor, operation, detail)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.vendor, self.operation, self.detail, self.wait_seconds))


class VendorUnavailableError(SyncError):
    """5xx, timeouts, connection resets: bounded backoff with jitter, then dead letter."""

    category = "vendor_unavailable"


class VendorValidationError(SyncError):
    """The vendor (or Brevo) rejects our payload (400/422): no retry; dead letter it."""

    category = "validation"

    def __init__(self, vendor: str, operation: str, detail: str, code: str | None = None) -> None:
        self.code = code
        super().__init__(vendor, operation, detail)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.vendor, self.operation, self.detail, self.code))


class ConfigError(Exception):
    """A bad config or mapping spec, reported at start-up with the key path that is wrong."""

    def __init__(self, key_path: str, problem: str) -> None:
        self.key_path = key_path
        self.problem = problem
        super().__init__(f"{key_path}: {problem}" if key_path else problem)
