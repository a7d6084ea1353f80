"""Credentials never reach task messages, results, logs, dead letters, job rows or Flower."""

from __future__ import annotations

import time

import httpx
from sqlalchemy import create_engine, select

from deadletter.models import DeadLetter
from tasks.models import BrevoImport, StagedWrite, SyncJob
from tests.e2e.conftest import StackFactory
from tests.support.infra import redis_client
from tests.support.secrets_scan import BrokerRecorder, leaks, stored_values
from tests.support.stack import BREVO_KEY, PIPEDRIVE_TOKEN

FLOWER_USER, FLOWER_PASSWORD = "ops", "flower-password-do-not-leak"


def _all_rows(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = []
            for model in (SyncJob, DeadLetter, StagedWrite, BrevoImport):
                rows.extend(str(row) for row in connection.execute(select(model.__table__)))
            return rows
    finally:
        engine.dispose()


def test_no_secret_appears_in_broker_traffic_results_logs_rows_or_flower(
    make_stack: StackFactory, unused_port: int
) -> None:
    stack, sandbox = make_stack(600)
    sandbox.pipedrive.failures.set("malformed", seconds=600, record_fraction=0.2)
    sandbox.brevo.failures.set(503, count=1)
    broker = redis_client(stack.broker_url)
    with BrokerRecorder(broker) as recorder:
        stack.start_worker()
        stack.start_flower(unused_port, f"{FLOWER_USER}:{FLOWER_PASSWORD}")
        stack.sync_persons()
        stack.wait_for_succeeded(1, 180)
    flower_pages = []
    auth = (FLOWER_USER, FLOWER_PASSWORD)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            tasks = httpx.get(f"http://127.0.0.1:{unused_port}/api/tasks", auth=auth, timeout=5)
            if tasks.status_code == 200 and "deadletter.park" in tasks.text:
                flower_pages.append(tasks.text)
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    assert flower_pages, "Flower never listed the sync's tasks"
    for path in ("/tasks", "/broker", "/workers"):
        flower_pages.append(httpx.get(f"http://127.0.0.1:{unused_port}{path}", auth=auth).text)

    assert any("sync.pull_page" in text for text in recorder.texts()), "no task message recorded"
    haystacks = [
        *recorder.texts(),
        *stored_values(broker),
        stack.logs(),
        *_all_rows(stack.database_url),
        *flower_pages,
    ]
    assert leaks([PIPEDRIVE_TOKEN, BREVO_KEY], haystacks) == []
