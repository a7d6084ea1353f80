"""`POST /companies/import`: a CSV of companies, created or updated in the background.

The first row names the attributes; `company_id` (a Brevo company id) marks a row that updates
that company when `mapping.update_existing_records` is on, every other row creates one
(https://developers.brevo.com/reference/import-companies). `associated_contact` and
`associated_deal` link contact ids and deal ids (`,`- or `|`-separated in the cell; the format
is not documented). Rows that cannot be applied are counted, not reported: Brevo documents no
report for this process.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from sandbox.brevo.crm import CrmStore

COMPANY_IMPORT_PROCESS_NAME = "IMPORT_COMPANIES"
_SPLIT = re.compile(r"[|,]")


class CompanyImportError(ValueError):
    """A CSV or mapping the fake cannot read (answered 400)."""


def read_company_rows(raw_csv: bytes) -> list[dict[str, str]]:
    """The CSV's rows as {column: value}; the delimiter (`,` or `;`) is detected."""
    try:
        text = raw_csv.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CompanyImportError("The file must be UTF-8 CSV") from exc
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise CompanyImportError("The file is empty: the first row must name the attributes")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]


@dataclass
class CompanyImport:
    rows: list[dict[str, str]]
    store: CrmStore
    update_existing: bool = True
    unset_empty: bool = False
    name: str = COMPANY_IMPORT_PROCESS_NAME
    notify_url: str | None = None
    created: int = 0
    updated: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)

    def run(self, process_id: int) -> dict[str, Any] | None:
        for number, row in enumerate(self.rows, start=2):  # row 1 is the header
            problem = self._apply(row)
            if problem is not None:
                self.failed.append((number, problem))
        self.rows = []
        return None

    def _apply(self, row: dict[str, str]) -> str | None:
        links = {
            "linkedContactsIds": _ids(row.get("associated_contact"), as_int=True),
            "linkedDealsIds": _ids(row.get("associated_deal"), as_int=False),
        }
        attributes: dict[str, Any] = {
            key: value
            for key, value in row.items()
            if key
            and key not in {"company_id", "associated_contact", "associated_deal", "name"}
            and (value != "" or self.unset_empty)
        }
        company_id = row.get("company_id")
        if company_id and self.update_existing:
            updated = self.store.update(
                company_id, row.get("name") or None, attributes, _present(links)
            )
            if updated is None:
                return f"company_id {company_id} does not exist"
            self.updated += 1
            return None
        if not row.get("name"):
            return "name is required to create a company"
        self.store.create(row["name"], attributes, links)
        self.created += 1
        return None


def _ids(cell: str | None, *, as_int: bool) -> list[Any] | None:
    if not cell:
        return None
    parts = [part.strip() for part in _SPLIT.split(cell) if part.strip()]
    return [int(p) for p in parts if p.isdigit()] if as_int else parts


def _present(links: dict[str, list[Any] | None]) -> dict[str, Any]:
    return {name: ids for name, ids in links.items() if ids is not None}
