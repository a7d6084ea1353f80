"""The webhook ingress over real HTTP, with real Redis (dedupe, debounce) and the real broker.

No worker runs here, so every refetch the app enqueues stays in the `src.pipedrive` list, where
the tests count them.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from sandbox.common.background import BackgroundServer
from sandbox.pipedrive.webhooks_api import webhooks_of
from sandbox.server import SandboxHandle, start_sandbox
from tasks.brevo_imports import NOTIFY_PATH, signature
from tests.support.infra import redis_client
from tests.support.stack import BREVO_KEY, PIPEDRIVE_TOKEN, write_config
from workers.config import ConfigCache
from workers.settings import Settings
from workers.webhooks.serve import build_app
from workers.webhooks.settings import IngressSettings

HOOK_USER = "pipedrive-hooks"
HOOK_PASSWORD = "hook-pass-8d1f0c2b7a"
QUEUE = "src.pipedrive"
#: Long enough that five posts in a row land in one window on a loaded machine, short enough
#: that waiting it out keeps the tests quick.
DEBOUNCE = 1.0


@dataclass
class Ingress:
    url: str
    broker: redis.Redis
    config_path: Path
    sandbox: SandboxHandle

    def post(self, body: bytes | dict[str, Any], **headers: str) -> httpx.Response:
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.post(
            f"{self.url}/webhooks/pipedrive",
            content=content,
            headers={"content-type": "application/json", **headers},
            timeout=10,
        )

    def enqueued(self, queue: str = QUEUE, task: str = "sync.refetch") -> list[dict[str, Any]]:
        """The kwargs of every task waiting in a queue (refetches in the Pipedrive one)."""
        messages = [json.loads(raw) for raw in self.broker.lrange(queue, 0, -1)]
        found = []
        for message in messages:
            assert message["headers"]["task"] == task
            _, kwargs, _ = json.loads(base64.b64decode(message["body"]))
            found.append(kwargs)
        return found


def basic(user: str = HOOK_USER, password: str = HOOK_PASSWORD) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def delivery(person_id: int, action: str = "change", meta_id: str | None = None) -> dict[str, Any]:
    return {
        "meta": {
            "id": meta_id or str(uuid.uuid4()),
            "action": action,
            "entity": "person",
            "entity_id": str(person_id),
            "version": "2.0",
            "attempt": 1,
        },
        "data": {"id": person_id},
        "previous": None,
    }


@pytest.fixture
def ingress(
    tmp_path: Path, broker_url: str, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Ingress]:
    monkeypatch.setenv("PIPEDRIVE_API_TOKEN", PIPEDRIVE_TOKEN)
    monkeypatch.setenv("BREVO_API_KEY", BREVO_KEY)
    monkeypatch.setenv("PIPEDRIVE_WEBHOOK_PASSWORD", HOOK_PASSWORD)
    sandbox = start_sandbox(records=50, seed=3, pipedrive_token=PIPEDRIVE_TOKEN)
    config_path = write_config(
        tmp_path / "tajo.yaml",
        sandbox.urls,
        webhook_auth={"username": HOOK_USER, "password": "${PIPEDRIVE_WEBHOOK_PASSWORD}"},
        modes={"persons": "hybrid"},
    )
    process = Settings(
        broker_url=broker_url,
        database_url=database_url,
        config=config_path,
        var_dir=tmp_path / "var",
    )
    app = build_app(IngressSettings(debounce_seconds=DEBOUNCE, dedupe_ttl_seconds=600), process)
    server = BackgroundServer(app, host="127.0.0.1", port=0, name="ingress")
    server.start()
    try:
        yield Ingress(server.base_url, redis_client(broker_url), config_path, sandbox)
    finally:
        server.stop()
        sandbox.stop()


def test_a_delivery_with_the_right_basic_auth_enqueues_one_refetch_on_the_vendor_queue(
    ingress: Ingress,
) -> None:
    response = ingress.post(delivery(7), authorization=basic())
    assert response.status_code == 200
    assert response.json() == {
        "status": "accepted",
        "enqueued": 1,
        "events": 0,
        "coalesced": 0,
        "ignored": 0,
    }
    assert ingress.enqueued() == [
        {"connector": "pipedrive", "resource": "persons", "object_id": "7", "hint": "change"}
    ]


def test_the_same_delivery_again_is_acknowledged_and_enqueues_nothing(ingress: Ingress) -> None:
    body = delivery(8)
    assert ingress.post(body, authorization=basic()).json()["enqueued"] == 1
    time.sleep(DEBOUNCE + 0.2)  # past the debounce window: only dedupe can stop it now
    again = ingress.post(body, authorization=basic())
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert len(ingress.enqueued()) == 1


def test_wrong_or_missing_basic_auth_is_401_and_enqueues_nothing(ingress: Ingress) -> None:
    assert ingress.post(delivery(9), authorization=basic(password="wrong")).status_code == 401
    assert ingress.post(delivery(9), authorization=basic(user="someone")).status_code == 401
    assert ingress.post(delivery(9)).status_code == 401
    assert ingress.post(delivery(9), authorization="Bearer " + HOOK_PASSWORD).status_code == 401
    assert ingress.enqueued() == []


def test_a_body_over_512_kb_is_413_and_enqueues_nothing(ingress: Ingress) -> None:
    body = delivery(10)
    body["data"]["padding"] = "x" * (600 * 1024)
    response = ingress.post(body, authorization=basic())
    assert response.status_code == 413
    assert ingress.enqueued() == []


def test_a_body_that_is_not_a_delivery_is_400_naming_what_is_wrong(ingress: Ingress) -> None:
    broken = ingress.post(b'{"meta": {"id": "1", ', authorization=basic())
    assert broken.status_code == 400
    assert "JSON" in broken.json()["error"]
    no_id = delivery(11)
    del no_id["meta"]["id"]
    answer = ingress.post(no_id, authorization=basic())
    assert answer.status_code == 400
    assert "meta.id" in answer.json()["error"]
    assert ingress.enqueued() == []


def test_an_unknown_connector_or_one_without_pushed_resources_is_404(ingress: Ingress) -> None:
    unknown = httpx.post(f"{ingress.url}/webhooks/nosuchvendor", content=b"{}", timeout=10)
    assert unknown.status_code == 404
    # The config is re-read when it changes: persons back to batch turns Pipedrive's ingress off.
    config = json.loads(ingress.config_path.read_text())
    config["connectors"]["pipedrive"]["modes"] = {"persons": "batch"}
    time.sleep(0.01)
    ingress.config_path.write_text(json.dumps(config))
    assert ingress.post(delivery(12), authorization=basic()).status_code == 404
    assert ingress.enqueued() == []


def test_many_hints_for_one_person_within_the_window_coalesce_into_one_refetch(
    ingress: Ingress,
) -> None:
    answers = [ingress.post(delivery(13), authorization=basic()).json() for _ in range(5)]
    assert [a["enqueued"] for a in answers] == [1, 0, 0, 0, 0]
    assert sum(a["coalesced"] for a in answers) == 4
    time.sleep(DEBOUNCE + 0.2)
    assert ingress.post(delivery(13), authorization=basic()).json()["enqueued"] == 1
    assert len(ingress.enqueued()) == 2


def test_a_merge_refetches_the_merged_away_person_and_its_survivor(ingress: Ingress) -> None:
    body = delivery(14, action="delete")
    body["meta"]["merged_to_id"] = "15"
    assert ingress.post(body, authorization=basic()).json()["enqueued"] == 2
    assert sorted((k["object_id"], k["hint"]) for k in ingress.enqueued()) == [
        ("14", "merge"),
        ("15", "change"),
    ]


def test_deliveries_the_pipedrive_fake_sends_to_a_registered_subscription_are_taken(
    ingress: Ingress,
) -> None:
    registry = webhooks_of(ingress.sandbox.pipedrive)
    registry.add(
        {
            "subscription_url": f"{ingress.url}/webhooks/pipedrive",
            "event_action": "*",
            "event_object": "person",
            "http_auth_user": HOOK_USER,
            "http_auth_password": HOOK_PASSWORD,
            "version": "2.0",
        }
    )
    emitted = httpx.post(
        f"{ingress.sandbox.urls['pipedrive']}/_sandbox/webhooks/emit",
        json={"ids": [20, 21, 22], "touch": True, "repeat": 2},
        timeout=10,
    ).json()["delivered"]
    assert len(emitted) == 6
    assert {d["status"] for d in emitted} == {200}
    assert sorted(k["object_id"] for k in ingress.enqueued()) == ["20", "21", "22"]


def test_healthz_answers_with_redis_reachable(ingress: Ingress) -> None:
    response = httpx.get(f"{ingress.url}/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json()["redis"] is True


def test_the_docs_webhook_rules_send_each_delivery_s_brevo_event_once(ingress: Ingress) -> None:
    config = json.loads(ingress.config_path.read_text())
    config["connectors"]["pipedrive"]["webhooks"] = [
        {"event_action": "updated", "event_object": "person", "brevo_event": "contact_updated"},
        {"event_action": "merged", "event_object": "person", "brevo_event": "contact_merged"},
    ]
    time.sleep(0.01)
    ingress.config_path.write_text(json.dumps(config))
    body = delivery(16)
    assert ingress.post(body, authorization=basic()).json()["events"] == 1
    assert ingress.post(body, authorization=basic()).json()["status"] == "duplicate"
    [batch] = ingress.enqueued("sink.brevo", "brevo.write_ops")
    assert batch["kind"] == "event.track"
    [item] = batch["items"]
    assert item["operation"]["body"]["event_name"] == "contact_updated"
    assert item["operation"]["body"]["identifiers"] == {"ext_id": "pipedrive:persons:16"}


def test_a_brevo_import_callback_with_our_signature_enqueues_one_read_of_the_import(
    ingress: Ingress,
) -> None:
    brevo = ConfigCache(ingress.config_path).get().brevo
    query = {"import": "41", "sig": signature(brevo, 41)}
    answer = httpx.post(
        f"{ingress.url}{NOTIFY_PATH}", params=query, json={"status": "completed"}, timeout=10
    )
    assert answer.status_code == 200
    assert answer.json()["import_id"] == 41
    assert ingress.enqueued("sink.brevo", "brevo.await_import") == [
        {"import_id": 41, "notified": True}
    ]


def test_a_brevo_import_callback_with_a_forged_signature_is_403_and_enqueues_nothing(
    ingress: Ingress,
) -> None:
    forged = {"import": "41", "sig": "0" * 32}
    answer = httpx.post(f"{ingress.url}{NOTIFY_PATH}", params=forged, json={}, timeout=10)
    assert answer.status_code == 403
    unnamed = httpx.post(f"{ingress.url}{NOTIFY_PATH}", json={}, timeout=10)
    assert unnamed.status_code == 403
    assert ingress.enqueued("sink.brevo", "brevo.await_import") == []
