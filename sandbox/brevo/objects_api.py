"""Handler of POST /v3/objects/{objectType}/batch/upsert (202 + processId, applied later).

The spec file lacks the route: its body is checked against brevo-python's types
(`sdk_bodies`), plus the documented 1 MB body limit. An object type the account does not have
is refused at once ("invalid object type").
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from sandbox.brevo.errors import brevo_error
from sandbox.brevo.objects import ObjectUpsert
from sandbox.brevo.routing import BrevoCall, BrevoRoute
from sandbox.brevo.sdk_bodies import object_upsert_problem

#: "Max request body size: 1 MB" (brevo-python 5.x, upsertrecords).
OBJECT_UPSERT_MAX_BYTES = 1024 * 1024


def upsert_object_records(call: BrevoCall) -> Response:
    object_type = call.path_params["objectType"]
    if not call.fake.objects.exists(object_type):
        return brevo_error(400, "invalid_parameter", "invalid object type")
    job = ObjectUpsert(object_type, list(call.json_object()["records"]), call.fake.objects)
    process = call.fake.processes.submit(job)
    return JSONResponse(
        {"message": "Batch request accepted", "processId": process.id}, status_code=202
    )


ROUTES = (
    BrevoRoute.of(
        "POST",
        "/v3/objects/{objectType}/batch/upsert",
        upsert_object_records,
        body_check=object_upsert_problem,
        max_body_bytes=OBJECT_UPSERT_MAX_BYTES,
    ),
)
