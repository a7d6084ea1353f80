"""Redis (broker, results and limiter in one) restarts in the middle of a sync: no task is lost,
the job finishes with every record accounted for, and the limiter keeps the vendor's pace.

The test runs its own redis-server with AOF on, on a free port in a temporary directory, as
compose runs it; the shared test Redis is never touched."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from sandbox.server import start_sandbox
from tasks.models import SyncJob
from tests.support.stack import BREVO_KEY, PIPEDRIVE_TOKEN, Stack, succeeded, write_config
from workers.demo import prepare_brevo_account

RECORDS = 3000
BURST = 20
WINDOW_SECONDS = 2.0


class RedisServer:
    """A redis-server child with AOF (fsync on every write) in `directory`."""

    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
                "--protected-mode",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis(port=self.port).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): Redis writes what it holds, as `docker restart` does."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


@pytest.fixture
def own_redis(tmp_path: Path, unused_port: int) -> Iterator[RedisServer]:
    directory = tmp_path / "redis-data"
    directory.mkdir()
    server = RedisServer(directory, unused_port)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _busiest_window(times: list[float], window: float) -> int:
    times = sorted(times)
    busiest, j = 0, 0
    for i, start in enumerate(times):
        j = max(j, i)
        while j < len(times) and times[j] < start + window:
            j += 1
        busiest = max(busiest, j - i)
    return busiest


def _wait_restarting_dead_workers(stack: Stack, timeout: float) -> list[SyncJob]:
    """Wait for the job to succeed, restarting a worker that exits as compose's
    `restart: unless-stopped` does: kombu 5.7's worker can die closing its channel after a lost
    Redis connection (AttributeError in `_connparams`), and what must hold then is that the
    restarted worker picks up every unfinished task."""
    deadline = time.monotonic() + timeout
    restarts = 0
    while time.monotonic() < deadline:
        if len(succeeded(stack.jobs())) == 1:
            return stack.jobs()
        for child in list(stack.children):
            if not child.alive():
                assert restarts < 3, f"workers keep dying\n{stack.logs()}"
                stack.children.remove(child)
                restarts += 1
                stack.start_worker(name=f"w{restarts + 1}", concurrency=2)
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout}s waiting for the job\n{stack.logs()}")


def test_a_redis_restart_mid_sync_loses_no_task_and_the_limiter_recovers(
    tmp_path: Path, own_redis: RedisServer, database_url: str
) -> None:
    sandbox = start_sandbox(
        records=RECORDS,
        seed=13,
        pipedrive_token=PIPEDRIVE_TOKEN,
        brevo_api_key=BREVO_KEY,
        pipedrive_burst=BURST,
    )
    stack: Stack | None = None
    try:
        prepare_brevo_account(sandbox.urls["brevo"], BREVO_KEY)
        config = write_config(
            tmp_path / "tajo.yaml",
            sandbox.urls,
            page_size=100,
            rate_limit={"requests": BURST, "per_seconds": WINDOW_SECONDS},
        )
        stack = Stack(tmp_path, own_redis.url, database_url, config)
        # Unacknowledged messages come back after 30 s, not 2 h, should an ack be lost.
        stack.extra_env["TAJO_VISIBILITY_TIMEOUT"] = "30"
        stack.start_worker(concurrency=2)
        stack.sync_persons()
        stack.wait_for(lambda js: bool(js) and js[0].pages >= 5, 60, "five pages")

        own_redis.stop()
        down_at = time.time()
        time.sleep(2.0)  # a real outage, not a blink
        own_redis.start()
        up_at = time.time()

        # A message whose ack was lost in the outage comes back after the 30 s visibility timeout,
        # and a task that met the outage waits for Redis before it runs again: minutes, not hours.
        [job] = succeeded(_wait_restarting_dead_workers(stack, 300))
        assert job.pages > 5
        assert job.fetched == RECORDS
        assert job.written + job.dead_lettered == RECORDS
        assert sandbox.brevo.contact_count() == job.written
        arrivals = sandbox.pipedrive.arrivals.all()
        assert not [a for a in arrivals if down_at < a.at < up_at]
        after = [a.at for a in arrivals if a.at >= up_at]
        assert after, "nothing was read after the restart"
        # The limiter (its scripts reloaded, its log kept by AOF) still holds the pace. It
        # grants on Redis's clock; arrivals carry network and scheduling jitter, hence a window
        # 0.1 s short of the limit's.
        assert _busiest_window(after, WINDOW_SECONDS - 0.1) <= BURST
        assert not [a for a in arrivals if a.status == 429]
    finally:
        if stack is not None:
            stack.stop()
        sandbox.stop()
