"""company.upsert / deal.upsert: create once, remember Brevo's id, update in place afterwards.

Brevo keeps no external id on companies and deals, so the write ledger keeps "op key -> Brevo
id" (its brevo_id column). An id is recorded the moment Brevo hands it out, in its own
transaction, so a task that stops halfway never creates the same company twice. Every call sits
in the 100-per-hour bucket: known companies are updated with one CSV import when there are many.
"""

from __future__ import annotations

from functools import partial
from typing import cast

from connectors.brevo import crm
from connectors.core.errors import VendorValidationError
from tasks import limits, ops_ledger
from tasks.ops_batch import Item, OpsBatch, refusals
from tasks.runtime import transaction

#: Known companies updated at once past which one import replaces one PATCH each.
IMPORT_FROM = 10


def write(batch: OpsBatch) -> None:
    kind = cast(crm.Kind, batch.kind.removesuffix(".upsert"))
    records: list[tuple[Item, crm.Record]] = []
    for item in batch.items:
        try:
            records.append((item, crm.record_of(item.body)))
        except ValueError as exc:
            batch.refuse(refusals([item], "invalid_parameter", str(exc)))
    with transaction() as session:
        ids = ops_ledger.brevo_ids(
            session, batch.connector, batch.resource, batch.kind, [i.key for i, _ in records]
        )
    known = [(item, record, ids[item.key]) for item, record in records if item.key in ids]
    new = [(item, record) for item, record in records if item.key not in ids]
    if kind == "company" and len(known) >= IMPORT_FROM:
        _import(batch, known)
    else:
        for item, record, brevo_id in known:
            _update(batch, kind, item, record, brevo_id)
    for item, record in new:
        _create(batch, kind, item, record)


def _create(batch: OpsBatch, kind: crm.Kind, item: Item, record: crm.Record) -> None:
    bucket = limits.brevo_other_bucket(batch.settings)
    try:
        brevo_id = batch.meter(bucket, partial(crm.create, batch.api, kind, record))
    except VendorValidationError as exc:
        batch.refuse(refusals([item], exc.code or "invalid_parameter", exc.detail))
        return
    batch.accept([item], {item.key: brevo_id})


def _update(batch: OpsBatch, kind: crm.Kind, item: Item, record: crm.Record, brevo_id: str) -> None:
    bucket = limits.brevo_other_bucket(batch.settings)
    try:
        found = batch.meter(bucket, partial(crm.update, batch.api, kind, brevo_id, record))
    except VendorValidationError as exc:
        batch.refuse(refusals([item], exc.code or "invalid_parameter", exc.detail))
        return
    if found:
        batch.accept([item], {item.key: brevo_id})
    else:
        _create(batch, kind, item, record)  # deleted in Brevo since: it comes back


def _import(batch: OpsBatch, known: list[tuple[Item, crm.Record, str]]) -> None:
    bucket = limits.brevo_other_bucket(batch.settings)
    rows = [(brevo_id, record) for _, record, brevo_id in known]
    members = [item for item, _, _ in known]
    try:
        batch.meter(bucket, partial(crm.import_companies, batch.api, rows))
    except VendorValidationError as exc:
        batch.refuse(refusals(members, exc.code or "invalid_parameter", exc.detail))
        return
    batch.accept(members, {item.key: brevo_id for item, _, brevo_id in known})
