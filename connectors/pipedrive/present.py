"""Each Pipedrive resource in one documented shape: Pipedrive's own record, unchanged, plus a few
presented keys the mappers read. Nothing is dropped, and a value of the wrong type is passed on
as it came (never coerced with `str()`), so the mapper reports it and dead-letters the record.

persons (v2)
    `email`, `phone`: the primary entry's `value` of `emails`/`phones` (the first entry marked
    `primary: true`, else the first), or None; `emails`/`phones` that are not lists give None.
    `org_id`: `{"value": <org id>, "name": <name or None>}` instead of v2's bare id, or None (the
    v1 shape that the docs' `org_id.name: COMPANY` reads; names come from the client's lookup).
    With `include_fields`, v2 adds `open_deals_count`, `won_deals_count`, `lost_deals_count` and
    `closed_deals_count`; `deals` is there when the caller attached the person's deals.
deals (v2)
    `person_id`, `org_id`, `stage_id`, `pipeline_id`: bare ids (a v1-style `{"value": id}` is
    unwrapped); `status` ("open", "won", "lost"; "deleted" when `is_deleted`), `value`,
    `currency`, `won_time`, `lost_time`, `close_time`, `title`, `custom_fields`: always present
    (None when Pipedrive left them out).
organizations (v2)
    `name`, `address` (v2's address object: `value`, `locality`, `country`, `postal_code`,
    `formatted_address`...), `owner_id`, `custom_fields`: always present.
activities (v2)
    `type`, `subject`, `done`, `due_date`, `due_time`, `person_id` (the record's own, else the
    primary participant's), `deal_id`, `org_id`, `lead_id`, `update_time`: always present.
leads (v1)
    `title`, `person_id`, `organization_id`, `value` (`{"amount", "currency"}` or None),
    `label_ids`, `is_archived`, `source_name`, `expected_close_date`, `update_time`: always
    present; `org_id` repeats `organization_id` so every resource names its organization alike.

https://pipedrive.readme.io/docs/pipedrive-api-v2-migration-guide
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connectors.core.records import Record

DEAL_KEYS = (
    "title",
    "person_id",
    "org_id",
    "stage_id",
    "pipeline_id",
    "status",
    "value",
    "currency",
    "won_time",
    "lost_time",
    "close_time",
    "custom_fields",
)
ORGANIZATION_KEYS = ("name", "address", "owner_id", "custom_fields")
ACTIVITY_KEYS = (
    "type",
    "subject",
    "done",
    "due_date",
    "due_time",
    "person_id",
    "deal_id",
    "org_id",
    "lead_id",
    "update_time",
)
LEAD_KEYS = (
    "title",
    "person_id",
    "organization_id",
    "value",
    "label_ids",
    "is_archived",
    "source_name",
    "expected_close_date",
    "update_time",
)
RELATED_ID_KEYS = ("person_id", "org_id", "stage_id", "pipeline_id", "deal_id", "organization_id")


def primary_value(entries: object) -> Any:
    """The `value` of the first entry marked primary, else of the first entry; None if none.

    A value that is not a string is returned as it came, so the mapper reports the type
    mismatch instead of this client hiding it behind `str()`.
    """
    if not isinstance(entries, list):
        return None
    candidates = [e for e in entries if isinstance(e, dict) and e.get("value") not in (None, "")]
    chosen = next((e for e in candidates if e.get("primary") is True), None)
    if chosen is None and candidates:
        chosen = candidates[0]
    return None if chosen is None else chosen["value"]


def org_id_of(person: Mapping[str, Any]) -> int | None:
    """The person's organization id, from v2's bare int (or a v1-style {"value": id})."""
    raw = person.get("org_id")
    if isinstance(raw, dict):
        raw = raw.get("value")
    # bool is an int subclass; a boolean here is a malformed record, not org 1.
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


def person_id_of(record: Mapping[str, Any]) -> int | None:
    """A deal's or lead's person id when it is a usable id, else None."""
    raw = record.get("person_id")
    if isinstance(raw, dict):
        raw = raw.get("value")
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else None


def present_person(raw: Record, org_names: Mapping[int, str | None]) -> Record:
    """One v2 person in the documented shape (see the module docstring)."""
    person = dict(raw)
    person["email"] = primary_value(raw.get("emails"))
    person["phone"] = primary_value(raw.get("phones"))
    org_id = org_id_of(raw)
    person["org_id"] = None if org_id is None else {"value": org_id, "name": org_names.get(org_id)}
    return person


def _unwrap(value: object) -> object:
    """A related id as a bare value: v1 embedded `{"value": 7, "name": ...}` becomes 7; anything
    else is left as it came."""
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def _with_keys(raw: Record, keys: tuple[str, ...]) -> Record:
    record = dict(raw)
    for key in keys:
        record.setdefault(key, None)
    for key in RELATED_ID_KEYS:
        if key in record:
            record[key] = _unwrap(record[key])
    return record


def present_deal(raw: Record) -> Record:
    deal = _with_keys(raw, DEAL_KEYS)
    if raw.get("is_deleted") is True:
        deal["status"] = "deleted"
    return deal


def present_organization(raw: Record) -> Record:
    return _with_keys(raw, ORGANIZATION_KEYS)


def present_activity(raw: Record) -> Record:
    activity = _with_keys(raw, ACTIVITY_KEYS)
    if activity["person_id"] is None:
        participants = raw.get("participants")
        if isinstance(participants, list):
            primary = [p for p in participants if isinstance(p, dict) and p.get("primary")]
            if primary:
                activity["person_id"] = primary[0].get("person_id")
    return activity


def present_lead(raw: Record) -> Record:
    lead = _with_keys(raw, LEAD_KEYS)
    lead["org_id"] = lead["organization_id"]
    return lead


#: The presenters of the resources that need no lookups (persons need organization names).
PRESENTERS: dict[str, Callable[[Record], Record]] = {
    "deals": present_deal,
    "organizations": present_organization,
    "activities": present_activity,
    "leads": present_lead,
}
