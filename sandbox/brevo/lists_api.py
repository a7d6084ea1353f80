"""Handlers of /v3/contacts/lists: listing lists, adding and removing members.

Add and remove take exactly one of `emails`, `ids` or `extIds`, at most 150 of them (the spec's
`maxItems`, enforced by validation). Each identifier given is echoed back under `success` or
`failure`; Brevo counts unknown contacts, contacts already in the list (add) and contacts not in
it (remove) as failures, and answers 400 when nothing succeeded.
https://developers.brevo.com/reference/add-contact-to-list
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.brevo.contacts import Contact, ContactStore
from sandbox.brevo.errors import brevo_error, document_not_found
from sandbox.brevo.identifiers import normalize_email
from sandbox.brevo.routing import BrevoCall, BrevoRoute


def list_lists(call: BrevoCall) -> Response:
    members, blacklisted = call.fake.contacts.list_sizes()
    lists = sorted(
        call.fake.lists.all(), key=lambda item: item.id, reverse=call.query.get("sort") != "asc"
    )
    offset, limit = call.query_int("offset", 0), call.query_int("limit", 10)
    return JSONResponse(
        {
            "lists": [
                {
                    "id": item.id,
                    "name": item.name,
                    "totalBlacklisted": blacklisted[item.id],
                    "totalSubscribers": members[item.id],
                    "uniqueSubscribers": members[item.id],
                    "folderId": item.folder_id,
                }
                for item in lists[offset : offset + limit]
            ],
            "count": len(lists),
        }
    )


def _wanted(store: ContactStore, body: dict[str, Any]) -> list[tuple[Any, Contact | None]]:
    """Each identifier the body gives, with the contact it names (None when unknown)."""

    def by_email(raw: Any) -> Contact | None:
        email = normalize_email(str(raw))
        return None if email is None else store.find("email", email)

    return [
        *((given, by_email(given)) for given in body.get("emails") or []),
        *((given, store.find("id", str(given))) for given in body.get("ids") or []),
        *((given, store.find("ext_id", str(given))) for given in body.get("extIds") or []),
    ]


def _change_membership(
    call: BrevoCall, change: Callable[[ContactStore, Contact, int], bool], failure_message: str
) -> Response:
    list_id = int(call.path_params["listId"])
    if not call.fake.lists.exists(list_id):
        return document_not_found("List ID does not exist")
    body = call.json_object()
    if body.get("all"):
        message = "removing all contacts (`all`) is not supported by the sandbox"
        call.fake.record_off_spec("POST", f"/v3/contacts/lists/{list_id}/contacts/remove", message)
        return brevo_error(400, "invalid_parameter", message)
    store = call.fake.contacts
    success: list[Any] = []
    failure: list[Any] = []
    for given, contact in _wanted(store, body):
        changed = contact is not None and change(store, contact, list_id)
        (success if changed else failure).append(given)
    if not success:
        return brevo_error(400, "invalid_parameter", failure_message)
    return JSONResponse({"contacts": {"success": success, "failure": failure}}, status_code=201)


def add_contacts_to_list(call: BrevoCall) -> Response:
    return _change_membership(
        call, ContactStore.add_to_list, "Contact already in list and/or does not exist"
    )


def remove_contacts_from_list(call: BrevoCall) -> Response:
    return _change_membership(
        call,
        ContactStore.remove_from_list,
        "Contact already removed from list and/or does not exist",
    )


ROUTES = (
    BrevoRoute.of("GET", "/v3/contacts/lists", list_lists),
    BrevoRoute.of("POST", "/v3/contacts/lists/{listId}/contacts/add", add_contacts_to_list),
    BrevoRoute.of("POST", "/v3/contacts/lists/{listId}/contacts/remove", remove_contacts_from_list),
)
