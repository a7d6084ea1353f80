"""Handlers of /v3/companies (and /companies/import) and /v3/crm/deals.

Answers follow the spec: creating a company is 200 `{"id"}`, updating it 200 with the company;
creating a deal is 201 `{"id"}`, updating it 204; unknown ids are 404 `document_not_found`.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse, Response

from sandbox.brevo.crm import CrmStore
from sandbox.brevo.crm_import import CompanyImport, CompanyImportError, read_company_rows
from sandbox.brevo.errors import brevo_error, document_not_found
from sandbox.brevo.routing import BrevoCall, BrevoRoute


def _links(body: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """Link lists present in the body, under the store's names (`{body key: link name}`)."""
    return {link: body[key] for key, link in names.items() if body.get(key) is not None}


_COMPANY_LINKS = {"linkedContactsIds": "linkedContactsIds", "linkedDealsIds": "linkedDealsIds"}
# The spec spells the deal update's contacts `linkedContactIds`, its creation's
# `linkedContactsIds`; both are read.
_DEAL_LINKS = {
    "linkedContactsIds": "linkedContactsIds",
    "linkedContactIds": "linkedContactsIds",
    "linkedCompaniesIds": "linkedCompaniesIds",
}


def _page(call: BrevoCall, records: list[dict[str, Any]], first: str) -> list[dict[str, Any]]:
    ordered = records if call.query.get("sort") == "asc" else list(reversed(records))
    limit = call.query_int("limit", 50)
    start = call.query_int(first, 0)
    if first == "page":
        start = max(start - 1, 0) * limit
    return ordered[start : start + limit]


def create_company(call: BrevoCall) -> Response:
    body = call.json_object()
    record = call.fake.companies.create(
        body["name"], dict(body.get("attributes") or {}), _links(body, _COMPANY_LINKS)
    )
    return JSONResponse({"id": record.id}, status_code=200)


def update_company(call: BrevoCall) -> Response:
    body = call.json_object()
    record = call.fake.companies.update(
        call.path_params["id"],
        body.get("name"),
        dict(body.get("attributes") or {}),
        _links(body, _COMPANY_LINKS),
    )
    if record is None:
        return document_not_found()
    return JSONResponse(record.as_json())


def _get(store: CrmStore, record_id: str) -> Response:
    record = store.get(record_id)
    return document_not_found() if record is None else JSONResponse(record)


def get_company(call: BrevoCall) -> Response:
    return _get(call.fake.companies, call.path_params["id"])


def list_companies(call: BrevoCall) -> Response:
    return JSONResponse({"items": _page(call, call.fake.companies.all(), "page")})


def import_companies(call: BrevoCall) -> Response:
    form = call.form or {}
    raw_file = form.get("file")
    if not isinstance(raw_file, bytes | str) or not raw_file:
        return brevo_error(400, "invalid_parameter", "file is required: a CSV of companies")
    try:
        rows = read_company_rows(raw_file if isinstance(raw_file, bytes) else raw_file.encode())
        raw_mapping = form.get("mapping") or "{}"
        mapping = json.loads(raw_mapping)
        if not isinstance(mapping, dict):
            raise CompanyImportError("mapping must be a JSON object")
    except (CompanyImportError, ValueError) as exc:
        return brevo_error(400, "invalid_parameter", str(exc))
    job = CompanyImport(
        rows=rows,
        store=call.fake.companies,
        update_existing=bool(mapping.get("update_existing_records", True)),
        unset_empty=bool(mapping.get("unset_empty_attributes", False)),
    )
    process = call.fake.processes.submit(job)
    return JSONResponse({"processId": process.id})


def create_deal(call: BrevoCall) -> Response:
    body = call.json_object()
    record = call.fake.deals.create(
        body["name"], dict(body.get("attributes") or {}), _links(body, _DEAL_LINKS)
    )
    return JSONResponse({"id": record.id}, status_code=201)


def update_deal(call: BrevoCall) -> Response:
    body = call.json_object()
    record = call.fake.deals.update(
        call.path_params["id"],
        body.get("name"),
        dict(body.get("attributes") or {}),
        _links(body, _DEAL_LINKS),
    )
    return document_not_found() if record is None else Response(status_code=204)


def get_deal(call: BrevoCall) -> Response:
    return _get(call.fake.deals, call.path_params["id"])


def list_deals(call: BrevoCall) -> Response:
    return JSONResponse({"items": _page(call, call.fake.deals.all(), "offset")})


ROUTES = (
    BrevoRoute.of("POST", "/v3/companies/import", import_companies),
    BrevoRoute.of("GET", "/v3/companies", list_companies),
    BrevoRoute.of("POST", "/v3/companies", create_company),
    BrevoRoute.of("GET", "/v3/companies/{id}", get_company),
    BrevoRoute.of("PATCH", "/v3/companies/{id}", update_company),
    BrevoRoute.of("GET", "/v3/crm/deals", list_deals),
    BrevoRoute.of("POST", "/v3/crm/deals", create_deal),
    BrevoRoute.of("GET", "/v3/crm/deals/{id}", get_deal),
    BrevoRoute.of("PATCH", "/v3/crm/deals/{id}", update_deal),
)
