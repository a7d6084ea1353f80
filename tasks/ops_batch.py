"""One task's worth of Brevo operations of one kind, and what every writer does with them.

A writer sends its items request by request; after each request what Brevo took is recorded in
the write ledger and what it refused is dead-lettered, at once and in their own transaction. So
a task deferred by a 429 halfway, or redelivered after a crash, sends again only what Brevo has
not taken yet (at-least-once: a crash between a request and its record can resend that one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from connectors.brevo.api import BrevoApi
from connectors.brevo.settings import BrevoSettings
from mapping.operations import BrevoOperation
from tasks import jobs, limits, ops_ledger
from tasks.parking import park
from tasks.runtime import Bucket, transaction

Result = TypeVar("Result")

VENDOR = "brevo"
#: The reason a dead letter carries when Brevo (or our check of what Brevo would take) refuses.
REJECTED = "brevo_rejected"


@dataclass(frozen=True)
class Item:
    """One mapped operation on its way to Brevo."""

    operation: BrevoOperation
    content_hash: str
    mapping_version: str | None = None

    @property
    def key(self) -> str:
        return self.operation.key

    @property
    def body(self) -> dict[str, Any]:
        return dict(self.operation.body)


@dataclass(frozen=True)
class Refusal:
    item: Item
    code: str
    message: str


@dataclass
class OpsBatch:
    kind: str
    connector: str
    resource: str
    job_id: int | None
    #: the job task this batch answers for (None when called outside a job)
    task_key: str | None
    items: list[Item]
    settings: BrevoSettings
    #: None where nothing is sent (the give-up hook only dead-letters)
    client: BrevoApi | None
    sent: int = 0
    refused: int = 0
    requests: int = 0
    unchanged: int = 0
    _recorded: set[str] = field(default_factory=set)

    # -- calls -----------------------------------------------------------------------------------

    @property
    def api(self) -> BrevoApi:
        if self.client is None:
            raise RuntimeError("this batch only dead-letters: it has no Brevo client")
        return self.client

    def meter(self, bucket: Bucket, call: Callable[[], Result]) -> Result:
        """One Brevo request through the shared limiter, which then learns its headers."""

        def counted() -> Result:
            self.requests += 1
            return call()

        result = limits.metered(VENDOR, self.settings.api_key, bucket, counted)
        limits.observe(VENDOR, self.settings.api_key, bucket, self.api.last_rate_limit())
        return result

    # -- outcomes --------------------------------------------------------------------------------

    def accept(self, items: Sequence[Item], brevo_ids: Mapping[str, str] | None = None) -> None:
        """Brevo took these: the ledger remembers them (and the Brevo id of each, if any)."""
        fresh = [item for item in items if item.key not in self._recorded]
        if not fresh:
            return
        ids = brevo_ids or {}
        accepted = [
            ops_ledger.Accepted(
                item.key, item.content_hash, item.mapping_version, ids.get(item.key)
            )
            for item in fresh
        ]
        with transaction() as session:
            ops_ledger.remember(session, self.connector, self.resource, self.kind, accepted)
        self._recorded.update(item.key for item in fresh)
        self.sent += len(fresh)

    def refuse(self, refusals: Sequence[Refusal], reason: str = REJECTED) -> None:
        """Brevo refused these: one dead letter each, with Brevo's code and message."""
        fresh = [r for r in refusals if r.item.key not in self._recorded]
        if not fresh:
            return
        keys = [self.park_key(r.item) for r in fresh]
        if self.job_id is not None and self.task_key is not None:
            # Registered before they are sent, so the job waits for them to be stored.
            with transaction() as session:
                jobs.expect_tasks(session, self.job_id, [(k, "park") for k in keys if k])
        for refusal, key in zip(fresh, keys, strict=True):
            park.apply_async(kwargs=self.dead_letter(refusal, reason, key))
        self._recorded.update(r.item.key for r in fresh)
        self.refused += len(fresh)

    def park_key(self, item: Item) -> str | None:
        if self.task_key is None:
            return None
        digest = hashlib.sha256(item.key.encode("utf-8")).hexdigest()[:20]
        return f"{self.task_key}:d:{digest}"

    def dead_letter(self, refusal: Refusal, reason: str, key: str | None) -> dict[str, Any]:
        item = refusal.item
        return {
            "connector": self.connector,
            "resource": self.resource,
            "source_id": item.operation.source_id,
            "job_id": self.job_id,
            "reason": reason,
            "message": f"{self.kind} {item.key}: {refusal.message}",
            # The operation itself, so a replay can send it again as it was mapped.
            "payload": dict(item.operation.to_json()),
            "key": key,
            "mapping_version": item.mapping_version,
            "vendor_code": refusal.code,
        }

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "job_id": self.job_id,
            "sent": self.sent,
            "dead_lettered": self.refused,
            "unchanged": self.unchanged,
            "requests": self.requests,
        }


def refusals(items: Sequence[Item], code: str, message: str) -> list[Refusal]:
    return [Refusal(item, code, message) for item in items]
