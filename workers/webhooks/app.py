"""The ingress ASGI app: `POST /webhooks/{connector}` and `GET /healthz`.

The order of checks is the contract: unknown or disabled connector 404, body over the limit
413 (measured while reading, so a liar's Content-Length cannot make us buffer more), failed
verification 401, body not a delivery 400, then dedupe/debounce/enqueue and 200. Nothing is
enqueued before verification passed. Neither bodies nor headers are ever logged: they carry
credentials and personal data.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from functools import partial

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.config import TajoConfig
from connectors.core.errors import ConfigError
from tasks.brevo_imports import NOTIFY_PATH, NotifyRefused, import_notified
from workers.webhooks.gate import Gate
from workers.webhooks.intake import Enqueue, take
from workers.webhooks.settings import IngressSettings
from workers.webhooks.vendors import INGRESSES, Ingress, MalformedBody

log = logging.getLogger(__name__)


class BodyTooLarge(Exception):
    pass


async def read_capped(request: Request, limit: int) -> bytes:
    """The raw body, or BodyTooLarge as soon as it exceeds `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=dict(headers or {}))


def create_app(
    *,
    config: Callable[[], TajoConfig],
    gate: Gate,
    enqueue: Enqueue,
    settings: IngressSettings,
    ingresses: Mapping[str, Ingress] = INGRESSES,
) -> Starlette:
    async def healthz(_: Request) -> Response:
        redis_ok = await run_in_threadpool(gate.ping)
        return JSONResponse(
            {"ok": redis_ok, "redis": redis_ok}, status_code=200 if redis_ok else 503
        )

    async def receive(request: Request) -> Response:
        name = request.path_params["connector"]
        ingress = ingresses.get(name)
        try:
            cfg = config()
        except ConfigError as exc:
            log.error("webhooks: the config does not load: %s", exc)
            return _error(503, "the service is misconfigured")
        if ingress is None or not ingress.enabled(cfg):
            return _error(404, f"no webhooks are received for {name[:40]!r}")
        try:
            body = await read_capped(request, settings.max_body_bytes)
        except BodyTooLarge:
            return _error(413, f"the body is over {settings.max_body_bytes} bytes")
        if not ingress.verify(cfg, request.headers, body):
            return _error(401, "unauthorized", {"www-authenticate": 'Basic realm="tajo"'})
        try:
            delivery = ingress.parse(request.headers, body)
        except MalformedBody as exc:
            return _error(400, str(exc))
        try:
            intake = await run_in_threadpool(
                take,
                name,
                delivery,
                partial(ingress.wanted, cfg),
                partial(ingress.events, cfg),
                gate,
                enqueue,
            )
        except Exception as exc:
            # The broker or Redis is down: a 5xx makes the vendor deliver again later.
            log.error("webhooks: %s delivery not enqueued: %s", name, type(exc).__name__)
            return _error(503, "not enqueued; deliver again later")
        return JSONResponse(intake.as_json())

    async def import_callback(request: Request) -> Response:
        # Brevo announces a finished import here (the notifyUrl we gave it); the signature in the
        # query proves the URL is one we handed out, so nothing else can make us read processes.
        try:
            body = await read_capped(request, settings.max_body_bytes)
        except BodyTooLarge:
            return _error(413, f"the body is over {settings.max_body_bytes} bytes")
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            return _error(400, "the body is not JSON")
        if not isinstance(payload, dict):
            return _error(400, "the body is not a JSON object")
        try:
            result = await run_in_threadpool(
                import_notified,
                payload,
                dict(request.query_params),
                lambda task, kwargs: enqueue(task, kwargs, 0.0),
            )
        except NotifyRefused as exc:
            return _error(403, str(exc))
        except Exception as exc:
            log.error("webhooks: Brevo import callback not enqueued: %s", type(exc).__name__)
            return _error(503, "not enqueued; deliver again later")
        return JSONResponse(result)

    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route(NOTIFY_PATH, import_callback, methods=["POST"]),
            Route("/webhooks/{connector}", receive, methods=["POST"]),
        ]
    )
