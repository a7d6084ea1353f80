"""Replays failing again, retention and the `tajo deadletter` CLI against a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session

from deadletter.models import DeadLetter
from deadletter.store import DeadLetterStore

TAJO = str(Path(sys.executable).parent / "tajo")


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = create_engine(database_url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def add(store: DeadLetterStore, source_id: str = "7", reason: str = "invalid_phone") -> DeadLetter:
    return store.add(
        connector="pipedrive",
        resource="persons",
        source_id=source_id,
        job_id=3,
        reason=reason,
        message=f"person {source_id}: bad phone",
        payload={"id": int(source_id), "phone": "12", "api_token": "pd-secret"},
    )


def test_a_replay_failing_again_keeps_the_row_open_with_one_more_attempt_and_the_new_reason(
    session: Session,
) -> None:
    store = DeadLetterStore(session)
    row = add(store)
    store.set_status(row.id, "replayed")

    again = store.fail_again(row.id, reason="brevo_rejected", message="Invalid phone number")
    session.commit()

    assert again.id == row.id
    assert (again.status, again.attempts, again.reason) == ("open", 2, "brevo_rejected")


def test_failing_again_with_a_reason_another_row_holds_counts_on_that_row(
    session: Session,
) -> None:
    store = DeadLetterStore(session)
    first = add(store, reason="invalid_phone")
    other = add(store, reason="missing_identifier")

    again = store.fail_again(first.id, reason="missing_identifier", message="no email, no phone")
    session.commit()

    assert again.id == other.id
    assert (again.status, again.attempts) == ("open", 2)
    closed = store.get(first.id)
    assert closed is not None
    assert closed.status == "replayed"
    assert f"dead letter {other.id}" in (closed.status_note or "")


def test_purge_deletes_closed_rows_older_than_the_cutoff_and_keeps_open_ones(
    session: Session,
) -> None:
    store = DeadLetterStore(session)
    old_resolved, old_open, new_resolved = add(store, "1"), add(store, "2"), add(store, "3")
    store.set_status(old_resolved.id, "resolved")
    store.set_status(new_resolved.id, "resolved")
    long_ago = datetime.now(UTC) - timedelta(days=40)
    session.execute(
        update(DeadLetter)
        .where(DeadLetter.id.in_([old_resolved.id, old_open.id]))
        .values(updated_at=long_ago)
    )
    session.commit()

    deleted = store.purge(older_than=datetime.now(UTC) - timedelta(days=30))
    session.commit()

    assert deleted == 1
    assert {row.id for row in store.list()} == {old_open.id, new_resolved.id}


def _tajo(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env: dict[str, Any] = {
        **os.environ,
        "TAJO_DATABASE_URL": database_url,
        "TAJO_CONFIG": str(tmp_path / "none.yaml"),
        "TAJO_VAR_DIR": str(tmp_path / "var"),
    }
    return subprocess.run(
        [TAJO, "deadletter", *args], capture_output=True, text=True, timeout=60, env=env
    )


def test_the_cli_lists_shows_discards_and_purges_dead_letters(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    store = DeadLetterStore(session)
    row, other = add(store, "7"), add(store, "8", reason="missing_identifier")
    session.commit()

    listed = _tajo(database_url, tmp_path, "list", "--reason", "invalid_phone")
    assert listed.returncode == 0, listed.stderr
    assert "invalid_phone" in listed.stdout
    assert "missing_identifier" not in listed.stdout

    shown = _tajo(database_url, tmp_path, "show", str(row.id))
    assert shown.returncode == 0, shown.stderr
    details = json.loads(shown.stdout)
    assert details["payload"] == {"id": 7, "phone": "12", "api_token": "[redacted]"}
    assert details["hint"].startswith("Fix the phone number")
    assert "pd-secret" not in shown.stdout

    discarded = _tajo(database_url, tmp_path, "discard", str(other.id), "--why", "test person")
    assert discarded.returncode == 0, discarded.stderr
    session.expire_all()
    gone = store.get(other.id)
    assert gone is not None
    assert (gone.status, gone.status_note) == (
        "discarded",
        "discarded: test person",
    )

    missing = _tajo(database_url, tmp_path, "show", "999999")
    assert missing.returncode == 1
    assert "no dead letter with id 999999" in missing.stderr
    bad_age = _tajo(database_url, tmp_path, "purge", "--older-than", "soon")
    assert bad_age.returncode == 2
    assert "30d" in bad_age.stderr
    purged = _tajo(database_url, tmp_path, "purge", "--older-than", "1m")
    assert purged.returncode == 0
    assert "purged 0" in purged.stdout
