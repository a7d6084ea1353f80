"""`tajo deadletter ...`: list, show, replay, discard and purge dead letters."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from deadletter.models import DeadLetter, DeadLetterStatus
from deadletter.reasons import DeadLetterReason, hint
from deadletter.retention import cutoff, parse_age
from deadletter.store import CLOSED_STATUSES, DeadLetterNotFound, DeadLetterStore
from workers.output import console, fail, table

LIST_COLUMNS = [
    "id", "connector", "resource", "source id", "reason", "status", "attempts", "job",
    "updated", "message",
]  # fmt: skip
#: How long `replay ID` waits for the worker's answer before leaving it running.
REPLAY_WAIT_SECONDS = 60.0

_REASONS = click.Choice([reason.value for reason in DeadLetterReason])
_STATUSES = click.Choice([status.value for status in DeadLetterStatus])


def _runtime() -> None:
    from workers.celery_app import install_runtime
    from workers.settings import get_settings

    install_runtime(get_settings())


@click.group()
def deadletter() -> None:
    """Records that could not reach Brevo: inspect, replay, discard, purge."""


@deadletter.command("list")
@click.option("--connector")
@click.option("--resource")
@click.option("--reason", type=_REASONS)
@click.option("--status", type=_STATUSES)
@click.option("--job", "job_id", type=int)
@click.option("--limit", type=click.IntRange(1, 100_000), default=100, show_default=True)
def list_command(
    connector: str | None,
    resource: str | None,
    reason: str | None,
    status: str | None,
    job_id: int | None,
    limit: int,
) -> None:
    """A table of dead letters, oldest first."""
    from tasks.runtime import transaction

    _runtime()
    with transaction() as session:
        store = DeadLetterStore(session)
        filters: dict[str, Any] = {
            "connector": connector,
            "resource": resource,
            "reason": reason,
            "status": status,
            "job_id": job_id,
        }
        rows = [_list_row(row) for row in store.list(**filters, limit=limit)]
        total = store.count(**filters)
    console.print(table(f"dead letters ({len(rows)} of {total})", LIST_COLUMNS, rows))


def _list_row(row: DeadLetter) -> list[object]:
    return [
        row.id, row.connector, row.resource, row.source_id, row.reason, row.status,
        row.attempts, row.job_id, row.updated_at, row.message[:80],
    ]  # fmt: skip


@deadletter.command("show")
@click.argument("dead_letter_id", type=int)
def show_command(dead_letter_id: int) -> None:
    """Everything about one dead letter, its (redacted) payload included."""
    from tasks.runtime import transaction

    _runtime()
    with transaction() as session:
        row = DeadLetterStore(session).get(dead_letter_id)
        if row is None:
            fail(f"no dead letter with id {dead_letter_id}")
            sys.exit(1)
        shown = {
            "id": row.id,
            "connector": row.connector,
            "resource": row.resource,
            "source_id": row.source_id,
            "job_id": row.job_id,
            "reason": row.reason,
            "hint": hint(row.reason),
            "message": row.message,
            "vendor_code": row.vendor_code,
            "vendor_message": row.vendor_message,
            "mapping_version": row.mapping_version,
            "attempts": row.attempts,
            "status": row.status,
            "status_note": row.status_note,
            "created_at": row.created_at.isoformat(),
            "updated_at": row.updated_at.isoformat(),
            "payload": row.payload,
        }
    click.echo(json.dumps(shown, indent=2, ensure_ascii=False, default=str))


@deadletter.command("replay")
@click.argument("dead_letter_id", type=int, required=False)
@click.option("--connector")
@click.option("--resource")
@click.option("--reason", type=_REASONS)
@click.option("--job", "job_id", type=int)
@click.option("--limit", type=click.IntRange(1, 10_000))
@click.option("--no-wait", is_flag=True, help="Enqueue and return at once.")
def replay_command(
    dead_letter_id: int | None,
    connector: str | None,
    resource: str | None,
    reason: str | None,
    job_id: int | None,
    limit: int | None,
    no_wait: bool,
) -> None:
    """Replay one dead letter (ID) or every open one matching the filters, through a worker."""
    from celery.exceptions import TimeoutError as CeleryTimeoutError

    from tasks.replay import replay, replay_many
    from workers.celery_app import get_app

    get_app()  # builds the app (broker, routes) the tasks are sent with
    filters = {
        "connector": connector,
        "resource": resource,
        "reason": reason,
        "job_id": job_id,
        "limit": limit,
    }
    if dead_letter_id is not None and any(value is not None for value in filters.values()):
        fail("give either a dead letter ID or filters, not both")
        sys.exit(2)
    if dead_letter_id is None:
        result = replay_many.apply_async(kwargs={k: v for k, v in filters.items() if v})
        task = "deadletter.replay_many"
    else:
        result = replay.apply_async(kwargs={"dead_letter_id": dead_letter_id})
        task = "deadletter.replay"
    console.print(f"enqueued {task} {result.id}")
    if no_wait:
        return
    try:
        outcome = result.get(timeout=REPLAY_WAIT_SECONDS, propagate=False)
    except CeleryTimeoutError:
        fail("no answer yet: is a worker consuming the deadletter queue?")
        sys.exit(1)
    if result.failed():
        fail(str(outcome))
        sys.exit(1)
    console.print(outcome)


@deadletter.command("discard")
@click.argument("dead_letter_id", type=int)
@click.option("--why", required=True, help="Why nobody should replay it (kept on the row).")
def discard_command(dead_letter_id: int, why: str) -> None:
    """Close a dead letter without replaying it."""
    from tasks.runtime import transaction

    _runtime()
    try:
        with transaction() as session:
            DeadLetterStore(session).set_status(
                dead_letter_id, DeadLetterStatus.DISCARDED.value, f"discarded: {why}"
            )
    except DeadLetterNotFound as exc:
        fail(str(exc))
        sys.exit(1)
    console.print(f"dead letter {dead_letter_id} discarded")


@deadletter.command("purge")
@click.option("--older-than", "older_than", required=True, help="An age: 30d, 12h, 90m or 2w.")
@click.option(
    "--status",
    "statuses",
    type=_STATUSES,
    multiple=True,
    help=f"Statuses to delete (repeatable; default: {', '.join(CLOSED_STATUSES)}).",
)
def purge_command(older_than: str, statuses: tuple[str, ...]) -> None:
    """Retention: delete dead letters last changed longer ago than --older-than."""
    from tasks.runtime import transaction

    try:
        age = parse_age(older_than)
    except ValueError as exc:
        fail(str(exc))
        sys.exit(2)
    _runtime()
    with transaction() as session:
        deleted = DeadLetterStore(session).purge(
            older_than=cutoff(age), statuses=statuses or CLOSED_STATUSES
        )
    console.print(f"purged {deleted} dead letter(s) older than {older_than}")
