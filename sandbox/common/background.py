"""Run one ASGI app under uvicorn in a background thread, on a socket bound before it starts.

Binding first means the port is known (port 0 picks a free one) before the thread runs, and a
caller never races the server for it. Logging stays quiet: no access log, uvicorn's own loggers
at WARNING, and uvicorn never reconfigures the host application's logging.
"""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from starlette.types import ASGIApp

STARTUP_TIMEOUT_SECONDS = 10.0
SHUTDOWN_TIMEOUT_SECONDS = 10.0


class ServerStartError(RuntimeError):
    """The server thread died or did not start listening in time."""


class BackgroundServer:
    def __init__(self, app: ASGIApp, *, host: str, port: int, name: str) -> None:
        self._socket = _bind(host, port)
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_config=None,
            log_level="warning",
            access_log=False,
            lifespan="off",
            # Keep-alive clients (httpx pools) must not hold shutdown for long.
            timeout_graceful_shutdown=2,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name=name, daemon=True
        )

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = STARTUP_TIMEOUT_SECONDS) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise ServerStartError(f"{self._thread.name} exited during start-up")
            if time.monotonic() > deadline:
                self.stop()
                raise ServerStartError(f"{self._thread.name} did not start in {timeout}s")
            time.sleep(0.005)

    def request_stop(self) -> None:
        """Ask the server to shut down without waiting (see `stop`)."""
        self._server.should_exit = True

    def stop(self, timeout: float = SHUTDOWN_TIMEOUT_SECONDS) -> None:
        """Shut down and wait for the thread to end."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._thread.is_alive():
            # Still draining connections: ask uvicorn to stop waiting for them.
            self._server.force_exit = True
            self._thread.join(timeout)
        self._socket.close()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP for asyncio to set TCP_NODELAY on accepted connections; with
    # the default 0, Nagle plus delayed ACKs add ~40 ms to every response.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock
