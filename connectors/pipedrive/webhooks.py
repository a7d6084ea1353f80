"""Pipedrive webhooks v2: verify a delivery, read its hints, and manage the subscriptions.

Pipedrive signs nothing; a subscription carries HTTP basic-auth credentials that Pipedrive sends
with every delivery, so `verify` checks those on the request before the body is even parsed.
https://pipedrive.readme.io/docs/guide-for-webhooks-v2

A v2 delivery is `{"meta": {...}, "data": {...} | null, "previous": {...} | null}`. We use from
`meta`: `id` (the delivery: a retry repeats it, so it is the dedupe key), `action` (`create`,
`change`, `delete`), `entity` (`person`, `deal`...), `entity_id`, and on a delete `merged_to_id`
(v2 has no `merged` action: a merge is a delete of the loser, plus a change of the survivor).
https://pipedrive.readme.io/docs/webhooks-v2-migration-guide
`data` is never trusted as the record: the ingress refetches it, so an old or replayed delivery
can never write stale data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import httpx

from connectors.core.errors import VendorUnavailableError
from connectors.core.http import (
    PooledClient,
    decode_json,
    encode_json,
    error_fields,
    error_for_status,
    send,
)
from connectors.core.webhooks import (
    Action,
    BasicAuthCredentials,
    ObjectRef,
    basic_auth_matches,
    header,
)
from connectors.pipedrive.client import pipedrive_http
from connectors.pipedrive.settings import PipedriveSettings, PipedriveWebhookRule

VENDOR = "pipedrive"
WEBHOOKS_VERSION: Final = "2.0"

#: Pipedrive's object names -> our resource names.
RESOURCES: Final[Mapping[str, str]] = {
    "person": "persons",
    "deal": "deals",
    "organization": "organizations",
    "activity": "activities",
    "lead": "leads",
}
OBJECTS: Final[Mapping[str, str]] = {resource: obj for obj, resource in RESOURCES.items()}

#: v1 action names (the connector docs' `webhooks:` rules use them) -> v2's.
_V1_ACTIONS: Final[Mapping[str, Action]] = {
    "added": "create",
    "updated": "change",
    "deleted": "delete",
    "merged": "merge",
}
_V2_ACTIONS: Final[frozenset[str]] = frozenset({"create", "change", "delete"})


class MalformedDelivery(ValueError):
    """The body is JSON but not a Pipedrive delivery; the message names the field."""


@dataclass(frozen=True)
class Delivery:
    delivery_id: str
    hints: list[ObjectRef]


def verify(settings: PipedriveSettings, headers: Mapping[str, str]) -> bool:
    """True when the request carries the configured basic-auth credentials."""
    if settings.webhook_auth is None:
        return False
    return basic_auth_matches(header(headers, "authorization"), settings.webhook_auth)


def _identifier(value: object, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise MalformedDelivery(f"{field} must be a non-empty string or integer")
    return str(value).strip()


def parse(payload: object) -> Delivery:
    """The delivery id and the object hints of one decoded delivery body."""
    if not isinstance(payload, Mapping):
        raise MalformedDelivery("the body must be a JSON object")
    meta = payload.get("meta")
    if not isinstance(meta, Mapping):
        raise MalformedDelivery("meta must be an object")
    delivery_id = _identifier(meta.get("id"), "meta.id")
    entity = meta.get("entity", meta.get("object"))
    if not isinstance(entity, str) or not entity:
        raise MalformedDelivery("meta.entity must be a string")
    raw_action = meta.get("action")
    if not isinstance(raw_action, str):
        raise MalformedDelivery("meta.action must be a string")
    action: Action
    if raw_action in _V2_ACTIONS:
        action = raw_action  # type: ignore[assignment]
    elif raw_action in _V1_ACTIONS:
        action = _V1_ACTIONS[raw_action]
    else:
        raise MalformedDelivery(f"meta.action {raw_action[:40]!r} is not create, change or delete")
    data = payload.get("data")
    entity_id = meta.get("entity_id")
    if entity_id is None and isinstance(data, Mapping):
        entity_id = data.get("id")
    object_id = _identifier(entity_id, "meta.entity_id")
    merged_into = meta.get("merged_to_id")
    if action == "delete" and merged_into not in (None, ""):
        action = "merge"
    resource = RESOURCES.get(entity, entity)
    hint = ObjectRef(
        resource=resource,
        object_id=object_id,
        action=action,
        vendor_event=f"{entity}.{action}",
        merged_into=None if merged_into in (None, "") else _identifier(merged_into, "merged_to_id"),
    )
    return Delivery(delivery_id=delivery_id, hints=[hint])


def brevo_events(rules: Sequence[PipedriveWebhookRule], resource: str, action: Action) -> list[str]:
    """The Brevo events the config's `webhooks:` rules name for this change.

    Rules are written with v1 names (`added`, `updated`, `merged`) in the docs; v2 names work
    too. `*` matches any action or object.
    """
    obj = OBJECTS.get(resource, resource)
    found: list[str] = []
    for rule in rules:
        rule_action = _V1_ACTIONS.get(rule.event_action, rule.event_action)
        if rule.event_object not in ("*", obj) or rule_action not in ("*", action):
            continue
        if rule.brevo_event not in found:
            found.append(rule.brevo_event)
    return found


# -- subscriptions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    event_action: str
    event_object: str


@dataclass(frozen=True)
class Registration:
    kept: list[dict[str, Any]]
    created: list[dict[str, Any]]
    replaced: list[dict[str, Any]]


class WebhookAdmin(PooledClient):
    """`/v1/webhooks`: list, create and delete this account's webhook subscriptions."""

    def __init__(
        self, settings: PipedriveSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._http = pipedrive_http(settings, transport)

    def list(self) -> list[dict[str, Any]]:
        data = self._call("GET", "/v1/webhooks", "list_webhooks")
        if data is None:
            return []
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise VendorUnavailableError(VENDOR, "list_webhooks", "`data` is not a list")
        return data

    def create(
        self, subscription_url: str, subscription: Subscription, auth: BasicAuthCredentials
    ) -> dict[str, Any]:
        body = {
            "subscription_url": subscription_url,
            "event_action": subscription.event_action,
            "event_object": subscription.event_object,
            "http_auth_user": auth.username,
            "http_auth_password": auth.password.get_secret_value(),
            "version": WEBHOOKS_VERSION,
        }
        data = self._call("POST", "/v1/webhooks", "create_webhook", content=encode_json(body))
        if not isinstance(data, dict):
            raise VendorUnavailableError(VENDOR, "create_webhook", "`data` is not an object")
        return data

    def delete(self, webhook_id: int) -> None:
        self._call("DELETE", f"/v1/webhooks/{int(webhook_id)}", "delete_webhook")

    def _call(self, method: str, path: str, operation: str, *, content: bytes | None = None) -> Any:
        headers = {"content-type": "application/json"} if content is not None else None
        response = send(
            self._http,
            method,
            path,
            vendor=VENDOR,
            operation=operation,
            content=content,
            headers=headers,
        )
        error = error_for_status(response, vendor=VENDOR)
        if error is not None:
            raise error
        body = decode_json(response, vendor=VENDOR, operation=operation)
        if isinstance(body, dict) and body.get("success") is False:
            _, message = error_fields(body)
            raise VendorUnavailableError(VENDOR, operation, f"success: false: {message}")
        return body.get("data") if isinstance(body, dict) else None


def _same_target(hook: Mapping[str, Any], url: str, subscription: Subscription) -> bool:
    return (
        hook.get("subscription_url") == url
        and hook.get("event_action") == subscription.event_action
        and hook.get("event_object") == subscription.event_object
    )


def register(
    admin: WebhookAdmin,
    url: str,
    auth: BasicAuthCredentials,
    subscriptions: Iterable[Subscription],
    *,
    replace: bool = False,
) -> Registration:
    """Make sure each subscription exists once for `url`, as v2 with these credentials.

    Idempotent: a matching v2 webhook with the same user is kept. One that differs (v1, another
    user), or any match when `replace` is set (a rotated password cannot be read back), is
    deleted and created again.
    """
    existing = admin.list()
    kept: list[dict[str, Any]] = []
    created: list[dict[str, Any]] = []
    replaced: list[dict[str, Any]] = []
    for subscription in subscriptions:
        matches = [hook for hook in existing if _same_target(hook, url, subscription)]
        good = [
            hook
            for hook in matches
            if str(hook.get("version")) == WEBHOOKS_VERSION
            and hook.get("http_auth_user") == auth.username
            and not replace
        ]
        if good:
            kept.append(good[0])
            stale = [hook for hook in matches if hook is not good[0]]
        else:
            stale = matches
        for hook in stale:
            admin.delete(int(hook["id"]))
            replaced.append(hook)
        if not good:
            created.append(admin.create(url, subscription, auth))
    return Registration(kept=kept, created=created, replaced=replaced)
