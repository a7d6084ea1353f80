"""The steps behind the sync tasks, kept out of the task bodies so those stay a few lines each."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tasks import jobs, ledger, runtime, streams
from tasks.pages import MappedPage, map_page
from tasks.policy import describe, error_category
from tasks.runtime import transaction

#: Dead letters a page enqueues as one task each: Flower then lists each with its reason.
WRITE_KEY = "w:{page}"
PARK_KEY = "d:{page}:{index}"


def read_and_map(
    job_id: int,
    connector: str,
    resource: str,
    cursor: str | None,
    page_no: int,
    since: str | None,
    mode: str,
) -> tuple[MappedPage, Any]:
    """Fetch one page and map it; register the tasks it will enqueue before they are sent."""
    config = runtime.config()
    stream = streams.resolve(config, connector, resource)
    # The client meters each of its requests through the shared limiter (the request gate:
    # see tasks.limits), the page and any organization lookups alike.
    page = stream.fetch(cursor, since, mode)
    with transaction() as session:
        mapped = map_page(
            page.records,
            stream.mapper,
            # (ledger target, ids): contacts by ext_id, other operations by key under their kind.
            lambda target, ids: ledger.known_hashes(session, connector, resource, target, ids),
        )
        keys = [
            (PARK_KEY.format(page=page_no, index=i), "park")
            for i in range(len(mapped.dead_letters))
        ]
        if mapped.writes:
            keys.append((WRITE_KEY.format(page=page_no), "write"))
        jobs.expect_tasks(session, job_id, keys)
    return mapped, page


def record_page(job_id: int, facts: jobs.PageFacts) -> bool:
    """Store the page's facts; True when the job is still running (so the chain may go on)."""
    with transaction() as session:
        job = jobs.running_job(session, job_id)
        if job is None:
            return False
        jobs.record_page(session, job, facts)
        return True


def fail_job(exc: BaseException, kwargs: Mapping[str, Any]) -> None:
    """The give-up hook of tasks that own a job: the job ends failed with the error's category."""
    job_id = kwargs.get("job_id")
    if not isinstance(job_id, int):
        return
    with transaction() as session:
        jobs.fail(session, job_id, error_category(exc), describe(exc))
