"""The fake's routes beyond persons: v2 deals, activities, organizations by id, stages and
pipelines (cursor paging), v1 leads (offset paging) and v1 deal/organization/person fields.

Filters are Pipedrive's: deals by `person_id`, `org_id`, `stage_id`, `pipeline_id` and `status`
(open, won, lost; the fake keeps nothing of deleted deals, so `deleted` matches none), activities
by `person_id`, `deal_id`, `org_id` and `done`, persons with `include_fields` deal counts.
https://developers.pipedrive.com/docs/api/v1/Deals#getDeals (v2), .../Activities, .../Leads
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.pipedrive.errors import pipedrive_error
from sandbox.pipedrive.fake import Page, PipedriveFake
from sandbox.pipedrive.gate import CallContext, Handler, guarded
from sandbox.pipedrive.keyset import PageRequest
from sandbox.pipedrive.malformed import corrupt_some
from sandbox.pipedrive.query import (
    BadQuery,
    decode_cursor,
    encode_cursor,
    parse_limit,
    parse_offset_request,
    parse_page_request,
)

#: v2 `include_fields` values the fake fills in on persons.
PERSON_COUNT_FIELDS = frozenset(
    {"open_deals_count", "won_deals_count", "lost_deals_count", "closed_deals_count"}
)
DEAL_STATUSES = frozenset({"open", "won", "lost", "deleted"})
Where = Callable[[int], bool]


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise BadQuery(f"Validation failed: {name}: must be an integer") from exc


def _all_of(conditions: list[Where]) -> Where | None:
    if not conditions:
        return None
    return lambda record_id: all(condition(record_id) for condition in conditions)


def _field_is(read: Callable[[int], dict[str, Any]], field: str, wanted: object) -> Where:
    return lambda record_id: read(record_id).get(field) == wanted


def deal_request(fake: PipedriveFake, request: Request) -> PageRequest:
    page_request = parse_page_request(request.query_params)
    conditions: list[Where] = []
    person_id = _int_param(request, "person_id")
    if person_id is not None:
        page_request = replace(page_request, ids=fake.deal_ids_of_person(person_id))
    for name in ("org_id", "stage_id", "pipeline_id"):
        value = _int_param(request, name)
        if value is not None:
            conditions.append(_field_is(fake.deal, name, value))
    raw_status = request.query_params.get("status")
    if raw_status:
        statuses = {part.strip() for part in raw_status.split(",") if part.strip()}
        if not statuses <= DEAL_STATUSES:
            raise BadQuery("Validation failed: status: must be open, won, lost or deleted")
        conditions.append(lambda deal_id: fake.deal(deal_id)["status"] in statuses)
    return replace(page_request, where=_all_of(conditions))


def activity_request(fake: PipedriveFake, request: Request) -> PageRequest:
    page_request = parse_page_request(request.query_params)
    conditions: list[Where] = []
    for name in ("person_id", "deal_id", "org_id"):
        value = _int_param(request, name)
        if value is not None:
            conditions.append(_field_is(fake.activity, name, value))
    done = request.query_params.get("done")
    if done:
        if done not in ("true", "false", "1", "0"):
            raise BadQuery("Validation failed: done: must be a boolean")
        conditions.append(_field_is(fake.activity, "done", done in ("true", "1")))
    return replace(page_request, where=_all_of(conditions))


def person_counts(fake: PipedriveFake, request: Request, records: list[dict[str, Any]]) -> None:
    wanted = {
        f.strip() for f in (request.query_params.get("include_fields") or "").split(",") if f
    } & PERSON_COUNT_FIELDS
    for record in records if wanted else []:
        counts = fake.person_deal_counts(record["id"])
        record.update({name: counts[name] for name in sorted(wanted)})


def crm_routes(fake: PipedriveFake, rng: random.Random) -> list[Route]:
    def api(path: str, handler: Handler) -> Route:
        return Route(path, guarded(fake, path, handler), methods=["GET"])

    def v2_page(resource: str, page: Page, context: CallContext) -> Response:
        corrupt_some(page.records, context.malformed_share, rng, resource)
        return JSONResponse(
            {
                "success": True,
                "data": page.records,
                "additional_data": {"next_cursor": page.next_cursor},
            }
        )

    def v2_list(resource: str, build: Callable[[Request], PageRequest]) -> Handler:
        async def handler(request: Request, context: CallContext) -> Response:
            try:
                page_request = build(request)
            except BadQuery as exc:
                return pipedrive_error(400, str(exc))
            return v2_page(resource, fake.page(resource, page_request), context)

        return handler

    def v2_get(resource: str, noun: str) -> Handler:
        async def handler(request: Request, context: CallContext) -> Response:
            try:
                record = fake.record(resource, int(request.path_params["id"]))
            except KeyError:
                return pipedrive_error(404, f"{noun} not found")
            corrupt_some([record], context.malformed_share, rng, resource)
            return JSONResponse({"success": True, "data": record, "additional_data": None})

        return handler

    def small_list(read: Callable[[Request], list[dict[str, Any]]]) -> Handler:
        """Stages and pipelines: a handful of records, cursor-paged by id like every v2 list."""

        async def handler(request: Request, _: CallContext) -> Response:
            try:
                limit = parse_limit(request.query_params)
                cursor = request.query_params.get("cursor")
                after = decode_cursor(cursor, "id", False)[0] if cursor else 0
                records = read(request)
            except BadQuery as exc:
                return pipedrive_error(400, str(exc))
            remaining = [r for r in records if r["id"] > after]
            window = remaining[:limit]
            more = len(remaining) > limit
            next_cursor = encode_cursor("id", False, (window[-1]["id"],)) if more else None
            return JSONResponse(
                {"success": True, "data": window, "additional_data": {"next_cursor": next_cursor}}
            )

        return handler

    def stages(request: Request) -> list[dict[str, Any]]:
        return fake.stages(_int_param(request, "pipeline_id"))

    async def list_leads(request: Request, context: CallContext) -> Response:
        try:
            offset_request, archived = parse_offset_request(request.query_params)
        except BadQuery as exc:
            return pipedrive_error(400, str(exc))
        if archived != "all":
            wanted = archived == "archived"
            offset_request = replace(
                offset_request, where=lambda i: fake.lead(i)["is_archived"] is wanted
            )
        records, more = fake.leads_page(offset_request)
        corrupt_some(records, context.malformed_share, rng, "leads")
        pagination: dict[str, Any] = {
            "start": offset_request.start,
            "limit": offset_request.limit,
            "more_items_in_collection": more,
        }
        if more:
            pagination["next_start"] = offset_request.start + offset_request.limit
        return JSONResponse(
            {"success": True, "data": records, "additional_data": {"pagination": pagination}}
        )

    async def get_lead(request: Request, context: CallContext) -> Response:
        try:
            record = fake.lead(str(request.path_params["id"]))
        except KeyError:
            return pipedrive_error(404, "Lead not found")
        corrupt_some([record], context.malformed_share, rng, "leads")
        return JSONResponse({"success": True, "data": record, "additional_data": None})

    def v1_fields(read: Callable[[], list[dict[str, Any]]]) -> Handler:
        # v1 offset paging: https://pipedrive.readme.io/docs/core-api-concepts-pagination
        async def handler(request: Request, _: CallContext) -> Response:
            try:
                limit = parse_limit(request.query_params)
                start = int(request.query_params.get("start") or 0)
            except (BadQuery, ValueError) as exc:
                return pipedrive_error(400, str(exc))
            fields = read()
            more = start + limit < len(fields)
            pagination: dict[str, Any] = {
                "start": start,
                "limit": limit,
                "more_items_in_collection": more,
            }
            if more:
                pagination["next_start"] = start + limit
            return JSONResponse(
                {
                    "success": True,
                    "data": fields[start : start + limit],
                    "additional_data": {"pagination": pagination},
                }
            )

        return handler

    fields_routes = [
        api(f"{prefix}/{name}", v1_fields(read))
        for prefix in ("/v1", "/api/v1")
        for name, read in (
            ("personFields", fake.person_fields),
            ("dealFields", fake.deal_fields),
            ("organizationFields", fake.organization_fields),
        )
    ]
    return [
        api("/api/v2/deals", v2_list("deals", lambda r: deal_request(fake, r))),
        api("/api/v2/deals/{id:int}", v2_get("deals", "Deal")),
        api("/api/v2/activities", v2_list("activities", lambda r: activity_request(fake, r))),
        api("/api/v2/activities/{id:int}", v2_get("activities", "Activity")),
        api("/api/v2/organizations/{id:int}", v2_get("organizations", "Organization")),
        api("/api/v2/stages", small_list(stages)),
        api("/api/v2/pipelines", small_list(lambda _: fake.pipelines())),
        api("/v1/leads", list_leads),
        api("/api/v1/leads", list_leads),
        api("/v1/leads/{id}", get_lead),
        api("/api/v1/leads/{id}", get_lead),
        *fields_routes,
    ]
