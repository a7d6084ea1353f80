"""`brevo.write_ops`: every Brevo write other than a contact upsert, one task per writer and page.

A page's operations are split by kind (list adds and removes share one writer), so each task
spends one Brevo bucket (events, contacts, or the 100-per-hour one) and a throttled kind defers
only itself. Items are
`{"operation": <BrevoOperation JSON>, "content_hash", "mapping_version"}`, as `tasks.pages`
builds them; an operation the ledger says Brevo already holds unchanged is skipped and counted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from celery import shared_task

from connectors.brevo.api import BrevoApi
from connectors.brevo.settings import BrevoSettings
from deadletter.reasons import DeadLetterReason
from mapping.operations import OPERATION_KINDS, BrevoOperation, OperationKind
from tasks import clients, jobs, ops_blocklist, ops_crm, ops_events, ops_ledger, ops_lists
from tasks.ops_batch import Item, OpsBatch, Refusal
from tasks.ops_records import write_objects, write_orders, write_products
from tasks.policy import PolicyTask, describe, error_category
from tasks.runtime import config, transaction

#: The job task key of a page's writes of one kind.
OPS_KEY = "o:{page}:{kind}"

#: Writers by ledger target (see `ops_ledger.target_of`: list adds and removes share one).
WRITERS: dict[str, Callable[[OpsBatch], None]] = {
    "event.track": ops_events.write,
    ops_ledger.MEMBERSHIP: ops_lists.write,
    "contact.blocklist": ops_blocklist.write,
    "company.upsert": ops_crm.write,
    "deal.upsert": ops_crm.write,
    "object.upsert": write_objects,
    "order.upsert": write_orders,
    "product.upsert": write_products,
}
assert {ops_ledger.target_of(op) for op in OPERATION_KINDS} == set(WRITERS), "a kind lacks a writer"

#: What a task that stops trying dead-letters its unsent operations as, by error category.
GIVE_UP_REASONS = {
    "auth": DeadLetterReason.AUTH,
    "forbidden": DeadLetterReason.FORBIDDEN,
    "validation": DeadLetterReason.BREVO_REJECTED,
}


def api(settings: BrevoSettings) -> BrevoApi:
    """The process's client for this account (one connection pool per worker process)."""
    return clients._cached("brevo_ops", settings, lambda: BrevoApi(settings))


