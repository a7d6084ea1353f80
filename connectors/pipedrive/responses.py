"""Reading Pipedrive's response bodies: `data`, `additional_data` and the `success: false` errors.

A body that is JSON but not the documented shape is, like malformed JSON, a vendor fault and
nothing our request could fix: VendorUnavailableError (bounded retries, then a dead letter)
rather than VendorValidationError, which means "the vendor refused our payload".
https://pipedrive.readme.io/docs/core-api-concepts-responses
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.core.errors import SyncError, VendorUnavailableError
from connectors.core.http import error_fields
from connectors.core.records import Record

VENDOR = "pipedrive"


def body_error(body: object, *, operation: str) -> SyncError | None:
    if isinstance(body, dict) and body.get("success") is False:
        _, message = error_fields(body)
        detail = "success: false" + (f": {message}" if message else "")
        return VendorUnavailableError(VENDOR, operation, detail)
    return None


def records_of(body: Mapping[str, Any], *, operation: str) -> list[Record]:
    data = body.get("data")
    if data is None:
        return []
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise VendorUnavailableError(VENDOR, operation, "`data` is not a list of objects")
    return data


def record_of(body: Mapping[str, Any], *, operation: str) -> Record | None:
    data = body.get("data")
    if data is None:
        return None
    if not isinstance(data, dict):
        raise VendorUnavailableError(VENDOR, operation, "`data` is not an object")
    return data


def _additional(body: Mapping[str, Any], operation: str) -> dict[str, Any]:
    additional = body.get("additional_data") or {}
    if not isinstance(additional, dict):
        raise VendorUnavailableError(VENDOR, operation, "`additional_data` is not an object")
    return additional


def next_cursor_of(body: Mapping[str, Any], *, operation: str) -> str | None:
    """v2 paging: `additional_data.next_cursor`, None on the last page."""
    cursor = _additional(body, operation).get("next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise VendorUnavailableError(VENDOR, operation, "`next_cursor` is not a string")
    return cursor or None


def pagination_of(body: Mapping[str, Any], *, operation: str) -> dict[str, Any]:
    """v1 paging: `additional_data.pagination` (`more_items_in_collection`, `next_start`)."""
    pagination = _additional(body, operation).get("pagination") or {}
    if not isinstance(pagination, dict):
        raise VendorUnavailableError(VENDOR, operation, "`pagination` is not an object")
    return pagination
