"""One object a webhook named, through the same read -> map -> write path as a batch page.

Every streamed (connector, resource) is read by its client's `get_record` (the clients announce
each request to the process's request gate, so the shared limiter meters it), mapped by the
stream's own mapper (`map_operations`, as `tasks.pages` does), and written like a page's writes:
its contact upsert through the single-contact path (`contact_path.write_if_changed`), every other
operation to its writer (`brevo.write_ops`, one task per kind, outside any job). Both ask the
write ledger first, so a record Brevo already holds unchanged sends nothing and enqueues nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.brevo.client import ContactConflict
from connectors.config import TajoConfig
from connectors.core.errors import VendorValidationError
from connectors.pipedrive.client import PipedriveClient
from connectors.pipedrive.settings import PipedriveSettings
from connectors.shopify.client import ShopifyClient
from connectors.shopify.settings import ShopifySettings
from deadletter.reasons import DeadLetterReason
from deadletter.redact import redact
from mapping.contact import ContactMapper
from mapping.errors import MappingError, Reason
from mapping.hashing import content_hash
from mapping.operations import BrevoOperation, ContactUpsert, Operation
from tasks import (
    brevo_contacts,
    brevo_ops,
    clients,
    contact_path,
    ledger,
    ops_ledger,
    sources,
    streams,
)
from tasks.parking import park
from tasks.policy import describe
from tasks.runtime import transaction


class RefetchRefused(Exception):
    """Bad arguments, or a (connector, resource) without a stream: nothing was changed."""


def is_gone(record: Any) -> bool:
    """A record the vendor still returns but marks deleted (Pipedrive v1 `active_flag`, v2
    `is_deleted`) counts as gone."""
    if not isinstance(record, Mapping):
        return False
    return record.get("is_deleted") is True or record.get("active_flag") is False


def read(cfg: TajoConfig, connector: str, resource: str, object_id: str) -> Any | None:
    """The record as the vendor has it now, None when it has no such object (deleted, merged
    away, purged). Persons whose mapping aggregates their deals get them attached, as a page's
    persons do (`tasks.sources`)."""
    if (connector, resource) not in streams.SUPPORTED:
        raise RefetchRefused(f"{connector} has no stream for {resource!r}: nothing to refetch")
    mapper = streams.resolve(cfg, connector, resource).mapper
    settings = sources.enabled(cfg, connector)
    client: PipedriveClient | ShopifyClient
    if isinstance(settings, PipedriveSettings):
        client = clients.pipedrive(settings)
    else:
        assert isinstance(settings, ShopifySettings)
        client = clients.shopify(settings)
    try:
        record = client.get_record(resource, object_id)
    except ValueError as exc:
        raise RefetchRefused(f"{connector} {resource}: {exc}") from None
    if record is None or is_gone(record):
        return None
    wants_deals = isinstance(mapper, ContactMapper) and "deals" in mapper.related
    if isinstance(client, PipedriveClient) and wants_deals:
        [record] = client.attach_deals([record])
    return record


def map_operations(cfg: TajoConfig, connector: str, resource: str, record: Any) -> Mapped:
    """Everything the record becomes under the current mapping; MappingError when it cannot be
    written at all (a transform that raises is `transform_failed`, as on a page)."""
    mapper = streams.resolve(cfg, connector, resource).mapper
    try:
        operations: Sequence[Operation] = mapper.map_operations(record)
    except MappingError:
        raise
    except Exception as exc:
        raise MappingError(Reason.TRANSFORM_FAILED, f"mapping raised {type(exc).__name__}") from exc
    return Mapped(list(operations), mapper.version)


@dataclass(frozen=True)
class Mapped:
    operations: list[Operation]
    version: str


@dataclass
class Written:
    """What `write` did: the contact's outcome (None when the record maps to no contact), and
    how many other operations went to their writers or were already held unchanged."""

    contact: str | None = None
    enqueued: dict[str, int] = field(default_factory=dict)
    unchanged: int = 0
    dead_lettered: str | None = None

    @property
    def status(self) -> str:
        """`dead_lettered`, `partial` (see `contact_path.ContactWrite`), `written` (the contact
        was), `enqueued` (only other operations changed) or `unchanged`."""
        if self.dead_lettered is not None:
            return "dead_lettered"
        if self.contact in ("written", "partial"):
            return self.contact
        return "enqueued" if self.enqueued else "unchanged"

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"status": self.status, "operations": dict(self.enqueued)}
        if self.dead_lettered is not None:
            found["reason"] = self.dead_lettered
        return found


def dead_letter(
    connector: str,
    resource: str,
    object_id: str,
    reason: str,
    message: str,
    payload: Mapping[str, Any],
    **extra: Any,
) -> None:
    park.apply_async(
        kwargs={
            "connector": connector,
            "resource": resource,
            "source_id": object_id,
            "job_id": None,
            "reason": reason,
            "message": message,
            "payload": dict(payload),
            **extra,
        }
    )


def map_and_write(
    cfg: TajoConfig, connector: str, resource: str, object_id: str, record: Any
) -> Written:
    """Map the record and write what changed; a record that cannot be mapped, or whose contact
    Brevo refuses, becomes a dead letter (the reason is in the result)."""
    try:
        mapped = map_operations(cfg, connector, resource, record)
    except MappingError as exc:
        redacted = redact(record)
        payload = redacted if isinstance(redacted, Mapping) else {"record": redacted}
        dead_letter(connector, resource, object_id, exc.reason.value, exc.message, payload)
        return Written(dead_lettered=exc.reason.value)
    written = Written()
    contacts = [op for op in mapped.operations if isinstance(op, ContactUpsert)]
    others = [op for op in mapped.operations if isinstance(op, BrevoOperation)]
    for contact in contacts:
        refused = _write_contact(cfg, connector, resource, object_id, contact, mapped, written)
        if refused:
            # Its list and blocklist operations would only find no contact: the dead letter's
            # replay writes the whole record again.
            return written
    _enqueue_others(connector, resource, others, mapped.version, written)
    return written


def _write_contact(
    cfg: TajoConfig,
    connector: str,
    resource: str,
    object_id: str,
    contact: ContactUpsert,
    mapped: Mapped,
    written: Written,
) -> bool:
    """Upsert the contact unless the ledger holds it; True when Brevo refused it."""
    operation = dict(contact.to_json())
    try:
        outcome = contact_path.write_if_changed(cfg, connector, resource, operation, mapped.version)
    except VendorValidationError as exc:
        conflict = isinstance(exc, ContactConflict)
        reason = DeadLetterReason.BREVO_CONFLICT if conflict else DeadLetterReason.BREVO_REJECTED
        dead_letter(
            connector, resource, object_id, reason.value, describe(exc), operation,
            mapping_version=mapped.version, vendor_code=exc.code,
        )  # fmt: skip
        written.dead_lettered = reason.value
        return True
    if outcome.status == "partial" and outcome.single is not None:
        dead_letter(
            connector, resource, object_id, DeadLetterReason.BREVO_CONFLICT.value,
            brevo_contacts.conflict_note(outcome.single), operation,
            mapping_version=mapped.version,
        )  # fmt: skip
    if outcome.ledger_entry is not None:
        with transaction() as session:
            ledger.remember(session, [outcome.ledger_entry])
    written.contact = outcome.status
    return False


def _enqueue_others(
    connector: str,
    resource: str,
    operations: Sequence[BrevoOperation],
    version: str,
    written: Written,
) -> None:
    """Each changed operation to its writer, one `brevo.write_ops` per kind, outside any job."""
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for operation in operations:
        data = operation.to_json()
        item = {"operation": data, "content_hash": content_hash(data), "mapping_version": version}
        by_kind.setdefault(ops_ledger.target_of(operation.op), []).append(item)
    for kind, items in by_kind.items():
        keys = [str(item["operation"]["key"]) for item in items]
        with transaction() as session:
            held = ops_ledger.known_hashes(session, connector, resource, kind, keys)
        changed = [
            item
            for item, key in zip(items, keys, strict=True)
            if held.get(key) != item["content_hash"]
        ]
        written.unchanged += len(items) - len(changed)
        if changed:
            enqueue_writes(connector, resource, kind, changed)
            written.enqueued[kind] = len(changed)


def enqueue_writes(connector: str, resource: str, kind: str, items: list[dict[str, Any]]) -> None:
    brevo_ops.write_ops.apply_async(
        kwargs={"kind": kind, "items": items, "connector": connector, "resource": resource}
    )
