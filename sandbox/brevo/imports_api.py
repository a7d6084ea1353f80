"""Handlers of POST /v3/contacts/import and GET /v3/processes[/{processId}]."""

from __future__ import annotations

import csv
import io
from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.brevo.errors import brevo_error
from sandbox.brevo.imports import ContactImport, ImportOptions
from sandbox.brevo.routing import BrevoCall, BrevoRoute


def rows_from_csv(file_body: str) -> list[dict[str, Any]]:
    """`fileBody` rows: semicolon-separated, a header of attribute names, EMAIL for the email."""
    reader = csv.DictReader(io.StringIO(file_body), delimiter=";")
    rows = []
    for record in reader:
        attributes = {
            name.strip().upper(): value
            for name, value in record.items()
            if name and name.strip().upper() != "EMAIL"
        }
        email = next((v for k, v in record.items() if k and k.strip().upper() == "EMAIL"), None)
        rows.append({"email": email, "attributes": attributes})
    return rows


def import_contacts(call: BrevoCall) -> Response:
    body = call.json_object()
    if body.get("fileUrl"):
        message = "fileUrl imports are not supported by the sandbox; send jsonBody or fileBody"
        call.fake.record_off_spec("POST", "/v3/contacts/import", message)
        return brevo_error(400, "invalid_parameter", message)
    if body.get("jsonBody") is not None:
        rows: list[dict[str, Any]] = list(body["jsonBody"])
    elif body.get("fileBody") is not None:
        rows = rows_from_csv(body["fileBody"])
    else:
        return brevo_error(400, "missing_parameter", "fileUrl, fileBody or jsonBody is required")
    list_ids = {int(i) for i in body.get("listIds") or []}
    new_list = body.get("newList") or {}
    if not list_ids and not new_list.get("listName"):
        return brevo_error(400, "missing_parameter", "listIds or newList is required")
    missing = call.fake.lists.missing(list_ids)
    if missing:
        return brevo_error(400, "invalid_parameter", f"List ID does not exist: {missing}")
    if new_list.get("listName"):
        list_ids.add(call.fake.lists.create(new_list["listName"], new_list.get("folderId")).id)
    update_existing = bool(body.get("updateExistingContacts", True))
    options = ImportOptions(
        list_ids=frozenset(list_ids),
        update_existing=update_existing,
        # Only honoured when existing contacts are updated at all (per the spec).
        empty_values_erase=update_existing and bool(body.get("emptyContactsAttributes", False)),
        email_blacklist=bool(body.get("emailBlacklist", False)),
        sms_blacklist=bool(body.get("smsBlacklist", False)),
    )
    job = ContactImport(
        rows=rows,
        options=options,
        store=call.fake.contacts,
        attributes=call.fake.attributes,
        forced=call.fake.forced_import_failures,
        report_origin=call.origin,
        notify_url=body.get("notifyUrl") or None,
    )
    process = call.fake.processes.submit(job)
    return JSONResponse({"processId": process.id}, status_code=202)


def get_process(call: BrevoCall) -> Response:
    process = call.fake.processes.get(int(call.path_params["processId"]))
    if process is None:
        return brevo_error(404, "invalid_parameter", "processId is invalid")
    return JSONResponse(process.as_json())


def list_processes(call: BrevoCall) -> Response:
    processes = sorted(
        call.fake.processes.all(), key=lambda p: p.id, reverse=call.query.get("sort") != "asc"
    )
    offset, limit = call.query_int("offset", 0), call.query_int("limit", 10)
    return JSONResponse(
        {
            "processes": [p.as_json() for p in processes[offset : offset + limit]],
            "count": len(processes),
        }
    )


ROUTES = (
    BrevoRoute.of("POST", "/v3/contacts/import", import_contacts),
    BrevoRoute.of("GET", "/v3/processes", list_processes),
    BrevoRoute.of("GET", "/v3/processes/{processId}", get_process),
)
