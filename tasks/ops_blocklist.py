"""contact.blocklist: one `PUT /v3/contacts/{identifier}` per contact (contacts bucket, 10/s)."""

from __future__ import annotations

from functools import partial

from connectors.brevo import suppressions
from tasks import limits
from tasks.ops_batch import OpsBatch, refusals


def write(batch: OpsBatch) -> None:
    bucket = limits.brevo_contacts_bucket(batch.settings)
    for item in batch.items:
        try:
            blocklisting = suppressions.blocklisting_of(item.body)
        except ValueError as exc:
            batch.refuse(refusals([item], "invalid_parameter", str(exc)))
            continue
        if batch.meter(bucket, partial(suppressions.blocklist, batch.api, blocklisting)):
            batch.accept([item])
        else:
            message = (
                f"Brevo has no contact with {blocklisting.identifier_type} "
                f"{blocklisting.identifier}"
            )
            batch.refuse(refusals([item], "document_not_found", message))
