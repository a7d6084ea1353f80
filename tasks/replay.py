"""`deadletter.replay` and `deadletter.replay_many`: send dead letters through the write path again.

A replay re-reads the source record from the vendor when the connector can (so a record fixed at
the vendor is replayed fixed), maps it with the CURRENT mapping, and upserts the contact with
`POST /v3/contacts` + `updateEnabled`, then records the write in the ledger so the next run does
not send it again unless it changes. The row ends `resolved`; a record that fails again stays
`open` with one more attempt and the new reason, and the task ends in FAILURE(DeadLettered) like
`deadletter.park`, so Flower shows why.

Replays are idempotent: a resolved row is never written twice, and a row being replayed is held
(status `replayed`) so two replays of it at once write once.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from celery import shared_task
from sqlalchemy import or_, select, update

from connectors.brevo.client import ContactConflict
from connectors.config import TajoConfig
from connectors.core.errors import ConfigError, VendorValidationError
from deadletter.models import DeadLetter, DeadLetterStatus
from deadletter.reasons import DeadLetterReason
from deadletter.redact import redact
from deadletter.store import DeadLetterStore
from mapping.errors import MappingError
from tasks import brevo_contacts, contact_path, ledger
from tasks.models import StagedWrite
from tasks.parking import DeadLettered, dead_letter_text
from tasks.policy import PolicyTask, describe, error_category
from tasks.runtime import config, transaction

#: A row held by a replay longer than this was orphaned by a killed worker and may be taken again.
CLAIM_LEASE: Final = timedelta(minutes=5)
DEFAULT_MANY_LIMIT: Final = 1000
MAX_MANY_LIMIT: Final = 10_000


class ReplayRefused(Exception):
    """Bad input (an unknown or malformed id, wrong arguments): nothing was changed."""


class ReplayTask(PolicyTask):
    """Checks the arguments before anything runs, so a bad `celery call` fails with a sentence
    naming the problem (and no traceback) instead of Python's TypeError."""

    abstract = True
    throws = (*PolicyTask.throws, ReplayRefused, DeadLettered)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        check_arguments(self.name, self.run, args, kwargs)
        return super().__call__(*args, **kwargs)


