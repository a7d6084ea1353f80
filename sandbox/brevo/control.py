"""The Brevo fake's own `/_sandbox/*` harness routes, for tests and demos in other processes.

Never counted, validated or rate limited: they are the test harness, not Brevo. The import
report CSVs that `GET /processes/{id}` points to are served here too, as Brevo serves them from
outside the API (no api-key, no rate limit).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from sandbox.brevo.fake import BrevoFake
from sandbox.common.control import bad_control_request, read_json_object


def _optional_int(payload: dict[str, Any], key: str) -> int | None:
    value = payload[key]
    return None if value is None else int(value)


def sandbox_routes(fake: BrevoFake) -> list[Route]:
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

    async def events(_: Request) -> Response:
        return JSONResponse({"events": fake.events.all()})

    async def rate_limit(request: Request) -> Response:
        """`{"plan": "general"}`, `{"contacts_per_second": 5, "events_per_second": 5,
        "other_per_hour": 100}` or `{"buckets": {"events": {"per_second": 2, "per_hour": null}}}`;
        null switches a budget off, a missing key leaves it as it is."""
        try:
            payload = await read_json_object(request)
            if "plan" in payload:
                fake.apply_plan(str(payload["plan"]))
            if "contacts_per_second" in payload:
                fake.set_contacts_rate_limit(_optional_int(payload, "contacts_per_second"))
            if "events_per_second" in payload:
                fake.set_events_rate_limit(_optional_int(payload, "events_per_second"))
            if "other_per_hour" in payload:
                fake.set_other_rate_limit(_optional_int(payload, "other_per_hour"))
            for name, limits in (payload.get("buckets") or {}).items():
                fake.set_bucket_limits(
                    name,
                    per_second=_optional_int(limits, "per_second"),
                    per_hour=_optional_int(limits, "per_hour"),
                )
        except (KeyError, TypeError, ValueError) as exc:
            return bad_control_request(f"bad rate limit: {exc}")
        return JSONResponse(
            {
                "contacts_per_second": fake.buckets["contacts"].limits.per_second,
                "other_per_hour": fake.buckets["other"].limits.per_hour,
                "buckets": fake.rate_limits(),
            }
        )

    async def storm(request: Request) -> Response:
        """POST `{"seconds": 3, "path_prefix": null}` starts a 429 storm; DELETE ends it."""
        if request.method == "DELETE":
            fake.end_storm()
            return JSONResponse({"storm": None})
        try:
            payload = await read_json_object(request)
            fake.storm_429(float(payload["seconds"]), path_prefix=payload.get("path_prefix"))
        except (KeyError, TypeError, ValueError) as exc:
            return bad_control_request(f"bad storm: {exc}")
        return JSONResponse({"storm": {"seconds": float(payload["seconds"])}})

    async def import_failures(request: Request) -> Response:
        """POST `{"emails": [...], "ext_ids": [...], "kind": "duplicate_email_id"}`;
        DELETE clears."""
        if request.method == "DELETE":
            fake.clear_import_failures()
        else:
            try:
                payload = await read_json_object(request)
                fake.fail_import_rows(
                    emails=[str(e) for e in payload.get("emails") or []],
                    ext_ids=[str(x) for x in payload.get("ext_ids") or []],
                    kind=str(payload.get("kind", "invalid_emails")),
                )
            except (TypeError, ValueError) as exc:
                return bad_control_request(str(exc))
        return JSONResponse(fake.forced_import_failures.as_json())

    async def import_timing(request: Request) -> Response:
        """`{"delay_seconds": 0.1, "processing_seconds": 2}` for processes accepted from now."""
        try:
            payload = await read_json_object(request)
            fake.set_import_timing(
                float(payload["delay_seconds"]), float(payload["processing_seconds"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            return bad_control_request(f"bad timing: {exc}")
        return JSONResponse(dict(vars(fake.processes.timing)))

    async def object_types(request: Request) -> Response:
        """`{"type": "vehicle", "attributes": ["model", "year"]}` (attributes optional)."""
        try:
            payload = await read_json_object(request)
            attributes = payload.get("attributes")
            fake.define_object_type(
                str(payload["type"]), None if attributes is None else [str(a) for a in attributes]
            )
        except (KeyError, TypeError, ValueError) as exc:
            return bad_control_request(f"bad object type: {exc}")
        return JSONResponse({"type": payload["type"]})

    async def import_report(request: Request) -> Response:
        outcome = fake.import_outcome(int(request.path_params["process_id"]))
        report = None if outcome is None else outcome.report_csv(request.path_params["kind"])
        if report is None:
            return PlainTextResponse("no such report", status_code=404)
        return PlainTextResponse(report, media_type="text/csv")

    return [
        Route("/_sandbox/stats", stats, methods=["GET"]),
        Route("/_sandbox/contacts", contacts, methods=["GET"]),
        Route("/_sandbox/events", events, methods=["GET"]),
        Route("/_sandbox/rate_limit", rate_limit, methods=["POST"]),
        Route("/_sandbox/storm", storm, methods=["POST", "DELETE"]),
        Route("/_sandbox/import_failures", import_failures, methods=["POST", "DELETE"]),
        Route("/_sandbox/import_timing", import_timing, methods=["POST"]),
        Route("/_sandbox/object_types", object_types, methods=["POST"]),
        Route(
            "/_sandbox/import-reports/{process_id:int}/{kind}.csv", import_report, methods=["GET"]
        ),
    ]
