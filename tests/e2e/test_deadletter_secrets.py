"""No credential reaches dead-letter rows, Flower's pages, task arguments or logs after a sync
AND a replay."""

from __future__ import annotations

import time

import httpx

from tests.e2e.conftest import StackFactory
from tests.e2e.test_deadletter_replay import celery_call, dead_letters, outcome
from tests.e2e.test_secrets_stay_secret import _all_rows
from tests.support.infra import redis_client
from tests.support.secrets_scan import BrokerRecorder, leaks, stored_values
from tests.support.stack import BREVO_KEY, PIPEDRIVE_TOKEN

FLOWER_USER, FLOWER_PASSWORD = "ops", "flower-password-replay-do-not-leak"


def test_no_secret_appears_anywhere_after_a_sync_and_a_replay(
    make_stack: StackFactory, unused_port: int
) -> None:
    stack, sandbox = make_stack(150)
    sandbox.pipedrive.failures.set("malformed", seconds=600, record_fraction=0.2)
    broker = redis_client(stack.broker_url)
    base, auth = f"http://127.0.0.1:{unused_port}", (FLOWER_USER, FLOWER_PASSWORD)
    with BrokerRecorder(broker) as recorder:
        stack.start_worker()
        stack.start_flower(unused_port, f"{FLOWER_USER}:{FLOWER_PASSWORD}")
        stack.sync_persons()
        stack.wait_for_succeeded(1, 60)
        sandbox.pipedrive.failures.clear()
        letter = dead_letters(stack)[0]
        sandbox.pipedrive.edit_person(
            int(letter.source_id), {"emails": [{"value": "fixed@example.com", "primary": True}]}
        )
        replayed = celery_call(stack, "deadletter.replay", {"dead_letter_id": letter.id})
        outcome(stack, replayed)
        many = celery_call(stack, "deadletter.replay_many", {"connector": "pipedrive"})
        outcome(stack, many)
        time.sleep(2)  # the replays replay_many enqueued

    pages: list[str] = []
    deadline = time.monotonic() + 30
    parks: list[str] = []
    while time.monotonic() < deadline and not parks:
        listed = httpx.get(
            f"{base}/api/tasks", params={"taskname": "deadletter.park"}, auth=auth, timeout=5
        )
        parks = list(listed.json()) if listed.status_code == 200 else []
        time.sleep(0.5)
    assert parks, "Flower never listed a deadletter.park task"
    pages.append(listed.text)
    pages.append(
        httpx.get(
            f"{base}/tasks/datatable",
            params={"draw": 1, "start": 0, "length": 500, "search[value]": "deadletter"},
            auth=auth,
            timeout=5,
        ).text
    )
    for path in ("/tasks", "/broker", f"/task/{parks[0]}", f"/task/{replayed}", f"/task/{many}"):
        page = httpx.get(f"{base}{path}", auth=auth, timeout=5)
        assert page.status_code == 200, path
        pages.append(page.text)
    assert any("dead_letter_id" in page for page in pages)

    haystacks = [
        *recorder.texts(),
        *stored_values(broker),
        stack.logs(),
        *_all_rows(stack.database_url),
        *pages,
    ]
    assert any("deadletter.replay" in text for text in recorder.texts())
    assert leaks([PIPEDRIVE_TOKEN, BREVO_KEY, FLOWER_PASSWORD], haystacks) == []
