"""The Shopify webhook ingress over real HTTP, with real Redis (dedupe, debounce) and the real
broker. No worker runs here, so every refetch the app enqueues stays in the `src.shopify` list."""

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
from pydantic import SecretStr

from connectors.core import ratelimit
from connectors.core.webhooks import hmac_base64
from connectors.shopify import webhooks as shopify_webhooks
from sandbox.common.background import BackgroundServer
from sandbox.server import SandboxHandle, start_sandbox
from tests.support import infra
from tests.support.infra import redis_client
from tests.support.stack import BREVO_KEY, PIPEDRIVE_TOKEN, SHOPIFY_TOKEN, shopify_block
from tests.support.stack import write_config as write_stack_config
from workers.config import ConfigCache
from workers.settings import Settings
from workers.webhooks.serve import build_app
from workers.webhooks.settings import IngressSettings

SECRET = "shopify-app-secret-3c9e1a"
QUEUE = "src.shopify"
DEBOUNCE = 1.0
MODES = {"customers": "hybrid", "orders": "realtime", "products": "hybrid", "carts": "hybrid"}


@dataclass
class Ingress:
    url: str
    broker: redis.Redis
    config_path: Path
    sandbox: SandboxHandle

    def post(
        self, body: bytes | dict[str, Any], topic: str = "customers/update", **headers: str
    ) -> httpx.Response:
        """A delivery signed as Shopify signs it (unless `headers` say otherwise)."""
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent = {
            "content-type": "application/json",
            "x-shopify-topic": topic,
            "x-shopify-webhook-id": str(uuid.uuid4()),
            "x-shopify-hmac-sha256": hmac_base64(SecretStr(SECRET), content),
            **headers,
        }
        return httpx.post(f"{self.url}/webhooks/shopify", content=content, headers=sent, timeout=10)

    def enqueued(self) -> list[dict[str, Any]]:
        """The kwargs of every refetch waiting in the Shopify queue."""
        found = []
        for raw in self.broker.lrange(QUEUE, 0, -1):
            message = json.loads(raw)
            assert message["headers"]["task"] == "sync.refetch"
            _, kwargs, _ = json.loads(base64.b64decode(message["body"]))
            found.append(kwargs)
        return found

    def reset(self) -> None:
        """The config as the module starts it, an empty broker, no subscriptions."""
        shop = shopify_block(
            self.sandbox.urls,
            api_secret="${SHOPIFY_API_SECRET}",
            sync=dict.fromkeys(MODES, True),
            modes=MODES,
        )
        time.sleep(0.01)  # a new modification time: the app reads the file again
        write_stack_config(self.config_path, self.sandbox.urls, shopify=shop)
        self.broker.flushdb()
        self.sandbox.shopify.webhooks.reset()

    def rewrite(self, **shopify: Any) -> None:
        """Change the Shopify block (the app re-reads the config when the file changes)."""
        config = json.loads(self.config_path.read_text())
        config["connectors"]["shopify"].update(shopify)
        time.sleep(0.01)
        self.config_path.write_text(json.dumps(config))


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ingress]:
    """One sandbox, broker and ingress for the module (each test starts from a clean slate)."""
    tmp_path = tmp_path_factory.mktemp("shopify-ingress")
    env = {
        "PIPEDRIVE_API_TOKEN": PIPEDRIVE_TOKEN,
        "BREVO_API_KEY": BREVO_KEY,
        "SHOPIFY_ACCESS_TOKEN": SHOPIFY_TOKEN,
        "SHOPIFY_API_SECRET": SECRET,
    }
    with pytest.MonkeyPatch.context() as monkeypatch, infra.broker(tmp_path / "redis") as broker:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        sandbox = start_sandbox(
            records=20, seed=3, shopify_token=SHOPIFY_TOKEN, shopify_secret=SECRET
        )
        config_path = tmp_path / "tajo.yaml"
        process = Settings(
            broker_url=broker, database_url=f"sqlite:///{tmp_path / 'tajo.db'}",
            config=config_path, var_dir=tmp_path / "var",
        )  # fmt: skip
        ingress = Ingress("", redis_client(broker), config_path, sandbox)
        ingress.reset()
        gate = ratelimit.current_gate()
        app = build_app(IngressSettings(debounce_seconds=DEBOUNCE, dedupe_ttl_seconds=600), process)
        # Building the app installs the process's request gate; this fixture outlives a test,
        # so it puts the gate back itself (later tests must not meter through this Redis).
        ratelimit.install_gate(gate)
        server = BackgroundServer(app, host="127.0.0.1", port=0, name="ingress")
        server.start()
        ingress.url = server.base_url
        try:
            yield ingress
        finally:
            server.stop()
            sandbox.stop()


@pytest.fixture
def ingress(running: Ingress) -> Ingress:
    running.reset()
    return running


def customer(customer_id: int) -> dict[str, Any]:
    return {
        "id": customer_id,
        "admin_graphql_api_id": f"gid://shopify/Customer/{customer_id}",
        "email": f"c{customer_id}@example.com",
    }


