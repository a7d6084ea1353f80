"""The Pipedrive fake's webhooks: `/v1/webhooks` (list, create, delete) and deliveries.

Subscriptions are kept per fake, like Pipedrive keeps them per account. Deliveries are sent by a
test-control route, `POST /_sandbox/webhooks/emit`, as real HTTP POSTs to every matching v2
subscription, in webhooks v2's shape, with the subscription's basic-auth credentials:
`{"meta": {"id", "action", "entity", "entity_id", "version": "2.0", "attempt", ...}, "data",
"previous"}`. https://pipedrive.readme.io/docs/guide-for-webhooks-v2
v1 subscriptions are stored and listed but receive nothing (the fake speaks v2 deliveries only).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import threading
import time
import uuid
import weakref
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.common.control import bad_control_request, read_json_object
from sandbox.common.timefmt import to_rfc3339
from sandbox.pipedrive.errors import pipedrive_error
from sandbox.pipedrive.fake import PipedriveFake
from sandbox.pipedrive.gate import CallContext, guarded

#: Pipedrive's cap on webhooks per user.
MAX_WEBHOOKS = 40
#: Pipedrive waits this long for the subscriber's answer.
DELIVERY_TIMEOUT_SECONDS = 10.0
ACTIONS = {
    "1.0": {"added", "updated", "merged", "deleted", "*"},
    "2.0": {"create", "change", "delete", "*"},
}
OBJECTS = {"activity", "deal", "lead", "note", "organization", "person", "product", "user", "*"}
#: The ids the fake answers for the account and its only user.
COMPANY_ID = 1
USER_ID = 1


@dataclass
class Webhook:
    id: int
    subscription_url: str
    event_action: str
    event_object: str
    version: str
    http_auth_user: str | None
    http_auth_password: str | None = field(repr=False)
    add_time: str
    last_delivery_time: str | None = None
    last_http_status: int | None = None

    def as_json(self) -> dict[str, Any]:
        # The password is never answered back.
        return {
            "id": self.id,
            "company_id": COMPANY_ID,
            "owner_id": USER_ID,
            "user_id": USER_ID,
            "event_action": self.event_action,
            "event_object": self.event_object,
            "subscription_url": self.subscription_url,
            "is_active": 1,
            "add_time": self.add_time,
            "remove_time": None,
            "type": "general",
            "http_auth_user": self.http_auth_user,
            "http_auth_password": None,
            "admin_id": USER_ID,
            "last_delivery_time": self.last_delivery_time,
            "last_http_status": self.last_http_status,
            "version": self.version,
        }

    def matches(self, action: str, entity: str) -> bool:
        return (
            self.version == "2.0"
            and self.event_action in ("*", action)
            and self.event_object in ("*", entity)
        )


@dataclass(frozen=True)
class DeliveryResult:
    webhook_id: int
    person_id: int
    meta_id: str
    status: int | None
    error: str | None = None


class WebhookRegistry:
    """The subscriptions of one fake account, and every delivery it sent."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.hooks: dict[int, Webhook] = {}
        self.deliveries: list[DeliveryResult] = []

    def add(self, payload: dict[str, Any]) -> Webhook:
        """A new subscription from a `POST /v1/webhooks` body; ValueError names the field."""
        url = payload.get("subscription_url")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("subscription_url must be a full http(s) URL")
        version = str(payload.get("version") or "1.0")
        if version not in ACTIONS:
            raise ValueError("version must be 1.0 or 2.0")
        action, obj = payload.get("event_action"), payload.get("event_object")
        if action not in ACTIONS[version]:
            raise ValueError(f"event_action must be one of {sorted(ACTIONS[version])}")
        if obj not in OBJECTS:
            raise ValueError(f"event_object must be one of {sorted(OBJECTS)}")
        with self._lock:
            if len(self.hooks) >= MAX_WEBHOOKS:
                raise ValueError(f"the limit of {MAX_WEBHOOKS} webhooks is reached")
            hook = Webhook(
                id=next(self._ids),
                subscription_url=url,
                event_action=str(action),
                event_object=str(obj),
                version=version,
                http_auth_user=payload.get("http_auth_user") or None,
                http_auth_password=payload.get("http_auth_password") or None,
                add_time=to_rfc3339(int(time.time())).replace("T", " ").rstrip("Z"),
            )
            self.hooks[hook.id] = hook
        return hook

    def remove(self, webhook_id: int) -> bool:
        with self._lock:
            return self.hooks.pop(webhook_id, None) is not None

    def matching(self, action: str, entity: str) -> list[Webhook]:
        with self._lock:
            return [hook for hook in self.hooks.values() if hook.matches(action, entity)]


_registries: weakref.WeakKeyDictionary[PipedriveFake, WebhookRegistry] = weakref.WeakKeyDictionary()


def webhooks_of(fake: PipedriveFake) -> WebhookRegistry:
    """The webhook registry of a fake (made on first use)."""
    registry = _registries.get(fake)
    if registry is None:
        registry = _registries.setdefault(fake, WebhookRegistry())
    return registry


