"""Brevo's error bodies: `{"code": ..., "message": ...}` (plus `metadata` for duplicates)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import HTMLResponse, JSONResponse, Response


def brevo_error(
    status: int,
    code: str,
    message: str,
    *,
    metadata: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if metadata is not None:
        body["metadata"] = dict(metadata)
    return JSONResponse(body, status_code=status, headers=headers)


def unauthorized() -> JSONResponse:
    return brevo_error(401, "unauthorized", "Key not found")


def too_many_requests(headers: Mapping[str, str]) -> JSONResponse:
    # Brevo sends no Retry-After: the x-sib-ratelimit-reset header is the only hint.
    return brevo_error(
        429, "too_many_requests", "The expected rate limit is exceeded.", headers=headers
    )


def server_failure(status: int, headers: Mapping[str, str]) -> Response:
    """A forced 5xx. Gateways in front of Brevo answer 502/503 with HTML, not JSON."""
    if status == 500:
        return brevo_error(500, "internal_error", "Internal server error", headers=headers)
    title = {502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable"}.get(
        status, f"{status} Error"
    )
    html = f"<html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
    return HTMLResponse(html, status_code=status, headers=headers)


def contact_not_found() -> JSONResponse:
    return brevo_error(404, "document_not_found", "Contact does not exist")


def duplicate(names: list[str], *, updating: bool, update_code: str) -> JSONResponse:
    """Brevo's identifier conflict. Creating answers `duplicate_parameter`; updating has been
    answered with `duplicate_parameter` and, more recently, `invalid_parameter` with the same
    message and metadata, so clients must decide on `metadata.duplicate_identifiers`."""
    action = "update" if updating else "create"
    return brevo_error(
        400,
        update_code if updating else "duplicate_parameter",
        f"Unable to {action} contact, {', '.join(names)} is already associated with another "
        "Contact",
        metadata={"duplicate_identifiers": names},
    )


def document_not_found(message: str = "Document not found") -> JSONResponse:
    return brevo_error(404, "document_not_found", message)
