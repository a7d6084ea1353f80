"""Imports followed by Brevo's notifyUrl callback instead of polling, through real workers.

The webhooks app hands a Brevo import callback to `tasks.brevo_imports.import_notified`; here a
small HTTP receiver in the test process does exactly that with what the sandbox POSTs.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from celery import Celery
from celery import _state as celery_state

from connectors.config import TajoConfig
from tasks import runtime
from tasks.brevo_imports import NOTIFY_PATH, NotifyRefused, import_notified
from tests.e2e.conftest import StackFactory
from tests.support.stack import BREVO_KEY


class Receiver:
    """Takes Brevo's callbacks and passes them to `import_notified`, as the webhooks app does."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.refused = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                url = urlsplit(self.path)
                receiver.calls.append((url.path, body))
                try:
                    if url.path != NOTIFY_PATH:
                        raise NotifyRefused("not the import callback path")
                    import_notified(body, dict(parse_qsl(url.query)))
                    self.send_response(204)
                except NotifyRefused:
                    receiver.refused += 1
                    self.send_response(403)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.stop()


def test_imports_finish_on_brevos_callback_with_at_most_one_read_each_and_no_polling(
    make_stack: StackFactory, receiver: Receiver
) -> None:
    stack, sandbox = make_stack(600)
    config = json.loads(stack.config_path.read_text(encoding="utf-8"))
    config["brevo"].update(webhooks_base_url=receiver.url, import_batch_records=250)
    stack.config_path.write_text(json.dumps(config), encoding="utf-8")
    # This process plays the webhooks app: the same config, and a Celery app on the broker.
    settings = TajoConfig.model_validate(
        {**config, "brevo": {**config["brevo"], "api_key": BREVO_KEY}}
    )
    previous = runtime._current
    runtime.install(runtime.Runtime(new_session=lambda: None, config=lambda: settings))  # type: ignore[arg-type,return-value]
    app = Celery("webhooks-app", broker=stack.broker_url)
    # The receiver answers on its own threads: the app must be the process-wide default.
    default = celery_state.default_app
    app.set_default()
    try:
        stack.start_worker()
        stack.sync_persons()
        # The first fallback poll would come minutes later: only the callback can finish it.
        [job] = stack.wait_for_succeeded(1, 60)
    finally:
        app.close()
        celery_state.default_app = default
        runtime._current = previous

    imports = sandbox.brevo.request_count("/v3/contacts/import")
    assert imports >= 2
    assert len(receiver.calls) == imports
    assert receiver.refused == 0
    # One read per callback at most: a read that finds several imports done settles them all.
    assert 1 <= sandbox.brevo.request_count("/v3/processes") <= imports
    assert job.written == sandbox.brevo.contact_count()


def test_a_callback_with_a_forged_signature_is_refused_and_enqueues_nothing(
    make_stack: StackFactory,
) -> None:
    make_stack(10)
    settings = TajoConfig.model_validate({"brevo": {"api_key": BREVO_KEY}})
    previous = runtime._current
    runtime.install(runtime.Runtime(new_session=lambda: None, config=lambda: settings))  # type: ignore[arg-type,return-value]
    try:
        with pytest.raises(NotifyRefused):
            import_notified({"id": 1, "status": "completed"}, {"import": "1", "sig": "0" * 32})
        with pytest.raises(NotifyRefused):
            import_notified({}, {"sig": "x"})
    finally:
        runtime._current = previous