def check_arguments(
    name: str, function: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> None:
    parameters = inspect.signature(function).parameters
    accepted = [p for p in parameters if p != "self"]
    takes = ", ".join(accepted)
    if args:
        raise ReplayRefused(f"{name} takes keyword arguments only ({takes}); got {len(args)} args")
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        raise ReplayRefused(f"{name}: unknown argument(s) {', '.join(unknown)}; it takes {takes}")
    missing = [
        p for p in accepted if parameters[p].default is inspect.Parameter.empty and p not in kwargs
    ]
    if missing:
        raise ReplayRefused(f"{name}: missing argument(s) {', '.join(missing)}; it takes {takes}")


def _integer(name: str, value: object, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        shown = repr(value)[:40]
        raise ReplayRefused(f"{name} must be an integer, got {type(value).__name__} {shown}")
    return value


def _text(name: str, value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ReplayRefused(f"{name} must be a string or null, got {type(value).__name__}")
    return value


# -- one replay, step by step ----------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """What a replay needs of its row, read while claiming it."""

    id: int
    connector: str
    resource: str
    source_id: str
    job_id: int | None
    payload: Any


def claim(dead_letter_id: int) -> Claimed | str:
    """Hold the row for this replay; or the status that makes a replay pointless or premature."""
    now = datetime.now(UTC)
    with transaction() as session:
        held = session.execute(
            update(DeadLetter)
            .where(
                DeadLetter.id == dead_letter_id,
                or_(
                    DeadLetter.status == DeadLetterStatus.OPEN.value,
                    (DeadLetter.status == DeadLetterStatus.REPLAYED.value)
                    & (DeadLetter.updated_at < now - CLAIM_LEASE),
                ),
            )
            .values(status=DeadLetterStatus.REPLAYED.value, updated_at=now)
        ).rowcount  # type: ignore[attr-defined]
        row = session.get(DeadLetter, dead_letter_id)
        if row is None:
            raise ReplayRefused(f"no dead letter with id {dead_letter_id}; nothing was replayed")
        if not held:
            return "in progress" if row.status == DeadLetterStatus.REPLAYED.value else row.status
        return Claimed(row.id, row.connector, row.resource, row.source_id, row.job_id, row.payload)


def release(dead_letter_id: int) -> None:
    """Give the row back (open) after an error the task will retry or give up on."""
    with transaction() as session:
        session.execute(
            update(DeadLetter)
            .where(
                DeadLetter.id == dead_letter_id,
                DeadLetter.status == DeadLetterStatus.REPLAYED.value,
            )
            .values(status=DeadLetterStatus.OPEN.value, updated_at=datetime.now(UTC))
        )


def refetch(cfg: TajoConfig, letter: Claimed) -> tuple[bool, Any]:
    """(found, record): the record as the vendor has it now when the connector can read one
    record, else the stored (redacted) payload."""
    current = contact_path.read_current(cfg, letter.connector, letter.resource, letter.source_id)
    return (True, letter.payload) if current is None else current


def operation_for(cfg: TajoConfig, letter: Claimed, record: Any) -> tuple[dict[str, Any], str]:
    """The contact operation (current mapping) and the mapping version; MappingError if not."""
    return contact_path.map_record(cfg, letter.connector, letter.resource, record)


def fail_again(letter: Claimed, reason: str, message: str, **details: Any) -> DeadLettered:
    """Record the new failure on the row and build the exception that ends the task."""
    with transaction() as session:
        row = DeadLetterStore(session).fail_again(
            letter.id, reason=reason, message=message, **details
        )
        text = dead_letter_text(
            row.reason, row.connector, row.resource, row.source_id, row.job_id, row.id, message
        )
    return DeadLettered(text)


def resolve(letter: Claimed, note: str, written: StagedWrite | None) -> None:
    with transaction() as session:
        if written is not None:
            ledger.remember(session, [written])
        DeadLetterStore(session).set_status(letter.id, DeadLetterStatus.RESOLVED.value, note)


def replay_claimed(letter: Claimed) -> dict[str, Any]:
    cfg = config()
    found, record = refetch(cfg, letter)
    if not found:
        with transaction() as session:
            note = f"{letter.connector} no longer has {letter.resource} {letter.source_id}"
            DeadLetterStore(session).set_status(letter.id, DeadLetterStatus.DISCARDED.value, note)
        return {"dead_letter_id": letter.id, "status": "discarded", "written": False}
    try:
        operation, version = operation_for(cfg, letter, record)
    except MappingError as exc:
        payload = redact(record) if isinstance(record, Mapping) else {"record": record}
        raise fail_again(letter, exc.reason.value, exc.message, payload=payload) from None
    try:
        outcome = contact_path.write_if_changed(
            cfg, letter.connector, letter.resource, operation, version
        )
    except VendorValidationError as exc:
        reason = (
            DeadLetterReason.BREVO_CONFLICT
            if isinstance(exc, ContactConflict)
            else DeadLetterReason.BREVO_REJECTED
        )
        raise fail_again(
            letter, reason.value, describe(exc), vendor_code=exc.code, vendor_message=exc.detail
        ) from None
    if outcome.status == "unchanged":
        resolve(letter, "replayed: Brevo already holds this version", None)
        return {"dead_letter_id": letter.id, "status": "resolved", "written": False}
    if outcome.single is not None and outcome.single.dropped:
        # Written without an identifier another contact holds: the row stays open with the
        # note, and the ledger does not record it, so a later run writes it whole once fixed.
        conflict = outcome.single.conflict
        raise fail_again(
            letter,
            DeadLetterReason.BREVO_CONFLICT.value,
            brevo_contacts.conflict_note(outcome.single),
            vendor_code=conflict.code if conflict else None,
            vendor_message=conflict.detail if conflict else None,
        ) from None
    written = outcome.ledger_entry
    resolve(letter, f"replayed: written to Brevo with mapping {version}", written)
    return {"dead_letter_id": letter.id, "status": "resolved", "written": True}


def _replay_failed(exc: BaseException, kwargs: Mapping[str, Any]) -> None:
    """Give-up hook: the replay could not finish; the row stays open with the failure counted."""
    dead_letter_id = kwargs.get("dead_letter_id")
    if isinstance(exc, ReplayRefused | DeadLettered) or not isinstance(dead_letter_id, int):
        return  # refused: nothing to record; dead-lettered again: already recorded
    by_category = {
        "auth": DeadLetterReason.AUTH,
        "forbidden": DeadLetterReason.FORBIDDEN,
        "vendor_unavailable": DeadLetterReason.RETRIES_EXHAUSTED,
        "infrastructure": DeadLetterReason.RETRIES_EXHAUSTED,
    }
    with transaction() as session:
        store = DeadLetterStore(session)
        row = store.get(dead_letter_id)
        if row is None:
            return
        reason = by_category.get(error_category(exc), DeadLetterReason(row.reason))
        store.fail_again(dead_letter_id, reason=reason.value, message=describe(exc))


# -- the tasks ---------------------------------------------------------------------------------


@shared_task(
    name="deadletter.replay", base=ReplayTask, bind=True, give_up=staticmethod(_replay_failed)
)
def replay(self: ReplayTask, *, dead_letter_id: int) -> dict[str, Any]:
    letter_id = _integer("dead_letter_id", dead_letter_id)
    assert letter_id is not None
    claimed = claim(letter_id)
    if isinstance(claimed, str):
        return {"dead_letter_id": letter_id, "status": claimed, "written": False}
    try:
        return replay_claimed(claimed)
    except DeadLettered:
        raise
    except BaseException:
        release(letter_id)  # a retry or the give-up hook takes it from here
        raise


@shared_task(name="deadletter.replay_many", base=ReplayTask, bind=True)
def replay_many(
    self: ReplayTask,
    *,
    connector: str | None = None,
    resource: str | None = None,
    reason: str | None = None,
    job_id: int | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    filters = {
        "connector": _text("connector", connector),
        "resource": _text("resource", resource),
        "reason": _reason(reason),
        "job_id": _integer("job_id", job_id, optional=True),
    }
    wanted = _integer("limit", limit, optional=True) or DEFAULT_MANY_LIMIT
    if not 1 <= wanted <= MAX_MANY_LIMIT:
        raise ReplayRefused(f"limit must be between 1 and {MAX_MANY_LIMIT}")
    with transaction() as session:
        ids = list(
            session.scalars(
                select(DeadLetter.id)
                .where(*_where(status=DeadLetterStatus.OPEN.value, **filters))
                .order_by(DeadLetter.id)
                .limit(wanted)
            )
        )
    for dead_letter_id in ids:
        replay.apply_async(kwargs={"dead_letter_id": dead_letter_id})
    return {"enqueued": len(ids), "dead_letter_ids": ids, **filters}


def _reason(reason: object) -> str | None:
    text = _text("reason", reason)
    if text is None:
        return None
    try:
        return DeadLetterReason(text).value
    except ValueError:
        known = ", ".join(r.value for r in DeadLetterReason)
        raise ReplayRefused(f"unknown reason {text[:40]!r}; known reasons: {known}") from None


def _where(**values: Any) -> list[Any]:
    return [
        getattr(DeadLetter, name) == value for name, value in values.items() if value is not None
    ]


def retry_reasons(cfg: TajoConfig, connector: str) -> list[str]:
    """The configured `retry_dead_letters` of a connector; ConfigError for an unknown reason."""
    settings = cfg.enabled_connectors().get(connector)
    reasons = list(settings.retry_dead_letters) if settings is not None else []
    for index, reason in enumerate(reasons):
        if reason not in DeadLetterReason.__members__.values():
            raise ConfigError(
                f"connectors.{connector}.retry_dead_letters.{index}", f"unknown reason {reason!r}"
            )
    return reasons


def enqueue_retries(connector: str, resource: str, reasons: list[str]) -> list[str]:
    """Auto-retry at the start of a job: one `replay_many` per configured reason."""
    for reason in reasons:
        replay_many.apply_async(
            kwargs={"connector": connector, "resource": resource, "reason": reason}
        )
    return reasons
