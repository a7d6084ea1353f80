"""Dead letters replayed through real worker processes, as an operator does it: `celery call`."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from typing import Any

from celery import Celery
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from deadletter.models import DeadLetter
from tests.e2e.conftest import StackFactory
from tests.support.stack import Stack
from workers.processes import celery_command


def dead_letters(stack: Stack) -> list[DeadLetter]:
    engine = create_engine(stack.database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))
    finally:
        engine.dispose()


def celery_call(stack: Stack, task: str, kwargs: dict[str, Any]) -> str:
    """`celery -A workers call TASK --kwargs JSON` in its own process; returns the task id."""
    done = subprocess.run(
        celery_command("call", task, "--kwargs", json.dumps(kwargs)),
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def outcome(stack: Stack, task_id: str, timeout: float = 30) -> tuple[str, Any]:
    """The task's final state and result (the exception for a failure), from the result backend."""
    app = Celery(broker=stack.broker_url, backend=stack.broker_url)
    app.conf.update(accept_content=["json"], result_serializer="json")
    result = app.AsyncResult(task_id)
    try:
        value = result.get(timeout=timeout, propagate=False)
        return result.state, value
    finally:
        app.close()


def wait_until(check: Callable[[], bool], timeout: float, what: str, stack: Stack) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}\n{stack.logs()}")


def test_a_person_fixed_at_the_vendor_is_replayed_by_celery_call_and_written_once(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(200)
    stack.start_worker()
    stack.sync_persons()
    stack.wait_for_succeeded(1, 60)
    missing = [d for d in dead_letters(stack) if d.reason == "missing_identifier"]
    assert missing, "the data set has persons with no email and no phone"
    letter = missing[0]
    person_id = int(letter.source_id)
    ext_id = f"pipedrive:persons:{person_id}"
    assert sandbox.brevo.contact_by_ext_id(ext_id) is None

    # The operator fixes the cause at the vendor (the hint says so), then replays.
    address = f"fixed-{person_id}@example.com"
    sandbox.pipedrive.edit_person(
        person_id, {"emails": [{"value": address, "primary": True, "label": "work"}]}
    )
    state, value = outcome(
        stack, celery_call(stack, "deadletter.replay", {"dead_letter_id": letter.id})
    )

    assert (state, value["status"], value["written"]) == ("SUCCESS", "resolved", True)
    contact = sandbox.brevo.contact_by_ext_id(ext_id)
    assert contact is not None
    assert contact["email"] == address
    row = next(d for d in dead_letters(stack) if d.id == letter.id)
    assert row.status == "resolved"
    upserts = sandbox.brevo.log.by_route().get("POST /v3/contacts", 0)
    assert upserts == 1

    # Replaying again changes nothing and writes nothing.
    state, value = outcome(
        stack, celery_call(stack, "deadletter.replay", {"dead_letter_id": letter.id})
    )
    assert (state, value["status"], value["written"]) == ("SUCCESS", "resolved", False)
    assert sandbox.brevo.log.by_route().get("POST /v3/contacts", 0) == upserts

    # The next run sees the person changed at the vendor, and the ledger says Brevo has it.
    stack.sync_persons("incremental")
    second = stack.wait_for_succeeded(2, 60)[-1]
    # (updated_since is inclusive: the previous run's last person is read again too.)
    assert second.fetched >= 1
    assert (second.written, second.unchanged) == (0, second.fetched)
    assert "Traceback" not in stack.logs()


def test_a_replay_still_failing_stays_open_with_one_more_attempt_and_flower_text(
    make_stack: StackFactory,
) -> None:
    stack, _ = make_stack(200)
    stack.start_worker()
    stack.sync_persons()
    stack.wait_for_succeeded(1, 60)
    letter = next(d for d in dead_letters(stack) if d.reason == "missing_identifier")

    state, error = outcome(
        stack, celery_call(stack, "deadletter.replay", {"dead_letter_id": letter.id})
    )

    assert state == "FAILURE"
    assert type(error).__name__ == "DeadLettered"
    assert f"missing_identifier: pipedrive/persons source_id={letter.source_id}" in str(error)
    row = next(d for d in dead_letters(stack) if d.id == letter.id)
    assert (row.status, row.attempts, row.reason) == ("open", 2, "missing_identifier")
    assert "Traceback" not in stack.logs()


def test_bad_replay_calls_fail_with_a_clear_message_and_change_nothing(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(100)
    stack.start_worker()
    stack.sync_persons()
    stack.wait_for_succeeded(1, 60)
    before = [(d.id, d.status, d.attempts, d.reason) for d in dead_letters(stack)]
    some_id = before[0][0]
    bad_calls: list[tuple[str, dict[str, Any], str]] = [
        ("deadletter.replay", {"dead_letter_id": 987654}, "no dead letter with id 987654"),
        ("deadletter.replay", {"dead_letter_id": "abc"}, "dead_letter_id must be an integer"),
        ("deadletter.replay", {"dead_letter_id": some_id, "force": True}, "unknown argument"),
        ("deadletter.replay", {}, "missing argument(s) dead_letter_id"),
        ("deadletter.replay_many", {"reason": "bogus"}, "unknown reason 'bogus'"),
    ]
    task_ids = [
        (celery_call(stack, task, kwargs), expected) for task, kwargs, expected in bad_calls
    ]

    for task_id, expected in task_ids:
        state, error = outcome(stack, task_id)
        assert state == "FAILURE"
        assert type(error).__name__ == "ReplayRefused", error
        assert expected in str(error)
    assert [(d.id, d.status, d.attempts, d.reason) for d in dead_letters(stack)] == before
    assert sandbox.brevo.log.by_route().get("POST /v3/contacts", 0) == 0
    assert "Traceback" not in stack.logs()


def test_dead_letters_of_passing_failures_are_retried_when_the_next_job_starts(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(30)
    sandbox.brevo.failures.set(500, seconds=600, path_prefix="/v3/contacts/import")
    stack.extra_env.update({"TAJO_MAX_ERROR_RETRIES": "0"})
    stack.start_worker()
    stack.sync_persons()
    first = stack.wait_for_succeeded(1, 60)[0]
    parked = [d for d in dead_letters(stack) if d.reason == "retries_exhausted"]
    assert first.written == 0
    assert parked

    sandbox.brevo.failures.clear()
    stack.sync_persons("incremental")
    stack.wait_for_succeeded(2, 60)

    def all_resolved() -> bool:
        rows = {d.id: d.status for d in dead_letters(stack)}
        return all(rows[d.id] == "resolved" for d in parked)

    wait_until(all_resolved, 45, "the auto-retried dead letters to be resolved", stack)
    for letter in parked:
        assert sandbox.brevo.contact_by_ext_id(f"pipedrive:persons:{letter.source_id}")
