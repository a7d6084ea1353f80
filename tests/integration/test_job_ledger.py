"""The job ledger, staging and write ledger on a real database (SQLite, or Postgres in CI)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from tasks import jobs, ledger, staging
from tasks.models import JobStatus, StagedWrite, SyncJob
from tasks.runtime import transaction

pytestmark = pytest.mark.usefixtures("installed_runtime")


def _item(n: int, *, list_ids: tuple[int, ...] = (60,), digest: str = "h") -> dict[str, Any]:
    ext_id = f"pipedrive:persons:{n}"
    return {
        "ext_id": ext_id,
        "content_hash": f"{digest}{n}",
        "mapping_version": "v1",
        "operation": {
            "op": "contact.upsert",
            "ext_id": ext_id,
            "source_id": str(n),
            "email": f"p{n}@example.com",
            "attributes": {"FIRSTNAME": f"P{n}"},
            "list_ids": list(list_ids),
        },
    }


def test_only_one_job_runs_per_connector_and_resource_and_the_second_is_recorded_skipped() -> None:
    with transaction() as session:
        first = jobs.open_job(session, "pipedrive", "persons", "full")
    with transaction() as session:
        second = jobs.open_job(session, "pipedrive", "persons", "incremental")
    with transaction() as session:
        other = jobs.open_job(session, "pipedrive", "deals", "full")
    assert not first.skipped
    assert second.skipped
    assert not other.skipped
    with transaction() as session:
        assert session.get(SyncJob, second.job_id).status == JobStatus.SKIPPED  # type: ignore[union-attr]


def test_an_incremental_job_starts_from_the_cursor_and_the_cursor_never_moves_back() -> None:
    with transaction() as session:
        jobs.advance_cursor(session, "pipedrive", "persons", "2024-01-02T00:00:00Z")
        jobs.advance_cursor(session, "pipedrive", "persons", "2024-01-01T00:00:00Z")
    with transaction() as session:
        opened = jobs.open_job(session, "pipedrive", "persons", "incremental")
    assert opened.since == "2024-01-02T00:00:00Z"


def test_a_job_is_complete_only_when_pages_tasks_and_imports_are_all_done() -> None:
    with transaction() as session:
        job_id = jobs.open_job(session, "pipedrive", "persons", "full").job_id
        jobs.expect_tasks(session, job_id, [("w:0", "write")])
        jobs.expect_tasks(session, job_id, [("w:0", "write")])  # a redelivered page: no duplicate
        job = jobs.running_job(session, job_id)
        assert job is not None
        jobs.record_page(session, job, jobs.PageFacts(0, 2, 0, 0, 0, None, "2024-01-01T00:00:00Z"))
        assert jobs.progress(session, job).pending_tasks == 1
    with transaction() as session:
        staging.stage(session, job_id, "pipedrive", "persons", [_item(1), _item(2)])
        jobs.task_done(session, job_id, "w:0")
        job = jobs.running_job(session, job_id)
        assert job is not None
        progress = jobs.progress(session, job)
        assert (progress.pending_tasks, progress.unflushed, progress.complete) == (0, 2, False)
    with transaction() as session:
        claimed = staging.claim(session, job_id, max_rows=100, max_bytes=1_000_000)
    assert claimed is not None
    assert claimed.list_ids == [60]
    assert claimed.rows[0] == {
        "email": "p1@example.com",
        "attributes": {"FIRSTNAME": "P1", "EXT_ID": "pipedrive:persons:1"},
    }
    with transaction() as session:
        staging.mark_submitted(session, claimed.import_id, 42)
        job = jobs.running_job(session, job_id)
        assert job is not None
        assert jobs.progress(session, job).imports_in_flight == 1
    with transaction() as session:
        ledger.remember(session, staging.complete(session, claimed.import_id))
        job = jobs.running_job(session, job_id)
        assert job is not None
        assert jobs.progress(session, job).complete
        jobs.finish(session, job)
    with transaction() as session:
        finished = session.get(SyncJob, job_id)
        assert finished is not None
        assert (finished.status, finished.fetched, finished.written) == ("succeeded", 2, 2)


def test_the_write_ledger_knows_what_brevo_holds() -> None:
    with transaction() as session:
        job_id = jobs.open_job(session, "pipedrive", "persons", "full").job_id
        staging.stage(session, job_id, "pipedrive", "persons", [_item(1), _item(2)])
        claimed = staging.claim(session, job_id, max_rows=100, max_bytes=1_000_000)
        assert claimed is not None
        ledger.remember(session, staging.complete(session, claimed.import_id))
    with transaction() as session:
        known = ledger.known_hashes(
            session,
            "pipedrive",
            "persons",
            staging.CONTACT,
            ["pipedrive:persons:1", "pipedrive:persons:2", "pipedrive:persons:3"],
        )
    assert known == {"pipedrive:persons:1": "h1", "pipedrive:persons:2": "h2"}


def test_an_import_never_exceeds_its_byte_budget_and_keeps_one_list_set() -> None:
    with transaction() as session:
        job_id = jobs.open_job(session, "pipedrive", "persons", "full").job_id
        items = [_item(n) for n in range(50)] + [_item(n, list_ids=(61,)) for n in range(50, 60)]
        staging.stage(session, job_id, "pipedrive", "persons", items)
    sizes = []
    while True:
        with transaction() as session:
            claimed = staging.claim(session, job_id, max_rows=1000, max_bytes=3_000)
        if claimed is None:
            break
        sizes.append((len(claimed.rows), claimed.list_ids))
    assert sum(n for n, _ in sizes) == 60
    assert all(n < 50 for n, _ in sizes)
    with transaction() as session:
        left = session.scalars(select(StagedWrite).where(StagedWrite.status == "staged")).all()
    assert left == []


def test_an_import_of_ten_thousand_rows_is_remembered_in_one_transaction() -> None:
    # Postgres refuses statements with more than 65,535 bind parameters; the ledger must chunk.
    with transaction() as session:
        job_id = jobs.open_job(session, "pipedrive", "persons", "full").job_id
        items = [_item(n) for n in range(10_000)]
        for start in range(0, len(items), 500):
            staging.stage(session, job_id, "pipedrive", "persons", items[start : start + 500])
        claimed = staging.claim(session, job_id, max_rows=10_000, max_bytes=8 * 2**20)
        assert claimed is not None
        assert len(claimed.rows) == 10_000
        ledger.remember(session, staging.complete(session, claimed.import_id))
    with transaction() as session:
        known = ledger.known_hashes(
            session, "pipedrive", "persons", staging.CONTACT, ["pipedrive:persons:9999"]
        )
    assert known == {"pipedrive:persons:9999": "h9999"}
