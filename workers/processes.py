"""Child processes the demo (and the tests) run: started with a log file each, stopped cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from tasks.queues import ALL_QUEUES


def celery_command(*args: str) -> list[str]:
    """`celery -A workers ...` with this interpreter, so the venv's celery is the one used."""
    return [sys.executable, "-m", "celery", "-A", "workers", *args]


def worker_command(
    *,
    queues: Sequence[str] = ALL_QUEUES,
    concurrency: int = 2,
    name: str = "tajo",
    loglevel: str = "INFO",
) -> list[str]:
    return celery_command(
        "worker",
        "-Q",
        ",".join(queues),
        "-c",
        str(concurrency),
        "-n",
        f"{name}@%h",
        "--loglevel",
        loglevel,
        "-E",
        "--without-gossip",
        "--without-mingle",
    )


def beat_command(schedule_file: Path, loglevel: str = "INFO") -> list[str]:
    return celery_command("beat", "--loglevel", loglevel, "-s", str(schedule_file))


#: Flower's /tasks columns, in order (its default hides the exception).
TASKS_COLUMNS = "name,uuid,state,exception,received,runtime,retries,worker"


def flower_command(*, port: int, address: str = "127.0.0.1", db_file: Path) -> list[str]:
    # Credentials come from FLOWER_BASIC_AUTH in the environment, never from the command line,
    # where `ps` would show them.
    return celery_command(
        "flower",
        f"--port={port}",
        f"--address={address}",
        "--persistent=True",
        f"--db={db_file}",
        "--max_tasks=100000",
        "--state_save_interval=10000",
        # The exception column is where a dead letter says why (reason, connector, resource,
        # source id, job id: see tasks.parking); kwargs stay on the task page, not in the list.
        f"--tasks_columns={TASKS_COLUMNS}",
    )


class Child:
    def __init__(
        self, name: str, command: list[str], log_path: Path, env: Mapping[str, str]
    ) -> None:
        self.name = name
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 20.0) -> None:
        if self.alive():
            # Celery's warm shutdown: finish the current task, then exit.
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self._log.close()
