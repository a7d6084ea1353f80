"""The Brevo fake's ASGI app: every /v3 request passes one pipeline before its handler.

failure switch -> api-key -> route -> 429 storm -> rate-limit bucket -> body size -> validation
(Brevo's OpenAPI spec, or brevo-python's types for routes the spec lacks) -> handler. Whatever
Brevo would refuse as malformed is answered like Brevo (`400 invalid_parameter`,
`404 not_found`) and recorded in `BrevoFake.off_spec`, so a test can fail on any request our
code should never have sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.brevo import (
    contacts_api,
    crm_api,
    events_api,
    imports_api,
    lists_api,
    objects_api,
    orders_api,
    products_api,
)
from sandbox.brevo.control import sandbox_routes
from sandbox.brevo.errors import (
    brevo_error,
    server_failure,
    too_many_requests,
    unauthorized,
)
from sandbox.brevo.fake import BrevoFake
from sandbox.brevo.limits import bucket_of
from sandbox.brevo.multipart import MultipartError, parse_multipart
from sandbox.brevo.routing import BrevoCall, BrevoRoute, RouteMatch, match_route
from sandbox.brevo.spec import SpecViolation, spec_violation
from sandbox.brevo.timeline import TimedRequest, arrival
from sandbox.common.control import control_routes
from sandbox.common.failures import SLOW
from sandbox.common.ratelimit import WindowVerdict

logger = logging.getLogger(__name__)

# Literal segments before templates: /contacts/import and /contacts/lists before
# /contacts/{identifier}.
ROUTES: tuple[BrevoRoute, ...] = (
    *imports_api.ROUTES,
    *lists_api.ROUTES,
    *contacts_api.ROUTES,
    *events_api.ROUTES,
    *crm_api.ROUTES,
    *objects_api.ROUTES,
    *orders_api.ROUTES,
    *products_api.ROUTES,
)
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
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
        at, monotonic = arrival()
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
        fake.timeline.record(
            TimedRequest(request.method, path, route, response.status_code, at, monotonic)
        )
        return response

    return Starlette(
        routes=[
            *control_routes(fake.failures),
            *sandbox_routes(fake),
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
    bucket = fake.buckets[bucket_of(path)]
    key = api_key or ""
    storm_ends = fake.storm_ends(path)
    if storm_ends is not None:
        return too_many_requests(rate_limit_headers(bucket.storm_verdict(storm_ends))), matched
    if failure is not None and failure.status == 429:
        return too_many_requests(rate_limit_headers(bucket.exhausted(key))), matched
    verdict = bucket.take(key)
    headers = rate_limit_headers(verdict)
    if verdict is not None and not verdict.allowed:
        return too_many_requests(headers), matched
    if failure is not None and failure.status is not None:
        return server_failure(failure.status, headers), matched
    response = await _handle(fake, request, matched, raw_body)
    response.headers.update(headers)
    return response, matched


async def _handle(
    fake: BrevoFake, request: Request, matched: RouteMatch, raw_body: bytes
) -> Response:
    """Refuse an off-spec request (recording it), or run the route's handler."""
    method, path = request.method, request.url.path
    content_type = request.headers.get("content-type") or ""
    body: Any = None
    form: dict[str, str | bytes] | None = None
    try:
        refused = await _refusal(fake, request, matched.route, raw_body)
        if refused is None and content_type.startswith("multipart/form-data"):
            form = parse_multipart(raw_body, content_type)
        elif refused is None:
            body = await _parse_json(raw_body)
            if matched.route.body_check is not None:
                refused = matched.route.body_check(body)
    except (ValueError, MultipartError) as exc:  # json.JSONDecodeError is a ValueError
        refused = f"Request body is not valid: {exc}"
    if refused is not None:
        fake.record_off_spec(method, path, refused)
        return brevo_error(400, "invalid_parameter", refused)
    origin = f"{request.url.scheme}://{request.url.netloc}"
    call = BrevoCall(fake, matched.path_params, request.query_params, body, origin, form)
    return matched.route.handler(call)


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


async def _refusal(
    fake: BrevoFake, request: Request, route: BrevoRoute, raw_body: bytes
) -> str | None:
    """Why Brevo would refuse this request's size or (spec-described) shape, or None."""
    if request.url.path == IMPORT_PATH and len(raw_body) > fake.import_max_bytes:
        return (
            f"Request body is {len(raw_body)} bytes; the sandbox accepts at most "
            f"{fake.import_max_bytes} bytes for /contacts/import (Brevo: 10 MB hard limit, "
            "about 8 MB recommended). Split the import."
        )
    if route.max_body_bytes is not None and len(raw_body) > route.max_body_bytes:
        return (
            f"Request body is {len(raw_body)} bytes; {route.template} accepts at most "
            f"{route.max_body_bytes} bytes. Split the request."
        )
    if route.body_check is not None:
        return None  # the spec lacks this route: its own check runs on the parsed body
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
