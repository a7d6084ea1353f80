"""Run the fakes: `start_sandbox()` in background threads (tests, benchmarks), `serve()` in the
foreground until SIGINT/SIGTERM (`tajo sandbox serve`, `python -m sandbox`)."""

from __future__ import annotations

import json
import signal
import sys
import threading
from dataclasses import dataclass, field
from types import FrameType, TracebackType

import httpx

from sandbox.brevo import BrevoFake, create_brevo_app
from sandbox.brevo.spec import brevo_openapi
from sandbox.common.background import BackgroundServer, ServerStartError
from sandbox.pipedrive import PipedriveFake, create_pipedrive_app
from sandbox.pipedrive.fake import DEFAULT_BURST
from sandbox.shopify import ShopifyFake, create_shopify_app
from sandbox.shopify.bucket import DEFAULT_MAXIMUM, DEFAULT_RESTORE_RATE

HEALTH_PATH = "/_sandbox/health"
#: The client secret the sandbox shop signs its webhooks with unless told another.
DEFAULT_SHOPIFY_SECRET = "sandbox-shopify-secret"


@dataclass
class SandboxHandle:
    #: {"pipedrive": "http://127.0.0.1:PORT", "brevo": "http://127.0.0.1:PORT2/v3"}
    urls: dict[str, str]
    #: live state of the Pipedrive fake (same process)
    pipedrive: PipedriveFake
    #: live state of the Brevo fake (same process)
    brevo: BrevoFake
    #: live state of the Shopify fake (same process); its API is `{url}/admin/api/2025-01`
    shopify: ShopifyFake
    _servers: list[BackgroundServer] = field(default_factory=list, repr=False)

    def reset(self) -> None:
        """Reset every fake to its starting state (servers keep running on the same ports)."""
        self.pipedrive.reset()
        self.brevo.reset()
        self.shopify.reset()

    def stop(self) -> None:
        """Stop every server and the Brevo import thread; returns when their threads ended."""
        for server in self._servers:
            server.request_stop()  # both shut down at once; each takes a few uvicorn ticks
        for server in self._servers:
            server.stop()
        self.brevo.close()

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_sandbox(
    *,
    records: int = 1000,
    seed: int = 0,
    host: str = "127.0.0.1",
    pipedrive_port: int = 0,
    brevo_port: int = 0,
    pipedrive_token: str | None = None,
    brevo_api_key: str | None = None,
    import_delay_seconds: float = 0.05,
    pipedrive_burst: int | None = None,
    shopify_port: int = 0,
    shopify_customers: int | None = None,
    shopify_token: str | None = None,
    shopify_secret: str = DEFAULT_SHOPIFY_SECRET,
    shopify_bucket: tuple[float, float] | None = None,
    shopify_bulk_delay_seconds: float = 0.3,
) -> SandboxHandle:
    """Start the fakes in background threads; returns once every one answers HTTP.

    Port 0 picks a free port. A token/key left as None means any non-empty one is accepted.
    `pipedrive_burst` None means Pipedrive's 80 requests per 2 s (switch it off at runtime
    with `handle.pipedrive.set_rate_limit(None)`). `shopify_customers` None means `records`;
    `shopify_bucket` is (points, restored per second), None for the Standard plan's.
    """
    brevo_openapi()  # parse the spec now rather than on the first request
    pipedrive = PipedriveFake(
        records=records,
        seed=seed,
        token=pipedrive_token,
        burst=DEFAULT_BURST if pipedrive_burst is None else pipedrive_burst,
    )
    brevo = BrevoFake(api_key=brevo_api_key, import_delay_seconds=import_delay_seconds)
    bucket_size, restore_rate = shopify_bucket or (DEFAULT_MAXIMUM, DEFAULT_RESTORE_RATE)
    shopify = ShopifyFake(
        customers=records if shopify_customers is None else shopify_customers,
        seed=seed,
        token=shopify_token,
        client_secret=shopify_secret,
        bulk_delay_seconds=shopify_bulk_delay_seconds,
        bucket_size=bucket_size,
        restore_rate=restore_rate,
    )
    servers: list[BackgroundServer] = []
    try:
        servers.append(
            BackgroundServer(
                create_pipedrive_app(pipedrive),
                host=host,
                port=pipedrive_port,
                name="sandbox-pipedrive",
            )
        )
        servers.append(
            BackgroundServer(
                create_brevo_app(brevo), host=host, port=brevo_port, name="sandbox-brevo"
            )
        )
        servers.append(
            BackgroundServer(
                create_shopify_app(shopify), host=host, port=shopify_port, name="sandbox-shopify"
            )
        )
        for server in servers:
            server.start()
            _wait_until_answering(server.base_url)
    except BaseException:
        for server in servers:
            server.stop()
        brevo.close()
        raise
    pipedrive_server, brevo_server, shopify_server = servers
    return SandboxHandle(
        urls={
            "pipedrive": pipedrive_server.base_url,
            "brevo": f"{brevo_server.base_url}/v3",
            "shopify": shopify_server.base_url,
        },
        pipedrive=pipedrive,
        brevo=brevo,
        shopify=shopify,
        _servers=servers,
    )


def _wait_until_answering(base_url: str) -> None:
    try:
        response = httpx.get(f"{base_url}{HEALTH_PATH}", timeout=5.0)
    except httpx.HTTPError as exc:
        raise ServerStartError(f"{base_url} does not answer: {exc}") from exc
    if response.status_code != 200:
        raise ServerStartError(f"{base_url} answered {response.status_code} to its health check")


def serve(
    *,
    records: int,
    seed: int,
    host: str = "127.0.0.1",
    pipedrive_port: int = 0,
    brevo_port: int = 0,
    shopify_port: int = 0,
) -> None:
    """Serve the fakes until SIGINT/SIGTERM.

    The first stdout line (flushed) is exactly one JSON object with the base URLs, for a parent
    process to read: `{"pipedrive": "http://...", "brevo": "http://.../v3", "shopify": ...}`.
    """
    handle = start_sandbox(
        records=records,
        seed=seed,
        host=host,
        pipedrive_port=pipedrive_port,
        brevo_port=brevo_port,
        shopify_port=shopify_port,
    )
    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, request_stop)
    try:
        sys.stdout.write(json.dumps(handle.urls) + "\n")
        sys.stdout.flush()
        # A timed wait keeps the main thread responsive to signals.
        while not stopping.wait(0.5):
            pass
    finally:
        handle.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
