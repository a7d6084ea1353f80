"""The Pipedrive fake's ASGI app: v2 persons, organizations, deals, activities, stages and
pipelines; v1 leads and fields; webhooks; the OAuth token endpoint; `/_sandbox/*`."""

from __future__ import annotations

import random

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.common.control import bad_control_request, control_routes, read_json_object
from sandbox.pipedrive.changes_api import change_routes
from sandbox.pipedrive.crm_api import crm_routes, person_counts
from sandbox.pipedrive.errors import pipedrive_error
from sandbox.pipedrive.fake import Page, PipedriveFake
from sandbox.pipedrive.gate import CallContext, Handler, guarded
from sandbox.pipedrive.malformed import corrupt_some
from sandbox.pipedrive.oauth_api import oauth_routes
from sandbox.pipedrive.query import BadQuery, parse_page_request
from sandbox.pipedrive.webhooks_api import webhook_routes

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


def create_pipedrive_app(fake: PipedriveFake) -> Starlette:
    # One generator per app: which records get corrupted is reproducible for a given run.
    corruption_rng = random.Random(fake.seed)

    def page_response(page: Page, context: CallContext) -> Response:
        corrupt_some(page.records, context.malformed_share, corruption_rng)
        return JSONResponse(
            {
                "success": True,
                "data": page.records,
                "additional_data": {"next_cursor": page.next_cursor},
            }
        )

    async def list_persons(request: Request, context: CallContext) -> Response:
        try:
            page_request = parse_page_request(request.query_params)
        except BadQuery as exc:
            return pipedrive_error(400, str(exc))
        page = fake.persons_page(page_request)
        person_counts(fake, request, page.records)
        return page_response(page, context)

    async def list_organizations(request: Request, context: CallContext) -> Response:
        try:
            page_request = parse_page_request(request.query_params)
        except BadQuery as exc:
            return pipedrive_error(400, str(exc))
        return page_response(fake.organizations_page(page_request), context)

    async def get_person(request: Request, context: CallContext) -> Response:
        try:
            record = fake.person(int(request.path_params["id"]))
        except KeyError:
            return pipedrive_error(404, "Person not found")
        person_counts(fake, request, [record])
        corrupt_some([record], context.malformed_share, corruption_rng)
        return JSONResponse({"success": True, "data": record, "additional_data": None})

    async def unknown_route(_: Request, __: CallContext) -> Response:
        return pipedrive_error(404, "Unknown method .")

    def api(path: str, handler: Handler, methods: list[str] | None = None) -> Route:
        return Route(path, guarded(fake, path, handler), methods=methods or ["GET"])

    return Starlette(
        routes=[
            *control_routes(fake.failures),
            *change_routes(fake),
            *_sandbox_routes(fake),
            *webhook_routes(fake),
            *oauth_routes(fake),
            *crm_routes(fake, corruption_rng),
            api("/api/v2/persons", list_persons),
            api("/api/v2/persons/{id:int}", get_person),
            api("/api/v2/organizations", list_organizations),
            Route("/{path:path}", guarded(fake, "(unknown)", unknown_route), methods=ALL_METHODS),
        ]
    )


def _sandbox_routes(fake: PipedriveFake) -> list[Route]:
    async def state(_: Request) -> Response:
        return JSONResponse(fake.state())

    async def touch(request: Request) -> Response:
        """`{"ids": [1, 2]}` or `{"fraction": 0.1, "seed": 3}` -> the touched ids and time."""
        try:
            payload = await read_json_object(request)
            if "ids" in payload:
                ids = sorted({int(i) for i in payload["ids"]})
            else:
                ids = fake.pick_fraction(float(payload["fraction"]), int(payload.get("seed", 0)))
            update_time = fake.touch(ids)
        except (KeyError, TypeError, ValueError) as exc:
            return bad_control_request(f"expected ids or fraction: {exc}")
        return JSONResponse({"ids": ids, "update_time": update_time})

    async def rate_limit(request: Request) -> Response:
        """`{"burst": 20}` per 2 s per token, or `{"burst": null}` to switch it off."""
        try:
            payload = await read_json_object(request)
            burst = payload.get("burst")
            fake.set_rate_limit(None if burst is None else int(burst))
        except (TypeError, ValueError) as exc:
            return bad_control_request(str(exc))
        return JSONResponse({"burst": fake.rate_limit.limit})

    async def token_budget(request: Request) -> Response:
        """`{"daily_tokens": 1000, "day_seconds": 60}`, or `{"daily_tokens": null}` for off."""
        try:
            payload = await read_json_object(request)
            tokens = payload.get("daily_tokens")
            fake.set_token_budget(
                None if tokens is None else int(tokens),
                float(payload.get("day_seconds", 86_400.0)),
            )
        except (TypeError, ValueError) as exc:
            return bad_control_request(str(exc))
        return JSONResponse(fake.state()["token_budget"])

    return [
        Route("/_sandbox/state", state, methods=["GET"]),
        Route("/_sandbox/token_budget", token_budget, methods=["POST"]),
        Route("/_sandbox/touch", touch, methods=["POST"]),
        Route("/_sandbox/rate_limit", rate_limit, methods=["POST"]),
    ]
