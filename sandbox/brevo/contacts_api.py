"""Handlers of /v3/contacts, /v3/contacts/{identifier} and contact attributes.

Requests reach these only after spec validation, so shapes are trusted; what is checked here
is what the spec cannot say (valid email/SMS, identifiers held by another contact, lists that
exist), answered with Brevo's own codes and messages.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.brevo.attributes import Attribute, AttributeExists
from sandbox.brevo.contacts import (
    IDENTIFIER_TYPES,
    Contact,
    ContactChange,
    DuplicateIdentifiers,
    IdentifierKind,
)
from sandbox.brevo.errors import brevo_error, contact_not_found, duplicate
from sandbox.brevo.identifiers import normalize_email, normalize_sms
from sandbox.brevo.routing import BrevoCall, BrevoRoute


class InvalidValue(ValueError):
    """A value Brevo answers `400 invalid_parameter` for."""


def _email_or_none(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    email = normalize_email(str(raw))
    if email is None:
        raise InvalidValue("Invalid email address")
    return email


def _sms_or_none(raw: Any) -> str | None:
    if raw is None or raw == "":
        return None
    sms = normalize_sms(raw)
    if sms is None:
        raise InvalidValue("Invalid phone number")
    return sms


def _existing_lists(call: BrevoCall, raw: Any) -> frozenset[int]:
    list_ids = frozenset(int(i) for i in raw or [])
    missing = call.fake.lists.missing(list_ids)
    if missing:
        raise InvalidValue(f"List ID does not exist: {missing}")
    return list_ids


def resolve_contact(call: BrevoCall) -> Contact | None:
    """The contact named by the path, per `identifierType` (email or id when absent)."""
    identifier = call.path_params["identifier"]
    identifier_type = call.query.get("identifierType")
    kind: IdentifierKind | None
    if identifier_type is not None:
        # whatsapp_id / landline_number_id are valid but never match: the fake stores neither.
        kind = IDENTIFIER_TYPES.get(identifier_type)
    elif "@" in identifier:
        kind = "email"
    else:
        kind = "id" if identifier.isdigit() else None
    if kind is None:
        return None
    value: str | None = identifier
    if kind == "email":
        value = identifier.strip().lower()
    elif kind == "sms":
        value = normalize_sms(identifier)
    return None if value is None else call.fake.contacts.find(kind, value)


def create_contact(call: BrevoCall) -> Response:
    body = call.json_object()
    attributes = body.get("attributes") or {}
    try:
        change = ContactChange(
            email=_email_or_none(body.get("email")),
            ext_id=str(body.get("ext_id") or attributes.get("EXT_ID") or "") or None,
            sms=_sms_or_none(attributes.get("SMS")),
            attributes=call.fake.attributes.keep_known(attributes),
            list_ids=_existing_lists(call, body.get("listIds")),
            email_blacklisted=body.get("emailBlacklisted"),
            sms_blacklisted=body.get("smsBlacklisted"),
        )
    except InvalidValue as exc:
        return brevo_error(400, "invalid_parameter", str(exc))
    if not change.identifiers():
        return brevo_error(
            400, "missing_parameter", "Please provide Email, SMS or ext_id to create a contact"
        )
    try:
        if body.get("updateEnabled"):
            outcome, contact = call.fake.contacts.upsert(change)
            if outcome == "updated":
                return Response(status_code=204)
        else:
            contact = call.fake.contacts.create(change)
    except DuplicateIdentifiers as exc:
        return duplicate(
            exc.names, updating=exc.updating, update_code=call.fake.update_conflict_code
        )
    return JSONResponse({"id": contact.id}, status_code=201)


def update_contact(call: BrevoCall) -> Response:
    contact = resolve_contact(call)
    if contact is None:
        return contact_not_found()
    body = call.json_object()
    attributes = body.get("attributes") or {}
    try:
        change = ContactChange(
            email=_email_or_none(attributes.get("EMAIL")),
            ext_id=str(body.get("ext_id") or attributes.get("EXT_ID") or "") or None,
            sms=_sms_or_none(attributes.get("SMS")),
            attributes=call.fake.attributes.keep_known(attributes),
            empty_values_erase=True,
            list_ids=_existing_lists(call, body.get("listIds")),
            unlink_list_ids=frozenset(int(i) for i in body.get("unlinkListIds") or []),
            email_blacklisted=body.get("emailBlacklisted"),
            sms_blacklisted=body.get("smsBlacklisted"),
        )
        call.fake.contacts.update(contact, change)
    except InvalidValue as exc:
        return brevo_error(400, "invalid_parameter", str(exc))
    except DuplicateIdentifiers as exc:
        return duplicate(
            exc.names, updating=exc.updating, update_code=call.fake.update_conflict_code
        )
    return Response(status_code=204)


def get_contact(call: BrevoCall) -> Response:
    contact = resolve_contact(call)
    if contact is None:
        return contact_not_found()
    return JSONResponse({**contact.as_json(), "statistics": {}})


def delete_contact(call: BrevoCall) -> Response:
    contact = resolve_contact(call)
    if contact is None:
        return contact_not_found()
    call.fake.contacts.delete(contact)
    return Response(status_code=204)


def list_contacts(call: BrevoCall) -> Response:
    try:
        modified_since = _optional_datetime(call.query.get("modifiedSince"), "modifiedSince")
        created_since = _optional_datetime(call.query.get("createdSince"), "createdSince")
    except InvalidValue as exc:
        return brevo_error(400, "invalid_parameter", str(exc))
    contacts, count = call.fake.contacts.page(
        limit=call.query_int("limit", 50),
        offset=call.query_int("offset", 0),
        descending=call.query.get("sort", "desc") == "desc",
        modified_since=modified_since,
        created_since=created_since,
        list_ids=frozenset(int(i) for i in call.query.getlist("listIds")),
    )
    return JSONResponse({"contacts": contacts, "count": count})


def _optional_datetime(raw: str | None, name: str) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise InvalidValue(f"{name} is not a valid date-time") from exc
    if moment.tzinfo is None:
        raise InvalidValue(f"{name} needs a timezone, e.g. 2024-01-15T10:30:00.000Z")
    return moment


def list_attributes(call: BrevoCall) -> Response:
    return JSONResponse({"attributes": [a.as_json() for a in call.fake.attributes.all()]})


def create_attribute(call: BrevoCall) -> Response:
    body = call.json_object()
    enumeration = tuple(
        (int(item["value"]), str(item["label"])) for item in body.get("enumeration") or []
    )
    attribute = Attribute(
        name=call.path_params["attributeName"].upper(),
        category=call.path_params["attributeCategory"],
        type=body.get("type") or ("category" if enumeration else "text"),
        enumeration=enumeration,
    )
    try:
        call.fake.attributes.create(attribute)
    except AttributeExists:
        return brevo_error(400, "invalid_parameter", "Attribute name already exists")
    return Response(status_code=201)


ROUTES = (
    BrevoRoute.of("GET", "/v3/contacts/attributes", list_attributes),
    BrevoRoute.of(
        "POST", "/v3/contacts/attributes/{attributeCategory}/{attributeName}", create_attribute
    ),
    BrevoRoute.of("GET", "/v3/contacts", list_contacts),
    BrevoRoute.of("POST", "/v3/contacts", create_contact),
    BrevoRoute.of("GET", "/v3/contacts/{identifier}", get_contact),
    BrevoRoute.of("PUT", "/v3/contacts/{identifier}", update_contact),
    BrevoRoute.of("DELETE", "/v3/contacts/{identifier}", delete_contact),
)
