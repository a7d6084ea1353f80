"""The Brevo fake's ASGI app: every /v3 request passes one pipeline before its handler.

failure switch -> api-key -> route -> rate-limit bucket -> body size -> OpenAPI validation ->
handler. Whatever Brevo's spec (or its documented limits) would refuse is answered like Brevo
(`400 invalid_parameter`, `404 not_found`) and recorded in `BrevoFake.off_spec`, so a test can
fail on any request our code should never have sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.brevo import contacts_api, imports_api
from sandbox.brevo.errors import (
    brevo_error,
    server_failure,
    too_many_requests,
    unauthorized,
)
from sandbox.brevo.fake import BrevoFake
from sandbox.brevo.routing import BrevoCall, BrevoRoute, RouteMatch, match_route
from sandbox.brevo.spec import SpecViolation, spec_violation
from sandbox.common.control import bad_control_request, control_routes, read_json_object
from sandbox.common.failures import SLOW
from sandbox.common.ratelimit import WindowVerdict

logger = logging.getLogger(__name__)

ROUTES: tuple[BrevoRoute, ...] = (*imports_api.ROUTES, *contacts_api.ROUTES)
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
#: Everything under /v3/contacts shares one bucket. https://developers.brevo.com/docs/api-limits
CONTACTS_BUCKET_PREFIX = "/v3/contacts"
IMPORT_PATH = "/v3/contacts/import"
#: Bodies above this are parsed and validated off the event loop (an 8 MB import takes ~1 s).
WORK_IN_THREAD_ABOVE_BYTES = 64 * 1024


def rate_limit_headers(verdict: WindowVerdict | None) -> dict[str, str]:
    # https://developers.brevo.com/docs/limit-headers
    if verdict is None:
        return {}
    return {
        "x-sib-ratelimit-limit": str(verdict.limit),
        "x-sib-ratelimit-remaining": str(verdict.remaining),
        "x-sib-ratelimit-reset": str(verdict.reset_seconds),
    }


def create_brevo_app(fake: BrevoFake) -> Starlette:
    async def api(request: Request) -> Response:
        path = request.url.path
        route = path
        try:
            response, matched = await _pipeline(fake, request)
            if matched is not None:
                route = matched.route.template
        except Exception:
            logger.exception("brevo sandbox failed on %s %s", request.method, path)
            response = brevo_error(500, "internal_error", "sandbox error (see its log)")
        fake.log.record(request.method, path, route, response.status_code)
        return response

    return Starlette(
        routes=[
            *control_routes(fake.failures),
            *_sandbox_routes(fake),
            Route("/{path:path}", api, methods=ALL_METHODS),
        ]
    )


async def _pipeline(fake: BrevoFake, request: Request) -> tuple[Response, RouteMatch | None]:
    method, path = request.method, request.url.path
    raw_body = await request.body()
    failure = fake.failures.next_failure(path)
    if failure is not None and failure.mode == SLOW:
        await asyncio.sleep(failure.delay_seconds)
        failure = None
    api_key = request.headers.get("api-key")
    if (failure is not None and failure.status == 401) or not fake.accepts(api_key):
        return unauthorized(), None
    matched = match_route(ROUTES, method, path)
    if matched is None:
        return _unserved(fake, request, raw_body), None
    limiter = (
        fake.contacts_rate_limit
        if path.startswith(CONTACTS_BUCKET_PREFIX)
        else fake.other_rate_limit
    )
    key = api_key or ""
    if failure is not None and failure.status == 429:
        spent = limiter.exhausted(key) if limiter.limit is not None else None
        return too_many_requests(rate_limit_headers(spent)), matched
    verdict = limiter.take(key)
    headers = rate_limit_headers(verdict)
    if verdict is not None and not verdict.allowed:
        return too_many_requests(headers), matched
    if failure is not None and failure.status is not None:
        return server_failure(failure.status, headers), matched
    refused = await _refusal(fake, request, raw_body)
    if refused is not None:
        fake.record_off_spec(method, path, refused)
        response: Response = brevo_error(400, "invalid_parameter", refused)
    else:
        body = await _parse_json(raw_body)
        call = BrevoCall(fake, matched.path_params, request.query_params, body)
        response = matched.route.handler(call)
    response.headers.update(headers)
    return response, matched


async def _parse_json(raw_body: bytes) -> Any:
    if not raw_body.strip():
        return None
    if len(raw_body) > WORK_IN_THREAD_ABOVE_BYTES:
        return await run_in_threadpool(json.loads, raw_body)
    return json.loads(raw_body)


def _unserved(fake: BrevoFake, request: Request, raw_body: bytes) -> Response:
    violation = _validate(request, raw_body)
    if violation is not None and violation.kind == "unknown_route":
        message = f"Invalid route {request.method} {request.url.path}"
    else:
        message = f"{request.method} {request.url.path} is in Brevo's API but not in the sandbox"
    fake.record_off_spec(request.method, request.url.path, message)
    return brevo_error(404, "not_found", message)


async def _refusal(fake: BrevoFake, request: Request, raw_body: bytes) -> str | None:
    """Why Brevo would refuse this request's shape, or None."""
    if request.url.path == IMPORT_PATH and len(raw_body) > fake.import_max_bytes:
        return (
            f"Request body is {len(raw_body)} bytes; the sandbox accepts at most "
            f"{fake.import_max_bytes} bytes for /contacts/import (Brevo: 10 MB hard limit, "
            "about 8 MB recommended). Split the import."
        )
    if len(raw_body) > WORK_IN_THREAD_ABOVE_BYTES:
        violation = await run_in_threadpool(_validate, request, raw_body)
    else:
        violation = _validate(request, raw_body)
    return None if violation is None else violation.message


def _validate(request: Request, raw_body: bytes) -> SpecViolation | None:
    return spec_violation(
        request.method,
        request.url.path,
        request.query_params,
        request.headers,
        raw_body,
        request.headers.get("content-type") or "application/octet-stream",
    )


def _sandbox_routes(fake: BrevoFake) -> list[Route]:
    async def stats(_: Request) -> Response:
        return JSONResponse(fake.stats())

    async def contacts(request: Request) -> Response:
        try:
            limit = int(request.query_params.get("limit") or 100)
            offset = int(request.query_params.get("offset") or 0)
        except ValueError as exc:
            return bad_control_request(str(exc))
        page, count = fake.contacts.page(limit=limit, offset=offset, descending=False)
        return JSONResponse({"contacts": page, "count": count})

    async def rate_limit(request: Request) -> Response:
        """`{"contacts_per_second": 5, "other_per_hour": 100}`; null switches a bucket off,
        a missing key leaves it as it is."""
        try:
            payload = await read_json_object(request)
            if "contacts_per_second" in payload:
                value = payload["contacts_per_second"]
                fake.set_contacts_rate_limit(None if value is None else int(value))
            if "other_per_hour" in payload:
                value = payload["other_per_hour"]
                fake.set_other_rate_limit(None if value is None else int(value))
        except (TypeError, ValueError) as exc:
            return bad_control_request(str(exc))
        return JSONResponse(
            {
                "contacts_per_second": fake.contacts_rate_limit.limit,
                "other_per_hour": fake.other_rate_limit.limit,
            }
        )

    return [
        Route("/_sandbox/stats", stats, methods=["GET"]),
        Route("/_sandbox/contacts", contacts, methods=["GET"]),
        Route("/_sandbox/rate_limit", rate_limit, methods=["POST"]),
    ]