def test_a_correctly_signed_delivery_enqueues_one_refetch_on_the_shopify_queue(
    ingress: Ingress,
) -> None:
    response = ingress.post(customer(7))
    assert response.status_code == 200
    assert response.json()["enqueued"] == 1
    assert ingress.enqueued() == [
        {"connector": "shopify", "resource": "customers", "object_id": "7", "hint": "change"}
    ]


def test_the_same_delivery_id_again_is_acknowledged_and_enqueues_nothing(ingress: Ingress) -> None:
    delivery = str(uuid.uuid4())
    assert ingress.post(customer(8), **{"x-shopify-webhook-id": delivery}).json()["enqueued"] == 1
    time.sleep(DEBOUNCE + 0.2)  # past the debounce window: only dedupe can stop it now
    again = ingress.post(customer(8), **{"x-shopify-webhook-id": delivery})
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert len(ingress.enqueued()) == 1


def test_a_body_changed_by_one_byte_after_signing_is_401_and_enqueues_nothing(
    ingress: Ingress,
) -> None:
    body = json.dumps(customer(9)).encode()
    signature = hmac_base64(SecretStr(SECRET), body)
    tampered = body.replace(b'"id": 9', b'"id": 8')
    assert len(tampered) == len(body)
    assert tampered != body
    answer = ingress.post(tampered, **{"x-shopify-hmac-sha256": signature})
    assert answer.status_code == 401
    assert ingress.post(body, **{"x-shopify-hmac-sha256": ""}).status_code == 401
    wrong_key = hmac_base64(SecretStr("another-secret"), body)
    assert ingress.post(body, **{"x-shopify-hmac-sha256": wrong_key}).status_code == 401
    assert ingress.enqueued() == []


def test_a_600_kb_body_is_413_and_enqueues_nothing(ingress: Ingress) -> None:
    body = {**customer(10), "note": "x" * (600 * 1024)}
    assert ingress.post(body).status_code == 413
    assert ingress.enqueued() == []


def test_malformed_json_or_a_delivery_without_its_id_header_is_400(ingress: Ingress) -> None:
    broken = ingress.post(b'{"id": 11, ')
    assert broken.status_code == 400
    assert "JSON" in broken.json()["error"]
    unnamed = ingress.post(customer(11), **{"x-shopify-webhook-id": ""})
    assert unnamed.status_code == 400
    assert "X-Shopify-Webhook-Id" in unnamed.json()["error"]
    no_id = ingress.post({"email": "someone@example.com"})
    assert no_id.status_code == 400
    assert ingress.enqueued() == []


def test_a_connector_whose_webhooks_are_off_is_404(ingress: Ingress) -> None:
    ingress.rewrite(modes={"customers": "batch"})
    assert ingress.post(customer(12)).status_code == 404
    ingress.rewrite(modes=MODES, api_secret=None)
    assert ingress.post(customer(12)).status_code == 404
    assert ingress.enqueued() == []


def test_many_hints_for_one_customer_within_the_window_coalesce_into_one_refetch(
    ingress: Ingress,
) -> None:
    answers = [ingress.post(customer(13)).json() for _ in range(5)]
    assert [a["enqueued"] for a in answers] == [1, 0, 0, 0, 0]
    assert sum(a["coalesced"] for a in answers) == 4
    assert len(ingress.enqueued()) == 1


def test_topics_name_their_resource_and_delete_topics_hint_a_delete(ingress: Ingress) -> None:
    ingress.post({"id": 21}, topic="products/delete")
    ingress.post({"id": 22, "line_items": []}, topic="orders/paid")
    ingress.post({"id": 23, "token": "abc"}, topic="checkouts/update")
    ingress.post({"id": 24}, topic="customers/delete")
    assert sorted((k["resource"], k["object_id"], k["hint"]) for k in ingress.enqueued()) == [
        ("carts", "23", "change"),
        ("customers", "24", "delete"),
        ("orders", "22", "change"),
        ("products", "21", "delete"),
    ]


def test_a_topic_this_connector_does_not_sync_is_taken_with_nothing_to_do(
    ingress: Ingress,
) -> None:
    answer = ingress.post({"id": 1, "name": "shop"}, topic="app/uninstalled")
    assert answer.status_code == 200
    assert answer.json()["enqueued"] == 0
    ingress.rewrite(modes={"customers": "hybrid"})
    ignored = ingress.post({"id": 30}, topic="orders/create")
    assert ignored.json()["ignored"] == 1
    assert ingress.enqueued() == []


def test_deliveries_the_shopify_fake_signs_and_sends_to_a_registered_subscription_are_taken(
    ingress: Ingress,
) -> None:
    settings = ConfigCache(ingress.config_path).get().connectors.shopify
    assert settings is not None
    url = f"{ingress.url}/webhooks/shopify"
    shopify_webhooks.register(settings, url, ["customers/update", "orders/create"])
    order = next(o for c in range(1, 21) for o in ingress.sandbox.shopify.orders_of(c))
    sent = [
        *ingress.sandbox.shopify.deliver("customers/update", 3),
        *ingress.sandbox.shopify.deliver("orders/create", order),
    ]
    assert [d.status for d in sent] == [200, 200]
    assert sorted((k["resource"], k["object_id"]) for k in ingress.enqueued()) == [
        ("customers", "3"),
        ("orders", str(order)),
    ]
