"""`/_sandbox/*` routes both fakes share: health and failure switches (never counted, never
validated, never rate limited: they are the test harness, not the vendor)."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.common.failures import FailureRuleError, FailureSwitch


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request's JSON object body ({} when empty); ValueError when it is not an object."""
    raw = await request.body()
    if not raw.strip():
        return {}
    payload = json.loads(raw)
    if not isinstance(payload, dict):
        raise ValueError("expected a JSON object")
    return payload


def bad_control_request(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


def control_routes(failures: FailureSwitch) -> list[Route]:
    async def health(_: Request) -> Response:
        return JSONResponse({"ok": True})

    async def failure_rules(request: Request) -> Response:
        if request.method == "DELETE":
            failures.clear()
        elif request.method == "POST":
            try:
                payload = await read_json_object(request)
                if payload.get("clear"):
                    failures.clear()
                else:
                    failures.set_from_json(payload)
            except (ValueError, FailureRuleError) as exc:
                return bad_control_request(str(exc))
        return JSONResponse({"failures": failures.active()})

    return [
        Route("/_sandbox/health", health, methods=["GET"]),
        Route("/_sandbox/failures", failure_rules, methods=["GET", "POST", "DELETE"]),
    ]
