"""Brevo custom object records: `POST /v3/objects/{type}/batch/upsert`, 1,000 records a call.

https://developers.brevo.com/reference/batchupsertobjectrecords: at most 1,000 records and 1 MB
a request; a record with only `identifiers.ext_id` is created when new and updated otherwise, so
the call is idempotent. Brevo answers 202 with a `processId` and applies the records later; an
unknown object type is refused for the whole call (400 "invalid object type").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from connectors.brevo.api import BrevoApi

RECORDS_PER_CALL = 1000
MAX_BODY_BYTES = 1024 * 1024
#: The type of a custom object: a short machine name (`vehicle`, `subscription`).
_TYPE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


@dataclass(frozen=True)
class ObjectRecord:
    object_type: str
    #: the record as Brevo takes it in `records`: identifiers, attributes (and associations)
    record: dict[str, Any]


def record_of(body: dict[str, Any]) -> ObjectRecord:
    """An object.upsert body, checked; ValueError naming the field if malformed."""
    object_type, identifiers = body.get("object_type"), body.get("identifiers")
    attributes = body.get("attributes", {})
    if not isinstance(object_type, str) or not object_type or set(object_type) - _TYPE_CHARS:
        raise ValueError("object_type must be a name of letters, digits, - and _")
    if not isinstance(identifiers, dict) or not isinstance(identifiers.get("ext_id"), str):
        raise ValueError("identifiers.ext_id must be a string")
    if not isinstance(attributes, dict):
        raise ValueError("attributes must be an object")
    record: dict[str, Any] = {"identifiers": {"ext_id": identifiers["ext_id"]}}
    record["attributes"] = dict(attributes)
    if isinstance(body.get("associations"), list):
        record["associations"] = list(body["associations"])
    return ObjectRecord(object_type, record)


def upsert(api: BrevoApi, object_type: str, records: Sequence[dict[str, Any]]) -> int | None:
    """One upsert call (the caller keeps it within 1,000 records and 1 MB); its processId."""
    path = f"/objects/{quote(object_type, safe='')}/batch/upsert"
    body = api.call("POST", path, "upsert_objects", body={"records": list(records)})
    process_id = body.get("processId") if isinstance(body, dict) else None
    return process_id if isinstance(process_id, int) else None