def enqueue(
    job_id: int, connector: str, resource: str, page_no: int, items: Sequence[dict[str, Any]]
) -> list[str]:
    """Send a page's operations to their writers, one task per kind; the job waits for each."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_kind.setdefault(ops_ledger.target_of(str(item["operation"]["op"])), []).append(item)
    keys = {kind: OPS_KEY.format(page=page_no, kind=kind) for kind in by_kind}
    if not keys:
        return []
    with transaction() as session:
        jobs.expect_tasks(session, job_id, [(key, "write") for key in keys.values()])
    for kind, kind_items in by_kind.items():
        write_ops.apply_async(
            kwargs={
                "kind": kind,
                "items": kind_items,
                "job_id": job_id,
                "connector": connector,
                "resource": resource,
                "key": keys[kind],
            }
        )
    return list(keys.values())


def _gave_up(exc: BaseException, kwargs: Mapping[str, Any]) -> None:
    """The task stops trying: what it had not written yet becomes dead letters (nothing is
    lost; replays send them again), and an account-wide failure also fails the job."""
    batch = _batch(kwargs, sending=False)
    if batch is None:
        return
    category = error_category(exc)
    reason = GIVE_UP_REASONS.get(category, DeadLetterReason.RETRIES_EXHAUSTED)
    code = getattr(exc, "code", None) or category
    batch.refuse([Refusal(item, code, describe(exc)) for item in batch.items], reason.value)
    with transaction() as session:
        if batch.job_id is not None:
            if category in ("auth", "forbidden", "internal", "config"):
                jobs.fail(session, batch.job_id, category, describe(exc))
            if batch.task_key is not None:
                jobs.task_done(session, batch.job_id, batch.task_key)


@shared_task(name="brevo.write_ops", base=PolicyTask, bind=True, give_up=staticmethod(_gave_up))
def write_ops(
    self: PolicyTask,
    *,
    kind: str,
    items: list[dict[str, Any]],
    connector: str,
    resource: str,
    job_id: int | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    if kind not in WRITERS:
        raise ValueError(f"kind: {kind!r} is not one of {', '.join(sorted(WRITERS))}")
    arguments = {"kind": kind, "items": items, "connector": connector, "resource": resource}
    batch = _batch({**arguments, "job_id": job_id, "key": key}, sending=True)
    if batch is None:
        raise ValueError("connector and resource must be strings")
    WRITERS[kind](batch)
    if job_id is not None and key is not None:
        with transaction() as session:
            jobs.task_done(session, job_id, key)
    return batch.summary()


def _batch(kwargs: Mapping[str, Any], *, sending: bool) -> OpsBatch | None:
    """The task's operations still to write: malformed ones are dead-lettered (when `sending`;
    the give-up hook leaves them, parked already), those Brevo holds unchanged are skipped and
    counted, and of one key twice the last one is kept."""
    kind, connector, resource = kwargs.get("kind"), kwargs.get("connector"), kwargs.get("resource")
    if kind not in WRITERS or not isinstance(connector, str) or not isinstance(resource, str):
        return None
    settings = config().brevo
    batch = OpsBatch(
        kind=kind,
        connector=connector,
        resource=resource,
        job_id=kwargs.get("job_id"),
        task_key=kwargs.get("key"),
        items=[],
        settings=settings,
        client=api(settings) if sending else None,
    )
    latest: dict[str, Item] = {}
    for position, raw in enumerate(kwargs.get("items") or []):
        item = _item(raw, kind, position)
        if isinstance(item, Item):
            latest.pop(item.key, None)
            latest[item.key] = item
        elif sending:
            batch.refuse([item], DeadLetterReason.UNSUPPORTED_RECORD.value)
    with transaction() as session:
        held = ops_ledger.known_hashes(session, connector, resource, kind, list(latest))
        batch.items = [i for i in latest.values() if held.get(i.key) != i.content_hash]
        batch.unchanged = len(latest) - len(batch.items)
        if sending and batch.job_id is not None and batch.task_key is not None:
            # A deferral re-runs the task from its first item: what an earlier attempt already
            # dead-lettered is not sent (nor looked up) again, so a batch with many refusals
            # still gets through the contacts bucket.
            keys = {item.key: batch.park_key(item) or "" for item in batch.items}
            parked = jobs.registered(session, batch.job_id, list(keys.values()))
            batch.items = [item for item in batch.items if keys[item.key] not in parked]
    return batch


def _item(raw: Any, kind: str, position: int) -> Item | Refusal:
    """One item of the task's arguments, or why it cannot be one (naming the field)."""
    fields = raw if isinstance(raw, Mapping) else {}
    operation, content_hash = fields.get("operation"), fields.get("content_hash")
    try:
        parsed = BrevoOperation.from_json(operation if isinstance(operation, Mapping) else {})
    except ValueError as exc:
        return _malformed(raw, kind, position, f"items[{position}].operation: {exc}")
    if ops_ledger.target_of(parsed.op) != kind:
        message = f"items[{position}].operation.op {parsed.op!r} does not belong in {kind}"
        return _malformed(raw, kind, position, message)
    if not isinstance(content_hash, str) or not content_hash:
        return _malformed(raw, kind, position, f"items[{position}].content_hash must be a string")
    version = fields.get("mapping_version")
    return Item(parsed, content_hash, version if isinstance(version, str) else None)


def _malformed(raw: Any, kind: str, position: int, message: str) -> Refusal:
    """A refusal that keeps the item exactly as it came (the dead letter's payload)."""
    operation = raw.get("operation") if isinstance(raw, Mapping) else None
    source_id = operation.get("source_id") if isinstance(operation, Mapping) else None
    # The membership writer's items are list adds or removes: the placeholder says one of them.
    op = kind if kind in OPERATION_KINDS else "list.add"
    placeholder = BrevoOperation(
        cast(OperationKind, op),
        f"malformed:{position}",
        source_id if isinstance(source_id, str) else "unknown",
        {"malformed_item": raw},
    )
    return Refusal(Item(placeholder, ""), "invalid_operation", message)
