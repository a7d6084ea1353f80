"""Finding secrets where they must never be: broker traffic, results, logs, rows, pages."""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Iterable

import redis


class BrokerRecorder:
    """Records every command the broker sees (Redis MONITOR), task bodies decoded from base64."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self.lines: list[str] = []
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with self._client.monitor() as monitor:
            self._ready.set()
            for event in monitor.listen():
                self.lines.append(str(event.get("command", "")))
                if self._stop.is_set():
                    return

    def __enter__(self) -> BrokerRecorder:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._client.ping()  # one more command so the monitor loop wakes and sees the stop
        self._thread.join(5)

    def texts(self) -> list[str]:
        """Every command, plus the decoded body of every kombu message inside one."""
        found: list[str] = []
        for line in self.lines:
            found.append(line)
            found.extend(_decoded_bodies(line))
        return found


def _decoded_bodies(line: str) -> Iterable[str]:
    start = line.find("{")
    while start != -1:
        try:
            message, end = json.JSONDecoder().raw_decode(line[start:])
        except ValueError:
            start = line.find("{", start + 1)
            continue
        body = message.get("body") if isinstance(message, dict) else None
        if isinstance(body, str):
            try:
                yield base64.b64decode(body).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                yield body
        start = line.find("{", start + end)


def stored_values(client: redis.Redis) -> list[str]:
    """Every value in the broker/result database after a run (results, leftover messages)."""
    values: list[str] = []
    for key in client.scan_iter(count=1000):
        kind = client.type(key).decode()
        if kind == "string":
            values.append(str(client.get(key)))
        elif kind == "list":
            values.extend(str(v) for v in client.lrange(key, 0, -1))
        elif kind == "hash":
            values.extend(str(v) for v in client.hgetall(key).values())
        elif kind == "zset":
            values.extend(str(v) for v in client.zrange(key, 0, -1))
        elif kind == "set":
            values.extend(str(v) for v in client.smembers(key))
    return values


def leaks(secrets: Iterable[str], haystacks: Iterable[str]) -> list[str]:
    """Each secret found, with a little context around it."""
    found = []
    texts = list(haystacks)
    for secret in secrets:
        for text in texts:
            at = text.find(secret)
            if at != -1:
                found.append(f"{secret[:6]}... in: {text[max(0, at - 80) : at + 40]!r}")
                break
    return found
