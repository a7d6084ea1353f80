"""List membership: `POST /v3/contacts/lists/{id}/contacts/add` and `/remove`, 150 a call.

A call names its contacts one way only: `emails`, `ids` or `extIds`, so items are grouped by
list, direction and identifier type first. https://developers.brevo.com/reference/addcontacttolist-1
Brevo answers `{"contacts": {"success": [...], "failure": [...]}}`, where a failure "could be
already in/out of the list and/or does not exist", and a whole call with 400 "Contact already in
list and/or does not exist" when it changed none of them. Those are told apart by reading each
such contact (`membership`): only a contact Brevo does not have is a real refusal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from connectors.brevo.api import BrevoApi
from connectors.core.http import parse_error_body

#: https://developers.brevo.com/reference/addcontacttolist-1 (and removecontactfromlist)
IDENTIFIERS_PER_CALL = 150

Direction = Literal["add", "remove"]
#: Our identifier names (as BrevoOperation bodies spell them) -> the field of a list call.
CALL_FIELDS = {"email": "emails", "ext_id": "extIds", "id": "ids"}
#: ... -> `identifierType` of `GET /v3/contacts/{identifier}`.
LOOKUP_TYPES = {"email": "email_id", "ext_id": "ext_id", "id": "contact_id"}


@dataclass(frozen=True)
class Group:
    """Items that can share one call: same list, direction and identifier type."""

    list_id: int
    direction: Direction
    identifier_type: str
    #: identifier value -> positions (in the caller's items) of the items naming it
    members: dict[str | int, tuple[int, ...]]


def identifier_of(body: dict[str, Any]) -> tuple[str, str | int]:
    """(type, value) of a list.add/list.remove body; ValueError naming the field if malformed."""
    identifier = body.get("identifier")
    if not isinstance(identifier, dict) or len(identifier) != 1:
        raise ValueError("identifier must name exactly one of email, ext_id or id")
    ((kind, value),) = identifier.items()
    if kind not in CALL_FIELDS:
        raise ValueError(f"identifier.{kind} is not one of email, ext_id or id")
    if kind == "id":
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError("identifier.id must be an integer")
    elif not isinstance(value, str) or not value:
        raise ValueError(f"identifier.{kind} must be a non-empty string")
    return kind, value


def list_id_of(body: dict[str, Any]) -> int:
    value = body.get("listId")
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError("listId must be a positive integer")
    return value


def group(items: Iterable[tuple[int, Direction, int, str, str | int]]) -> list[Group]:
    """Group (position, direction, list id, identifier type, value) into calls of at most 150.

    An identifier named twice in one group is sent once, and its answer holds for both items.
    """
    grouped: dict[tuple[int, Direction, str], dict[str | int, tuple[int, ...]]] = {}
    for position, direction, list_id, kind, value in items:
        members = grouped.setdefault((list_id, direction, kind), {})
        members[value] = (*members.get(value, ()), position)
    groups: list[Group] = []
    for (list_id, direction, kind), members in grouped.items():
        values = list(members)
        for start in range(0, len(values), IDENTIFIERS_PER_CALL):
            part = {value: members[value] for value in values[start : start + IDENTIFIERS_PER_CALL]}
            groups.append(Group(list_id, direction, kind, part))
    return groups


@dataclass(frozen=True)
class ListCallAnswer:
    #: identifiers Brevo reported done
    success: set[str]
    #: identifiers Brevo reported not done (already in/out of the list, or unknown)
    failure: set[str]


def change_membership(
    api: BrevoApi, list_id: int, direction: Direction, identifier_type: str, values: Sequence[Any]
) -> ListCallAnswer:
    """One add/remove call of at most 150 identifiers of one type."""
    if len(values) > IDENTIFIERS_PER_CALL:
        raise ValueError(f"at most {IDENTIFIERS_PER_CALL} identifiers per list call")
    path = f"/contacts/lists/{int(list_id)}/contacts/{direction}"
    operation = f"list_{direction}"
    response = api.send("POST", path, operation, body={CALL_FIELDS[identifier_type]: list(values)})
    if _changed_none(response.status_code, *parse_error_body(response)):
        return ListCallAnswer(set(), {str(v) for v in values})
    body = api.result(response, operation)
    contacts = body.get("contacts") if isinstance(body, dict) else None
    if not isinstance(contacts, dict):
        return ListCallAnswer({str(v) for v in values}, set())
    success = {str(v) for v in contacts.get("success") or []}
    failure = {str(v) for v in contacts.get("failure") or []}
    return ListCallAnswer(success, failure)


def membership(api: BrevoApi, identifier_type: str, value: str | int) -> list[int] | None:
    """The list ids a contact is in, or None when Brevo has no such contact."""
    path = f"/contacts/{quote(str(value), safe='')}"
    params = {"identifierType": LOOKUP_TYPES[identifier_type]}
    response = api.send("GET", path, "get_contact", params=params)
    if response.status_code == 404:
        return None
    body = api.result(response, "get_contact")
    list_ids = body.get("listIds") if isinstance(body, dict) else None
    return [i for i in list_ids if isinstance(i, int)] if isinstance(list_ids, list) else []


def _changed_none(status: int, code: str | None, message: str | None) -> bool:
    """Brevo's 400 for a call that changed no contact (all already there, or unknown)."""
    text = (message or "").lower()
    return (
        status == 400
        and code == "invalid_parameter"
        and ("already in list" in text or "does not exist" in text or "not in list" in text)
    )
