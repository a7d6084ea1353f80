"""Pipedrive persons -> Brevo contacts through real worker and beat processes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from deadletter.models import DeadLetter
from sandbox.server import SandboxHandle
from tasks.models import JobStatus
from tests.e2e.conftest import StackFactory
from tests.support.stack import succeeded
from workers.processes import celery_command

TAJO = str(Path(sys.executable).parent / "tajo")


def _dead_letters(database_url: str) -> list[DeadLetter]:
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(DeadLetter)))
    finally:
        engine.dispose()


def assert_contact_matches(sandbox: SandboxHandle, person_id: int) -> None:
    """The contact Brevo holds carries the person's fields as the docs' mapping says."""
    person = sandbox.pipedrive.person(person_id)
    contact = sandbox.brevo.contact_by_ext_id(f"pipedrive:persons:{person_id}")
    emails = [e["value"] for e in person["emails"] if e.get("primary")] or [
        e["value"] for e in person["emails"]
    ]
    if contact is None:
        # Only a person with no usable identifier may be missing (it is a dead letter instead).
        assert not emails, f"person {person_id} has an email but is missing from Brevo"
        return
    attributes = contact["attributes"]
    assert attributes["FIRSTNAME"] == person["first_name"]
    assert attributes["LASTNAME"] == person["last_name"]
    assert attributes["FULLNAME"] == person["name"]
    if emails:
        assert contact["email"] == emails[0].lower()
    if person["org_id"]:
        assert attributes["COMPANY"] == sandbox.pipedrive.organization(person["org_id"])["name"]


def test_beat_and_a_worker_sync_ten_thousand_persons_and_the_next_run_writes_nothing(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(10_000, schedule={"incremental": "8s"})
    setup_requests = sandbox.brevo.request_count()
    stack.start_worker(concurrency=2)
    stack.start_beat()

    jobs = stack.wait_for(lambda js: len(succeeded(js)) >= 1, 240, "the first scheduled job")
    first = succeeded(jobs)[0]
    assert first.mode == "incremental"
    assert first.fetched == 10_000
    assert first.written + first.dead_lettered == 10_000
    assert first.written > 9_000
    assert sandbox.brevo.contact_count() == first.written

    for person_id in range(1, 10_001, 97):
        assert_contact_matches(sandbox, person_id)

    letters = _dead_letters(stack.database_url)
    assert len(letters) == first.dead_lettered
    assert {letter.reason for letter in letters} <= {
        "missing_identifier",
        "invalid_email",
        "invalid_phone",
    }
    assert all(letter.job_id == first.id and letter.source_id for letter in letters)

    imports = sandbox.brevo.request_count("/v3/contacts/import")
    # The budget: at most 5 Brevo requests per 10,000 contacts.
    assert sandbox.brevo.request_count() - setup_requests <= 5, sandbox.brevo.stats()
    assert imports >= 1

    requests_before = sandbox.brevo.request_count()
    jobs = stack.wait_for(lambda js: len(succeeded(js)) >= 2, 120, "the second scheduled job")
    second = succeeded(jobs)[1]
    assert second.written == 0
    assert sandbox.brevo.contact_count() == first.written
    assert sandbox.brevo.request_count("/v3/contacts/import") == imports
    assert sandbox.brevo.request_count() == requests_before


def test_celery_call_starts_a_full_sync_that_finishes_and_a_rerun_is_all_unchanged(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(300)
    stack.start_worker()
    call = celery_command(
        "call",
        "sync.run",
        "--kwargs",
        '{"connector": "pipedrive", "resource": "persons", "mode": "full"}',
    )
    for expected in (1, 2):
        done = subprocess.run(call, env=stack.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        stack.wait_for(lambda js, n=expected: len(succeeded(js)) >= n, 120, f"run {expected}")
    ping = subprocess.run(
        celery_command("inspect", "ping", "--timeout", "10"),
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ping.returncode == 0, ping.stderr
    assert "pong" in ping.stdout
    first, second = succeeded(stack.jobs())
    assert first.fetched == second.fetched == 300
    assert second.written == 0
    assert second.unchanged == first.written
    assert sandbox.brevo.contact_count() == first.written


def test_a_wrong_pipedrive_token_fails_the_job_with_an_auth_reason_and_no_retry_storm(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(100, pipedrive_token="the-right-token")
    stack.start_worker()
    subprocess.run(
        [TAJO, "connectors", "sync", "pipedrive", "--full", "--no-wait"],
        env=stack.env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    jobs = stack.wait_for(lambda js: any(j.status == JobStatus.FAILED for j in js), 60, "failure")
    failed = jobs[0]
    assert failed.error_category == "auth"
    assert sandbox.pipedrive.request_count() <= 2
    status = subprocess.run(
        [TAJO, "connectors", "status"],
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 0, status.stderr
    assert "auth" in status.stdout
    assert "the-right-token" not in stack.logs()


def test_brevo_server_errors_are_retried_with_backoff_and_nothing_is_lost(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(400)
    sandbox.brevo.failures.set(503, count=2)
    stack.start_worker()
    stack.sync_persons()
    job = stack.wait_for_succeeded(1, 180)[0]
    assert job.written + job.dead_lettered == 400
    assert sandbox.brevo.contact_count() == job.written
    assert {d.reason for d in _dead_letters(stack.database_url)} <= {
        "missing_identifier",
        "invalid_email",
        "invalid_phone",
    }


def test_brevo_that_keeps_failing_ends_in_dead_letters_after_bounded_retries(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(50)
    sandbox.brevo.failures.set(500, seconds=600, path_prefix="/v3/contacts/import")
    env_overrides = {"TAJO_MAX_ERROR_RETRIES": "2", "TAJO_RETRY_BACKOFF_CAP_SECONDS": "1"}
    stack.extra_env.update(env_overrides)
    stack.start_worker()
    stack.sync_persons()
    job = stack.wait_for_succeeded(1, 180)[0]
    assert job.written == 0
    assert job.dead_lettered == 50
    reasons = {d.reason for d in _dead_letters(stack.database_url)}
    assert "retries_exhausted" in reasons
    assert sandbox.brevo.request_count("/v3/contacts/import") == 3  # one try and two retries


def test_malformed_person_records_become_dead_letters_and_the_job_goes_on(
    make_stack: StackFactory,
) -> None:
    stack, sandbox = make_stack(500)
    sandbox.pipedrive.failures.set("malformed", seconds=600, record_fraction=0.3)
    stack.start_worker()
    stack.sync_persons()
    job = stack.wait_for_succeeded(1, 180)[0]
    assert job.fetched == 500
    assert job.written + job.dead_lettered == 500
    # Some corruptions still map (a numeric first name is a valid attribute value); the ones
    # that break an identifier or a type must be dead letters, well above the clean data's 2%.
    assert job.dead_lettered >= 15
    letters = _dead_letters(stack.database_url)
    assert len(letters) == job.dead_lettered
    assert all(letter.reason and letter.message for letter in letters)
    assert {letter.reason for letter in letters} & {"type_mismatch", "invalid_email"}
    assert sandbox.brevo.contact_count() == job.written
