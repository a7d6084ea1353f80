"""Pipedrive activities and leads, as Brevo sees them.

Activities (calls, emails, meetings: https://developers.pipedrive.com/docs/api/v1/Activities)
become an `activity_logged` event on the person's contact, the event name the connector docs'
`webhooks:` rules use, so a workflow triggered from either path sees one event shape. The person is
the activity's `person_id`, else its primary participant; an activity with no person cannot reach
a contact (`missing_identifier`). The event is keyed by the activity: a rerun sends nothing, and
an activity that changes (marked done, moved) is reported again with its new state.

Leads (https://developers.pipedrive.com/docs/api/v1/Leads) put their person's contact on the
connector's `qualified_leads` list; an archived lead takes it off again. A lead that only names
an organization has no contact to put there (`missing_identifier`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mapping.errors import MappingError, Reason, SpecError
from mapping.operations import BrevoOperation
from mapping.parts import Membership, check_list_id, membership
from mapping.previews import preview
from mapping.record_ids import related_id
from mapping.transforms import TransformError, to_iso_datetime
from mapping.values import to_attribute_value

ACTIVITY_LOGGED: Final = "activity_logged"
QUALIFIED_LEADS: Final = "qualified_leads"
#: The contacts the persons stream writes are keyed `pipedrive:persons:<person id>`.
PERSON_PREFIX: Final = "pipedrive:persons:"
#: Activity fields copied into the event, as Pipedrive names them.
_PROPERTIES: Final = ("type", "subject", "done", "due_date", "due_time", "deal_id", "org_id")
#: When it happened: done activities by when they were done, others by their last change.
_WHEN: Final = ("marked_as_done_time", "update_time", "add_time")


@dataclass(frozen=True, slots=True)
class ActivityEvent:
    """A record part for Pipedrive activities."""

    event_name: str = ACTIVITY_LOGGED

    def describe(self) -> object:
        return {"part": "activity_event", "event": self.event_name}

    def operations(self, record: Mapping[str, object], source_id: str) -> list[BrevoOperation]:
        person = _person_of(record)
        if person is None:
            raise MappingError(
                Reason.MISSING_IDENTIFIER,
                "has no person (person_id or a primary participant) to log it on",
                "person_id",
            )
        properties: dict[str, Any] = {"activity_id": source_id}
        for name in _PROPERTIES:
            raw = record.get(name)
            value = related_id(raw) if name.endswith("_id") else raw
            shown = to_attribute_value(value, attribute="event property", path=name)
            if shown is not None:
                properties[name] = shown
        body: dict[str, Any] = {
            "event_name": self.event_name,
            "identifiers": {"ext_id": PERSON_PREFIX + person},
            "event_properties": properties,
        }
        when = _when(record)
        if when is not None:
            body["event_date"] = when
        key = f"event:{self.event_name}:pipedrive:activities:{source_id}"
        return [BrevoOperation("event.track", key, source_id, body)]


def _person_of(record: Mapping[str, object]) -> str | None:
    person = related_id(record.get("person_id"))
    if person is not None:
        return person
    participants = record.get("participants")
    if isinstance(participants, list):
        ordered = sorted(
            (p for p in participants if isinstance(p, Mapping)),
            key=lambda p: p.get("primary") is not True,  # the primary participant first
        )
        for participant in ordered:
            found = related_id(participant.get("person_id"))
            if found is not None:
                return found
    return None


def _when(record: Mapping[str, object]) -> str | None:
    for name in _WHEN:
        value = record.get(name)
        if value is None or value == "":
            continue
        try:
            return to_iso_datetime(value)
        except (TransformError, OverflowError, ValueError):
            raise MappingError(
                Reason.TRANSFORM_FAILED, f"{name} = {preview(value)} is not a date and time", name
            ) from None
    return None


@dataclass(frozen=True, slots=True)
class LeadLists:
    """A record part for Pipedrive leads: the person's contact joins (or leaves) a list."""

    list_id: int

    def describe(self) -> object:
        return {"part": "lead_lists", "list": self.list_id}

    def operations(self, record: Mapping[str, object], source_id: str) -> list[BrevoOperation]:
        person = related_id(record.get("person_id"))
        if person is None:
            raise MappingError(
                Reason.MISSING_IDENTIFIER,
                "has no person: a lead on an organization alone has no contact",
                "person_id",
            )
        op: Membership = "list.remove" if record.get("is_archived") is True else "list.add"
        return [membership(op, self.list_id, PERSON_PREFIX + person, source_id)]


def compile_lead_lists(lists: Mapping[str, object]) -> LeadLists:
    """The leads part for the connector's `lists:`; `SpecError` when it names no list for them."""
    key = f"lists.{QUALIFIED_LEADS}"
    if QUALIFIED_LEADS not in lists:
        raise SpecError(key, "leads need a Brevo list: set lists.qualified_leads")
    return LeadLists(check_list_id(key, lists[QUALIFIED_LEADS]))
