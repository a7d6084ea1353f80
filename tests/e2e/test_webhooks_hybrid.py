"""Hybrid mode end to end: the Pipedrive fake delivers webhooks to `tajo webhooks serve`, a real
worker refetches and writes, and beat's incremental run catches the changes whose webhooks were
dropped."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from sandbox.pipedrive.webhooks_api import webhooks_of
from sandbox.server import SandboxHandle
from tests.e2e.conftest import StackFactory
from tests.e2e.test_pipedrive_persons_sync import assert_contact_matches
from tests.support.stack import Stack, succeeded
from workers.processes import Child

TAJO = str(Path(sys.executable).parent / "tajo")
HOOK_USER = "pipedrive-hooks"
HOOK_PASSWORD = "hook-pass-e2e-51c9a7"
RECORDS = 200


def start_ingress(stack: Stack, port: int) -> str:
    env = {**stack.env, "TAJO_WEBHOOKS_DEBOUNCE_SECONDS": "0.3"}
    child = Child(
        "webhooks",
        [TAJO, "webhooks", "serve", "--port", str(port)],
        stack.tmp / "logs" / "webhooks.log",
        env,
    )
    stack.children.append(child)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return url
        except httpx.HTTPError:
            pass
        assert child.alive(), stack.logs()
        time.sleep(0.2)
    raise AssertionError(f"the ingress did not answer\n{stack.logs()}")


def tajo(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TAJO, *args], env={**stack.env, "PIPEDRIVE_WEBHOOK_PASSWORD": HOOK_PASSWORD},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def wait_until(check: Callable[[], bool], timeout: float, what: str, stack: Stack) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n{stack.logs()}")


def last_name_in_brevo(sandbox: SandboxHandle, person_id: int) -> Any:
    contact = sandbox.brevo.contact_by_ext_id(f"pipedrive:persons:{person_id}")
    return None if contact is None else contact["attributes"].get("LASTNAME")


def _writable(sandbox: SandboxHandle, person_id: int) -> bool:
    """A person whose only identifier is a plain valid email (no phone to reject)."""
    person = sandbox.pipedrive.person(person_id)
    emails = [e.get("value") for e in person.get("emails") or []]
    return (
        len(emails) == 1
        and isinstance(emails[0], str)
        and emails[0].count("@") == 1
        and not person.get("phones")
    )


def current(sandbox: SandboxHandle, person_id: int) -> bool:
    return (
        last_name_in_brevo(sandbox, person_id) == sandbox.pipedrive.person(person_id)["last_name"]
    )


def test_webhooks_dropped_for_a_tenth_of_changes_are_caught_by_the_scheduled_incremental_run(
    make_stack: StackFactory, unused_port: int
) -> None:
    stack, sandbox = make_stack(
        RECORDS,
        webhook_auth={"username": HOOK_USER, "password": "${PIPEDRIVE_WEBHOOK_PASSWORD}"},
        modes={"persons": "hybrid"},
        schedule={"incremental": "4s"},
    )
    stack.extra_env["PIPEDRIVE_WEBHOOK_PASSWORD"] = HOOK_PASSWORD
    stack.start_worker(concurrency=2)
    stack.sync_persons("full")
    stack.wait_for_succeeded(1, 120)

    url = start_ingress(stack, unused_port)
    registered = tajo(stack, "webhooks", "register", "pipedrive", "--url", url)
    assert registered.returncode == 0, registered.stderr
    again = tajo(stack, "webhooks", "register", "pipedrive", "--url", url)
    assert again.returncode == 0, again.stderr
    assert "kept" in again.stdout
    [hook] = webhooks_of(sandbox.pipedrive).hooks.values()
    assert (hook.version, hook.event_object, hook.http_auth_user) == ("2.0", "person", HOOK_USER)
    listed = tajo(stack, "webhooks", "list", "pipedrive")
    assert listed.returncode == 0
    assert f"{url}/webhooks/pipedrive" in listed.stdout
    assert HOOK_PASSWORD not in listed.stdout + registered.stdout

    changed = sandbox.pipedrive.pick_fraction(0.2, seed=5)
    dropped = changed[::10]  # every tenth change never gets its webhook
    delivered = [person_id for person_id in changed if person_id not in dropped]
    sandbox.pipedrive.touch(dropped)
    answer = httpx.post(
        f"{sandbox.urls['pipedrive']}/_sandbox/webhooks/emit",
        json={"ids": delivered, "touch": True},
        timeout=30,
    ).json()
    assert {d["status"] for d in answer["delivered"]} == {200}

    wait_until(
        lambda: all(current(sandbox, i) for i in delivered
                    if sandbox.brevo.contact_by_ext_id(f"pipedrive:persons:{i}")),
        60, "the webhook refetches to reach Brevo", stack,
    )  # fmt: skip
    assert not any(current(sandbox, i) for i in dropped), "nothing but webhooks ran yet"
    assert len(stack.jobs()) == 1, "no batch job helped the webhook path"

    stack.start_beat()
    stack.wait_for(lambda jobs: len(succeeded(jobs)) >= 2, 120, "the scheduled incremental run")
    for person_id in range(1, RECORDS + 1):
        assert_contact_matches(sandbox, person_id)
    incremental = succeeded(stack.jobs())[1]
    assert incremental.mode == "incremental"
    # The incremental run found the delivered changes already written (the ledger skipped them).
    assert incremental.written == sum(
        1 for i in dropped if sandbox.brevo.contact_by_ext_id(f"pipedrive:persons:{i}")
    )


def test_a_deleted_person_leaves_the_connector_list_and_a_repeated_delivery_is_written_once(
    make_stack: StackFactory, unused_port: int
) -> None:
    stack, sandbox = make_stack(
        40,
        webhook_auth={"username": HOOK_USER, "password": "${PIPEDRIVE_WEBHOOK_PASSWORD}"},
        modes={"persons": "realtime"},
    )
    stack.extra_env["PIPEDRIVE_WEBHOOK_PASSWORD"] = HOOK_PASSWORD
    stack.start_worker(concurrency=2)
    url = start_ingress(stack, unused_port)
    assert tajo(stack, "webhooks", "register", "pipedrive", "--url", url).returncode == 0

    # A person the fake no longer has (ids above its count answer 404) whose contact Brevo holds.
    gone = 41
    created = httpx.post(
        f"{sandbox.urls['brevo']}/contacts",
        json={"email": "gone@example.com", "ext_id": f"pipedrive:persons:{gone}", "listIds": [60],
              "attributes": {"EXT_ID": f"pipedrive:persons:{gone}"}},
        headers={"api-key": stack.env["BREVO_API_KEY"]}, timeout=10,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    emit = f"{sandbox.urls['pipedrive']}/_sandbox/webhooks/emit"
    changed = next(i for i in range(1, 41) if _writable(sandbox, i))
    httpx.post(emit, json={"ids": [changed], "touch": True, "repeat": 3}, timeout=30)
    httpx.post(emit, json={"ids": [gone], "action": "delete"}, timeout=30)

    wait_until(
        lambda: current(sandbox, changed)
        and 60 not in (sandbox.brevo.contact_by_ext_id(f"pipedrive:persons:{gone}") or {})
        .get("listIds", [60]),
        60, "the change and the delete to reach Brevo", stack,
    )  # fmt: skip
    assert sandbox.brevo.contact_by_ext_id(f"pipedrive:persons:{gone}") is not None
    time.sleep(1.0)
    upserts = [
        r for r in sandbox.brevo.requests if r["method"] == "POST" and r["path"] == "/v3/contacts"
    ]
    assert len(upserts) == 2  # the seeded contact, and person 3 once for three deliveries
    assert stack.jobs() == [], [(j.mode, j.status, j.error) for j in stack.jobs()]
