"""Pipedrive `webhooks:` rules: a change at the vendor becomes a Brevo event (`event.track`).

    webhooks:
      - {event_action: "updated", event_object: "deal", brevo_event: "deal_updated"}
      - {event_action: "merged", event_object: "person", brevo_event: "contact_merged"}

The mapper takes a webhook payload as Pipedrive sends it. Webhooks v2
(https://pipedrive.readme.io/docs/guide-for-webhooks-v2): `meta.action` is create, change or
delete, `meta.entity` the object, `data` the object now and `previous` the fields that changed. A
merge arrives as the delete of the merged-away object with `meta.merged_to_id`
(https://pipedrive.readme.io/docs/webhooks-v2-migration-guide). The rules may use either
vocabulary: v1's added / updated / deleted / merged, v2's create / change / delete, or `*`. A v1
payload (`meta.object`, `current`) is read too.

The event is attached to the Brevo contact of the Pipedrive person (ext_id
`pipedrive:persons:<id>`): the person itself, the survivor of a merge, or the `person_id` of a
deal, activity or lead. Its properties are the object's id, the action, and a few fields of the
object with their previous values when they changed (a deal's stage move carries `stage_id` and
`previous_stage_id`). A change no rule asks for maps to no operation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from mapping.deal_stages import DEFAULT_PERSON_PREFIX
from mapping.errors import MappingError, Reason, SpecError
from mapping.operations import BrevoOperation
from mapping.record_ids import related_id
from mapping.transforms import TransformError, to_iso_datetime
from mapping.values import to_attribute_value

#: v1 and v2 spellings of an action -> the one the rules are matched on.
_ACTIONS: Final = {
    "added": "added",
    "create": "added",
    "updated": "updated",
    "change": "updated",
    "deleted": "deleted",
    "delete": "deleted",
    "merged": "merged",
    "*": "*",
}
#: Brevo event names: up to 255 alphanumerics, - and _ (createEvent `event_name`).
_EVENT_NAME = re.compile(r"[A-Za-z0-9_\-]{1,255}")
_OBJECT = re.compile(r"\*|[a-z][a-z_]{0,63}")
#: The fields of each object an event carries (as `<field>` and `previous_<field>`).
_PROPERTIES: Final[Mapping[str, tuple[str, ...]]] = {
    "person": ("name",),
    "organization": ("name",),
    "deal": ("title", "value", "currency", "status", "stage_id", "pipeline_id"),
    "activity": ("type", "subject", "due_date", "done"),
    "lead": ("title",),
}


@dataclass(frozen=True, slots=True)
class WebhookRule:
    action: str
    object: str
    event: str

    def matches(self, actions: frozenset[str], entity: str) -> bool:
        return (self.action == "*" or self.action in actions) and self.object in ("*", entity)


@dataclass(frozen=True, slots=True)
class WebhookEvents:
    """A record part for webhook payloads: one `event.track` per rule that matches."""

    rules: tuple[WebhookRule, ...]
    person_prefix: str = DEFAULT_PERSON_PREFIX

    def describe(self) -> object:
        return {
            "part": "webhook_events",
            "rules": [[r.action, r.object, r.event] for r in self.rules],
            "person": self.person_prefix,
        }

    def operations(self, record: Mapping[str, object], source_id: str) -> list[BrevoOperation]:
        meta = record.get("meta")
        if not isinstance(meta, Mapping):
            raise MappingError(Reason.UNSUPPORTED_RECORD, "has no meta object", "meta")
        raw_action, entity = meta.get("action"), meta.get("entity", meta.get("object"))
        said = raw_action if isinstance(raw_action, str) else ""
        action = _ACTIONS.get(said)
        if action is None or action == "*" or not isinstance(entity, str):
            raise MappingError(
                Reason.UNSUPPORTED_RECORD,
                "needs meta.action (create, change, delete) and meta.entity",
                "meta.action",
            )
        merged_to = related_id(meta.get("merged_to_id"))
        actions = frozenset({action, "merged"} if action == "deleted" and merged_to else {action})
        matched = [rule for rule in self.rules if rule.matches(actions, entity)]
        if not matched:
            return []
        data = record.get("data", record.get("current"))
        previous = record.get("previous")
        current = data if isinstance(data, Mapping) else {}
        before = previous if isinstance(previous, Mapping) else {}
        object_id = related_id(meta.get("entity_id")) or related_id(current.get("id"))
        object_id = object_id or related_id(before.get("id"))
        person = self._person(entity, object_id, merged_to, current, before)
        if person is None:
            raise MappingError(
                Reason.MISSING_IDENTIFIER,
                f"{entity} {object_id or '?'} has no person to attach the event "
                f"{matched[0].event} to",
                "data.person_id",
            )
        properties = _properties(entity, said, object_id, current, before)
        date = _event_date(meta, current)
        operations = []
        for rule in matched:
            body: dict[str, Any] = {
                "event_name": rule.event,
                "identifiers": {"ext_id": self.person_prefix + person},
                "event_properties": properties,
            }
            if date is not None:
                body["event_date"] = date
            key = f"event:{rule.event}:{source_id}"
            operations.append(BrevoOperation("event.track", key, source_id, body))
        return operations

    @staticmethod
    def _person(
        entity: str,
        object_id: str | None,
        merged_to: str | None,
        current: Mapping[str, object],
        before: Mapping[str, object],
    ) -> str | None:
        if entity == "person":
            return merged_to or object_id
        return related_id(current.get("person_id")) or related_id(before.get("person_id"))


def compile_webhook_events(rules: Sequence[object], *, key_path: str = "webhooks") -> WebhookEvents:
    """Check the rules (event_action, event_object, brevo_event); `SpecError` names the key."""
    if isinstance(rules, str | bytes) or not isinstance(rules, Sequence):
        raise SpecError(key_path, "must be a list of {event_action, event_object, brevo_event}")
    compiled: list[WebhookRule] = []
    for index, rule in enumerate(rules):
        where = f"{key_path}[{index}]"
        if hasattr(rule, "model_dump"):
            rule = rule.model_dump()
        if not isinstance(rule, Mapping):
            raise SpecError(where, "must be {event_action, event_object, brevo_event}")
        action, obj, event = (rule.get(k) for k in ("event_action", "event_object", "brevo_event"))
        if not isinstance(action, str) or action.strip().lower() not in _ACTIONS:
            known = ", ".join(sorted(_ACTIONS))
            raise SpecError(f"{where}.event_action", f"{action!r} is not one of {known}")
        if not isinstance(obj, str) or not _OBJECT.fullmatch(obj.strip().lower()):
            raise SpecError(f"{where}.event_object", f"{obj!r} is not a Pipedrive object name")
        if not isinstance(event, str) or not _EVENT_NAME.fullmatch(event):
            raise SpecError(
                f"{where}.brevo_event",
                f"{event!r} is not a Brevo event name (up to 255 letters, digits, - and _)",
            )
        compiled.append(WebhookRule(_ACTIONS[action.strip().lower()], obj.strip().lower(), event))
    return WebhookEvents(tuple(compiled))


def _properties(
    entity: str,
    action: str,
    object_id: str | None,
    current: Mapping[str, object],
    before: Mapping[str, object],
) -> dict[str, Any]:
    properties: dict[str, Any] = {"object": entity, "action": action}
    if object_id is not None:
        properties["object_id"] = object_id
    for name in _PROPERTIES.get(entity, ()):
        value = _scalar(current.get(name), name)
        if value is not None:
            properties[name] = value
        if name in before:
            old = _scalar(before.get(name), f"previous.{name}")
            if old is not None and old != value:
                properties[f"previous_{name}"] = old
    return properties


def _scalar(value: object, where: str) -> object:
    """A property value: text, number or boolean, checked like an attribute; None to omit."""
    if isinstance(value, Mapping) and "value" in value:
        value = value["value"]  # v1 related objects: {"value": 3, "name": ...}
    if value is None or isinstance(value, list | Mapping):
        return None
    return to_attribute_value(value, attribute="event property", path=where)


def _event_date(meta: Mapping[str, object], current: Mapping[str, object]) -> str | None:
    """When the change happened: the delivery's timestamp, else the object's update time."""
    for value in (meta.get("timestamp"), current.get("update_time")):
        if value is None or isinstance(value, bool):
            continue
        try:
            return to_iso_datetime(value)
        except TransformError:
            continue
    return None
