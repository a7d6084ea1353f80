"""The dead-letter store against a real, migrated database (Postgres in CI, SQLite otherwise)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from deadletter.models import DeadLetter
from deadletter.store import DeadLetterNotFound, DeadLetterStore
from mapping import Reason


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """The migrated test database: Postgres when TAJO_TEST_DATABASE_URL is set, else SQLite."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def add(store: DeadLetterStore, **overrides: Any) -> DeadLetter:
    fields: dict[str, Any] = {
        "connector": "pipedrive",
        "resource": "persons",
        "source_id": "7",
        "job_id": 1,
        "reason": Reason.INVALID_EMAIL,
        "message": "person 7: email = 'nope' is not a valid email address",
        "payload": {"id": 7, "email": "nope", "api_token": "pd-secret-123"},
        "mapping_version": "06b5b3321be1",
    }
    fields.update(overrides)
    return store.add(**fields)


def test_a_new_dead_letter_is_open_with_one_attempt_and_a_redacted_payload(
    session: Session,
) -> None:
    row = add(DeadLetterStore(session))
    session.commit()
    stored = DeadLetterStore(session).get(row.id)
    assert stored is not None
    assert (stored.status, stored.attempts, stored.reason) == ("open", 1, "invalid_email")
    assert stored.payload == {"id": 7, "email": "nope", "api_token": "[redacted]"}
    assert stored.mapping_version == "06b5b3321be1"
    assert stored.created_at.tzinfo is UTC
    assert stored.updated_at.tzinfo is UTC
    assert "pd-secret-123" not in repr(stored)


def test_the_same_record_dead_lettered_twice_is_one_row_with_two_attempts(
    session: Session,
) -> None:
    store = DeadLetterStore(session)
    first = add(store)
    first_id, created_at = first.id, first.created_at
    store.set_status(first_id, "resolved", note="fixed at the vendor")
    session.commit()
    again = add(store, job_id=2, message="still bad", payload={"id": 7, "email": "still"})
    session.commit()
    assert again.id == first_id
    assert again.attempts == 2
    assert again.status == "open"
    assert again.status_note is None
    assert (again.job_id, again.message, again.payload) == (
        2,
        "still bad",
        {"id": 7, "email": "still"},
    )
    assert again.created_at == created_at
    assert again.updated_at >= created_at
    assert store.count() == 1


def test_another_reason_for_the_same_record_is_another_row(session: Session) -> None:
    store = DeadLetterStore(session)
    add(store)
    add(store, reason="brevo_rejected", vendor_code="invalid_parameter", vendor_message="bad SMS")
    assert store.count(connector="pipedrive", resource="persons") == 2
    rejected = store.list(reason="brevo_rejected")
    assert [(row.vendor_code, row.vendor_message) for row in rejected] == [
        ("invalid_parameter", "bad SMS")
    ]


def test_list_and_count_filter_by_every_field_and_list_oldest_first(session: Session) -> None:
    store = DeadLetterStore(session)
    for number in range(5):
        add(store, source_id=str(number), job_id=number % 2)
    add(store, connector="shopify", resource="customers", source_id="9", job_id=None)
    store.set_status(store.list(job_id=1)[0].id, "discarded")
    assert [row.source_id for row in store.list(connector="pipedrive")] == ["0", "1", "2", "3", "4"]
    assert [row.source_id for row in store.list(job_id=1)] == ["1", "3"]
    assert store.count(status="open") == 5
    assert store.count(status="discarded", connector="pipedrive", job_id=1) == 1
    assert store.count(resource="customers") == 1
    assert store.count(reason="invalid_email") == 6
    assert [row.source_id for row in store.list(limit=2)] == ["0", "1"]


def test_unknown_reasons_statuses_and_ids_are_refused(session: Session) -> None:
    store = DeadLetterStore(session)
    with pytest.raises(ValueError, match="not_a_reason"):
        add(store, reason="not_a_reason")
    row = add(store)
    with pytest.raises(ValueError, match="archived"):
        store.set_status(row.id, "archived")
    with pytest.raises(DeadLetterNotFound):
        store.set_status(row.id + 1000, "resolved")
    assert store.get(row.id + 1000) is None


def test_the_store_leaves_the_transaction_to_the_caller(session: Session) -> None:
    store = DeadLetterStore(session)
    add(store)
    session.rollback()
    assert store.count() == 0


def test_odd_records_and_messages_are_stored_the_same_on_every_backend(session: Session) -> None:
    store = DeadLetterStore(session, sensitive_keys=["ssn"])
    row = add(
        store,
        message="nul \x00 and lone surrogate \ud800",
        payload={"text": "a\x00b\udfff", "nan": float("nan"), "huge": 10**5000, "ssn": "1-23"},
        vendor_message="x" * 10_000,
    )
    session.commit()
    session.expire_all()
    stored = store.get(row.id)
    assert stored is not None
    assert stored.message == "nul \ufffd and lone surrogate \ufffd"
    assert stored.payload["text"] == "a\ufffdb\ufffd"
    assert stored.payload["nan"] == "nan"
    assert stored.payload["ssn"] == "[redacted]"
    assert stored.payload["huge"].startswith("[integer of")
    assert stored.vendor_message is not None
    assert len(stored.vendor_message) == 4000


def test_a_record_that_was_not_an_object_is_stored_as_it_was(session: Session) -> None:
    store = DeadLetterStore(session)
    listed = add(store, source_id="a", reason="unsupported_record", payload=[1, "two"])
    null = add(store, source_id="b", reason="unsupported_record", payload=None)
    session.commit()
    session.expire_all()
    assert listed.payload == [1, "two"]
    assert null.payload is None


def test_two_workers_adding_the_same_record_at_once_make_one_row_with_two_attempts(
    engine: Engine,
) -> None:
    rounds, workers = 10, 2
    barrier = threading.Barrier(workers)
    failures: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            for round_number in range(rounds):
                with Session(engine) as session, session.begin():
                    barrier.wait(timeout=30)
                    add(DeadLetterStore(session), source_id=f"r{round_number}", job_id=number)
        except BaseException as exc:  # reported by the main thread below
            barrier.abort()
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(number,)) for number in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    with Session(engine) as session:
        rows = DeadLetterStore(session).list(limit=1000)
    assert len(rows) == rounds
    assert {row.attempts for row in rows} == {workers}
