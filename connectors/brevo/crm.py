"""Brevo CRM companies and deals: create, update in place, and update many in one CSV import.

Brevo keeps no external id on these, so whoever calls keeps "our id -> Brevo's id" and sends
a create only for what Brevo has never seen. Every call here sits in Brevo's 100-per-hour
bucket on general plans, which is why known companies are updated in bulk through
`POST /v3/companies/import` (a CSV whose `company_id` column names the company to update).
https://developers.brevo.com/reference/post_companies  ·  .../patch_companies-id
https://developers.brevo.com/reference/import-companies  ·  .../post_crm-deals
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from connectors.brevo.api import BrevoApi
from connectors.brevo.client import VENDOR
from connectors.core.errors import VendorUnavailableError

Kind = Literal["company", "deal"]
PATHS: dict[Kind, str] = {"company": "/companies", "deal": "/crm/deals"}
#: Import options: update the rows naming a company_id, create the others, never blank out an
#: attribute because a cell is empty, and leave links to contacts and deals alone.
IMPORT_MAPPING = {
    "link_entities": False,
    "unlink_entities": False,
    "update_existing_records": True,
    "unset_empty_attributes": False,
}


@dataclass(frozen=True)
class Record:
    """What a company.upsert / deal.upsert body holds, checked."""

    ext_id: str
    name: str
    attributes: dict[str, Any] = field(default_factory=dict)


def record_of(body: dict[str, Any]) -> Record:
    """The body of a company.upsert / deal.upsert; ValueError naming the field if malformed."""
    ext_id, name, attributes = body.get("ext_id"), body.get("name"), body.get("attributes", {})
    if not isinstance(ext_id, str) or not ext_id:
        raise ValueError("ext_id must be a non-empty string")
    if not isinstance(name, str) or not name.strip():
        raise ValueError("name must be a non-empty string")
    if not isinstance(attributes, dict):
        raise ValueError("attributes must be an object")
    return Record(ext_id, name, dict(attributes))


def create(api: BrevoApi, kind: Kind, record: Record) -> str:
    """Create the company or deal; Brevo's id of it."""
    operation = f"create_{kind}"
    body = api.call("POST", PATHS[kind], operation, body=_payload(record))
    created = body.get("id") if isinstance(body, dict) else None
    if not isinstance(created, str) or not created:
        raise VendorUnavailableError(VENDOR, operation, "no id in the answer")
    return created


def update(api: BrevoApi, kind: Kind, brevo_id: str, record: Record) -> bool:
    """Update in place; False when Brevo no longer has it (deleted there: create it again)."""
    operation = f"update_{kind}"
    path = f"{PATHS[kind]}/{quote(brevo_id, safe='')}"
    response = api.send("PATCH", path, operation, body=_payload(record))
    if response.status_code == 404:
        return False
    api.result(response, operation)
    return True


def import_companies(api: BrevoApi, rows: Sequence[tuple[str, Record]]) -> int:
    """Update known companies, given as (Brevo id, record), in one import; its processId."""
    if not rows:
        raise ValueError("an import needs at least one row")
    response = api.send(
        "POST",
        "/companies/import",
        "import_companies",
        files={"file": ("companies.csv", companies_csv(rows), "text/csv")},
        form={"mapping": json.dumps(IMPORT_MAPPING)},
    )
    body = api.result(response, "import_companies")
    process_id = body.get("processId") if isinstance(body, dict) else None
    if not isinstance(process_id, int):
        raise VendorUnavailableError(VENDOR, "import_companies", "no processId in the answer")
    return process_id


def companies_csv(rows: Sequence[tuple[str, Record]]) -> bytes:
    """The import file: `company_id`, `name`, then every attribute any row has (sorted)."""
    columns = sorted({key for _, record in rows for key in record.attributes} - {"name"})
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["company_id", "name", *columns])
    for brevo_id, record in rows:
        writer.writerow(
            [brevo_id, record.name, *(_cell(record.attributes.get(c)) for c in columns)]
        )
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    # An empty cell leaves the attribute as it is (unset_empty_attributes is false).
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _payload(record: Record) -> dict[str, Any]:
    return {"name": record.name, "attributes": record.attributes}
