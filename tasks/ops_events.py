"""event.track: events in batches of 200 (512 KB), one by one where batches are not served."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from connectors.brevo import events
from connectors.brevo.batches import chunk_items
from connectors.core.errors import VendorValidationError
from tasks import limits
from tasks.ops_batch import Item, OpsBatch, Refusal, refusals


def write(batch: OpsBatch) -> None:
    bucket = limits.brevo_events_bucket(batch.settings)
    items = _well_formed(batch)
    bodies = [item.body for item in items]
    one_by_one = False
    for chunk in chunk_items(
        bodies, max_items=events.EVENTS_PER_BATCH, max_bytes=events.EVENTS_BATCH_MAX_BYTES
    ):
        members = [items[i] for i in chunk.indices]
        if chunk.oversize:
            batch.refuse(refusals(members, "payload_too_large", "the event is over 512 KB"))
            continue
        if not one_by_one:
            try:
                answer = batch.meter(
                    bucket, partial(events.post_batch, batch.api, _bodies(members))
                )
            except events.BatchUnavailable:
                one_by_one = True  # and for the rest of this task
            except VendorValidationError as exc:
                if len(members) == 1:  # the refusal can only be this event's
                    batch.refuse(refusals(members, exc.code or "invalid_parameter", exc.detail))
                    continue
                # A refusal naming no event: send them one by one to learn which.
            else:
                batch.accept([members[i] for i in answer.accepted])
                batch.refuse(
                    [Refusal(members[r.index], r.code, r.message) for r in answer.rejected]
                )
                continue
        _one_by_one(batch, members)


def _one_by_one(batch: OpsBatch, members: Sequence[Item]) -> None:
    bucket = limits.brevo_events_bucket(batch.settings)
    for item in members:
        refused = batch.meter(bucket, partial(events.post_one, batch.api, item.body))
        if refused is None:
            batch.accept([item])
        else:
            batch.refuse([Refusal(item, refused.code, refused.message)])


def _bodies(items: Sequence[Item]) -> list[dict[str, object]]:
    return [item.body for item in items]


def _well_formed(batch: OpsBatch) -> list[Item]:
    """Items whose body has what POST /v3/events requires; the others are refused unsent."""
    good: list[Item] = []
    for item in batch.items:
        body = item.body
        name, identifiers = body.get("event_name"), body.get("identifiers")
        if not isinstance(name, str) or not name:
            batch.refuse(refusals([item], "invalid_parameter", "event_name must be a string"))
        elif not isinstance(identifiers, dict) or not identifiers:
            batch.refuse(refusals([item], "invalid_parameter", "identifiers must name the contact"))
        else:
            good.append(item)
    return good