def delivery_body(
    fake: PipedriveFake,
    hook: Webhook,
    person_id: int,
    action: str,
    *,
    meta_id: str,
    attempt: int = 1,
    merged_to_id: int | None = None,
) -> dict[str, Any]:
    """One v2 delivery about a person, with the person as the fake has it now."""
    try:
        current: dict[str, Any] | None = fake.person(person_id)
    except KeyError:
        current = None
    meta: dict[str, Any] = {
        "action": action,
        "entity": "person",
        "entity_id": str(person_id),
        "id": meta_id,
        "version": "2.0",
        "timestamp": to_rfc3339(int(time.time())),
        "attempt": attempt,
        "webhook_id": str(hook.id),
        "webhook_owner_id": str(USER_ID),
        "company_id": str(COMPANY_ID),
        "user_id": str(USER_ID),
        "is_bulk_edit": False,
        "change_source": "api",
        "type": "general",
    }
    if merged_to_id is not None:
        meta["merged_to_id"] = str(merged_to_id)
    if action == "delete":
        return {"meta": meta, "data": None, "previous": current}
    return {"meta": meta, "data": current, "previous": None}


async def _deliver(
    client: httpx.AsyncClient, hook: Webhook, person_id: int, body: dict[str, Any]
) -> DeliveryResult:
    headers = {}
    if hook.http_auth_user is not None:
        pair = f"{hook.http_auth_user}:{hook.http_auth_password or ''}".encode()
        headers["authorization"] = "Basic " + base64.b64encode(pair).decode()
    meta_id = str(body["meta"]["id"])
    try:
        response = await client.post(hook.subscription_url, json=body, headers=headers)
    except httpx.HTTPError as exc:
        return DeliveryResult(hook.id, person_id, meta_id, None, type(exc).__name__)
    hook.last_delivery_time = to_rfc3339(int(time.time()))
    hook.last_http_status = response.status_code
    return DeliveryResult(hook.id, person_id, meta_id, response.status_code)


def _emit_request(payload: dict[str, Any]) -> tuple[list[int], str, bool, int, int | None]:
    ids = sorted({int(i) for i in payload["ids"]})
    action = str(payload.get("action", "change"))
    if action not in ("create", "change", "delete"):
        raise ValueError("action must be create, change or delete")
    merged_to = payload.get("merged_to_id")
    repeat = int(payload.get("repeat", 1))
    if not 1 <= repeat <= 5:
        raise ValueError("repeat must be between 1 and 5")
    return (
        ids,
        action,
        bool(payload.get("touch", False)),
        repeat,
        (None if merged_to is None else int(merged_to)),
    )


def webhook_routes(fake: PipedriveFake) -> list[Route]:
    """The API routes (behind the fake's token, rate limit and log) and the control route."""
    registry = webhooks_of(fake)

    async def list_webhooks(_: Request, __: CallContext) -> Response:
        data = [hook.as_json() for hook in sorted(registry.hooks.values(), key=lambda h: h.id)]
        return JSONResponse({"status": "ok", "success": True, "data": data})

    async def create_webhook(request: Request, _: CallContext) -> Response:
        try:
            hook = registry.add(await read_json_object(request))
        except ValueError as exc:
            return pipedrive_error(400, str(exc))
        return JSONResponse({"status": "ok", "success": True, "data": hook.as_json()}, 201)

    async def delete_webhook(request: Request, _: CallContext) -> Response:
        if not registry.remove(int(request.path_params["id"])):
            return pipedrive_error(404, "Webhook not found")
        return JSONResponse({"status": "ok", "success": True})

    async def emit(request: Request) -> Response:
        """`{"ids": [..], "action": "change", "touch": true, "repeat": 1, "merged_to_id": 9}`:
        touch the persons first when asked (a real change), then deliver to every matching v2
        subscription; `repeat` sends the same delivery again (a retry: same meta.id)."""
        try:
            ids, action, touch, repeat, merged_to = _emit_request(await read_json_object(request))
        except (KeyError, TypeError, ValueError) as exc:
            return bad_control_request(f"expected ids (and action, touch, repeat): {exc}")
        if touch and ids:
            fake.touch(ids)
        hooks = registry.matching(action, "person")
        sends = []
        for hook in hooks:
            for person_id in ids:
                body = delivery_body(
                    fake, hook, person_id, action, meta_id=str(uuid.uuid4()), merged_to_id=merged_to
                )
                for attempt in range(1, repeat + 1):
                    sends.append(
                        (hook, person_id, {**body, "meta": {**body["meta"], "attempt": attempt}})
                    )
        async with httpx.AsyncClient(timeout=DELIVERY_TIMEOUT_SECONDS) as client:
            results = await asyncio.gather(
                *(_deliver(client, hook, person_id, body) for hook, person_id, body in sends)
            )
        registry.deliveries.extend(results)
        return JSONResponse(
            {
                "delivered": [
                    {
                        "webhook_id": r.webhook_id,
                        "person_id": r.person_id,
                        "meta_id": r.meta_id,
                        "status": r.status,
                        "error": r.error,
                    }
                    for r in results
                ]
            }
        )

    return [
        Route("/_sandbox/webhooks/emit", emit, methods=["POST"]),
        Route("/v1/webhooks", guarded(fake, "/v1/webhooks", list_webhooks), methods=["GET"]),
        Route("/v1/webhooks", guarded(fake, "/v1/webhooks", create_webhook), methods=["POST"]),
        Route(
            "/v1/webhooks/{id:int}",
            guarded(fake, "/v1/webhooks/{id}", delete_webhook),
            methods=["DELETE"],
        ),
    ]
