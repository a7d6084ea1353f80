"""The Shopify fake's ASGI app: the GraphQL Admin endpoint, bulk result files, `/_sandbox/*`.

`POST /admin/api/{version}/graphql.json`, authenticated by `X-Shopify-Access-Token`.
https://shopify.dev/docs/api/admin-graphql#endpoints
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from sandbox.common.control import bad_control_request, control_routes, read_json_object
from sandbox.common.failures import MALFORMED, SLOW
from sandbox.shopify.fake import ShopifyFake
from sandbox.shopify.graphql_api import run_graphql
from sandbox.shopify.resolvers import RequestContext
from sandbox.shopify.store import RESOURCES

logger = logging.getLogger(__name__)

GRAPHQL_ROUTE = "POST /admin/api/{version}/graphql.json"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
FORBIDDEN = "[API] This action requires merchant approval for read_customers scope."
SERVER_ERRORS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def create_shopify_app(fake: ShopifyFake) -> Starlette:
    async def graphql(request: Request) -> Response:
        try:
            response = await _graphql(fake, request)
        except Exception:
            logger.exception("shopify sandbox failed on a GraphQL request")
            response = JSONResponse({"errors": SERVER_ERRORS[500]}, status_code=500)
        fake.log.record(request.method, request.url.path, GRAPHQL_ROUTE, response.status_code)
        return response

    async def bulk_result(request: Request) -> Response:
        operation = fake.bulk.get(int(request.path_params["number"]))
        if operation is None or operation.status() != "COMPLETED":
            return Response("NoSuchKey", status_code=404, media_type="text/plain")
        size = operation.file_size
        header = request.headers.get("range")
        if header is None:
            return StreamingResponse(
                operation.stream(),
                media_type="application/jsonl",
                headers={"Content-Length": str(size), "Accept-Ranges": "bytes"},
            )
        match = RANGE.fullmatch(header.strip())
        if match is None or (not match[1] and not match[2]):
            return _unsatisfiable(size)
        if match[1]:
            start = int(match[1])
            stop = min(size, int(match[2]) + 1) if match[2] else size
        else:  # suffix range: the last N bytes
            start, stop = max(0, size - int(match[2])), size
        if start >= size or start >= stop:
            return _unsatisfiable(size)
        return StreamingResponse(
            operation.stream(start, stop),
            status_code=206,
            media_type="application/jsonl",
            headers={
                "Content-Length": str(stop - start),
                "Content-Range": f"bytes {start}-{stop - 1}/{size}",
                "Accept-Ranges": "bytes",
            },
        )

    async def not_found(_: Request) -> Response:
        return JSONResponse({"errors": "Not Found"}, status_code=404)

    return Starlette(
        routes=[
            *control_routes(fake.failures),
            *_sandbox_routes(fake),
            Route("/admin/api/{version}/graphql.json", graphql, methods=["POST"]),
            Route("/_bulk_results/{number:int}.jsonl", bulk_result, methods=["GET"]),
            Route("/{path:path}", not_found, methods=["GET", "POST", "PUT", "DELETE"]),
        ]
    )


def _unsatisfiable(size: int) -> Response:
    return Response(status_code=416, headers={"Content-Range": f"bytes */{size}"})


async def _graphql(fake: ShopifyFake, request: Request) -> Response:
    failure = fake.failures.next_failure(request.url.path)
    if failure is not None and failure.mode == SLOW:
        await asyncio.sleep(failure.delay_seconds)
        failure = None
    token = request.headers.get("x-shopify-access-token")
    if (failure is not None and failure.status == 401) or not fake.accepts(token):
        return JSONResponse({"errors": INVALID_TOKEN}, status_code=401)
    assert token is not None
    if failure is not None and failure.status == 403:
        return JSONResponse({"errors": FORBIDDEN}, status_code=403)
    if failure is not None and failure.status in SERVER_ERRORS:
        return JSONResponse({"errors": SERVER_ERRORS[failure.status]}, status_code=failure.status)
    try:
        payload = json.loads(await request.body())
        if not isinstance(payload, dict):
            raise ValueError("not an object")
    except ValueError:
        return JSONResponse({"errors": "Invalid JSON in request body"}, status_code=400)
    context = RequestContext(
        fake=fake,
        base_url=str(request.base_url),
        malformed_share=failure.record_fraction if failure and failure.mode == MALFORMED else 0.0,
    )
    # A 429 rule is Shopify's throttle as its GraphQL endpoint answers it: HTTP 200, THROTTLED.
    force_throttle = failure is not None and failure.status == 429
    body = await run_in_threadpool(run_graphql, fake, token, payload, context, force_throttle)
    return JSONResponse(body)


def _sandbox_routes(fake: ShopifyFake) -> list[Route]:
    async def state(_: Request) -> Response:
        return JSONResponse(fake.state())

    async def bucket(request: Request) -> Response:
        """`{"size": 1000, "restore_rate": 50}`"""
        try:
            payload = await read_json_object(request)
            fake.set_bucket(float(payload["size"]), float(payload["restore_rate"]))
        except (KeyError, TypeError, ValueError) as exc:
            return bad_control_request(f"expected size and restore_rate: {exc}")
        return JSONResponse(fake.state()["bucket"])

    async def malformed(request: Request) -> Response:
        """`{"share": 0.1}` of every resource's records come back broken; 0 for off."""
        try:
            payload = await read_json_object(request)
            fake.set_malformed(float(payload["share"]))
        except (KeyError, TypeError, ValueError) as exc:
            return bad_control_request(str(exc))
        return JSONResponse({"share": payload["share"]})

    async def touch(request: Request) -> Response:
        """`{"resource": "customers", "ids": [1, 2]}` -> their new shared updatedAt."""
        try:
            payload = await read_json_object(request)
            resource = str(payload["resource"])
            if resource not in RESOURCES:
                raise ValueError(f"resource must be one of {RESOURCES}")
            ids = sorted({int(i) for i in payload["ids"]})
        except (KeyError, TypeError, ValueError) as exc:
            return bad_control_request(str(exc))
        return JSONResponse({"ids": ids, "updated_at": fake.touch(resource, ids)})

    async def deliver(request: Request) -> Response:
        """`{"topic": "customers/update", "id": 3}` -> what was POSTed where."""
        try:
            payload = await read_json_object(request)
            sent = await run_in_threadpool(fake.deliver, str(payload["topic"]), int(payload["id"]))
        except (KeyError, TypeError, ValueError) as exc:
            return bad_control_request(str(exc))
        deliveries: list[dict[str, Any]] = [
            {"url": d.url, "status": d.status, "error": d.error} for d in sent
        ]
        return JSONResponse({"deliveries": deliveries})

    return [
        Route("/_sandbox/state", state, methods=["GET"]),
        Route("/_sandbox/bucket", bucket, methods=["POST"]),
        Route("/_sandbox/malformed", malformed, methods=["POST"]),
        Route("/_sandbox/touch", touch, methods=["POST"]),
        Route("/_sandbox/deliver", deliver, methods=["POST"]),
    ]
