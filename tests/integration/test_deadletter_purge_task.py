"""The beat-driven purge keeps open dead letters and drops old closed ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from deadletter.models import DeadLetter
from deadletter.store import DeadLetterStore
from tasks.parking import purge
from tasks.runtime import transaction

pytestmark = pytest.mark.usefixtures("installed_runtime")


def _letter(store: DeadLetterStore, source_id: str) -> int:
    return store.add(
        connector="pipedrive", resource="persons", source_id=source_id, job_id=None,
        reason="invalid_email", message="bad", payload={"id": source_id},
    ).id  # fmt: skip


def test_the_purge_task_deletes_only_closed_dead_letters_older_than_the_retention() -> None:
    with transaction() as session:
        store = DeadLetterStore(session)
        old_open, old_resolved, new_resolved = (_letter(store, s) for s in ("1", "2", "3"))
        store.set_status(old_resolved, "resolved")
        store.set_status(new_resolved, "resolved")
        long_ago = datetime.now(UTC) - timedelta(days=40)
        session.execute(
            update(DeadLetter)
            .where(DeadLetter.id.in_([old_open, old_resolved]))
            .values(updated_at=long_ago)
        )
    assert purge.run(older_than="30d") == {"purged": 1, "older_than": "30d"}
    with transaction() as session:
        left = {letter.id for letter in DeadLetterStore(session).list(limit=10)}
    assert left == {old_open, new_resolved}
