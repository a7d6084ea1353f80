"""`/_sandbox/<resource>/touch`, `/_sandbox/<resource>/delete`, `/_sandbox/persons/merge`: the
fake's python change methods over HTTP, for processes that cannot reach the fake's object."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.common.control import bad_control_request, read_json_object
from sandbox.pipedrive.fake import RESOURCES, PipedriveFake, RecordId


def _ids(resource: str, raw: object) -> list[RecordId]:
    if not isinstance(raw, list):
        raise TypeError("ids must be a list")
    return [str(i) if resource == "leads" else int(i) for i in raw]


def change_routes(fake: PipedriveFake) -> list[Route]:
    async def touch(request: Request) -> Response:
        """`{"ids": [...]}` or `{"fraction": 0.1, "seed": 3}` -> the touched ids and time."""
        resource = request.path_params["resource"]
        if resource not in RESOURCES:
            return bad_control_request(f"unknown resource {resource!r}")
        try:
            payload = await read_json_object(request)
            if "ids" in payload:
                ids = _ids(resource, payload["ids"])
                update_time = fake.touch_records(resource, ids)
            else:
                ids = fake.touch_share(
                    resource, float(payload["fraction"]), int(payload.get("seed", 0))
                )
                update_time = None
        except (KeyError, TypeError, ValueError) as exc:
            return bad_control_request(f"expected ids or fraction: {exc}")
        return JSONResponse({"ids": ids, "update_time": update_time})

    async def delete(request: Request) -> Response:
        resource = request.path_params["resource"]
        if resource not in RESOURCES:
            return bad_control_request(f"unknown resource {resource!r}")
        try:
            payload = await read_json_object(request)
            deleted = fake.delete_records(resource, _ids(resource, payload["ids"]))
        except (KeyError, TypeError, ValueError) as exc:
            return bad_control_request(f"expected ids: {exc}")
        return JSONResponse({"deleted": deleted})

    async def merge(request: Request) -> Response:
        try:
            payload = await read_json_object(request)
            update_time = fake.merge_persons(int(payload["merged_id"]), int(payload["into_id"]))
        except (KeyError, TypeError, ValueError) as exc:
            return bad_control_request(f"expected merged_id and into_id of two persons: {exc}")
        return JSONResponse({"update_time": update_time})

    return [
        Route("/_sandbox/persons/merge", merge, methods=["POST"]),
        Route("/_sandbox/{resource}/touch", touch, methods=["POST"]),
        Route("/_sandbox/{resource}/delete", delete, methods=["POST"]),
    ]
