"""Starting and stopping the fakes: in-process threads and the `python -m sandbox` process."""

from __future__ import annotations

import json
import logging
import signal
import subprocess
import sys
import threading

import httpx
import pytest

from sandbox.server import start_sandbox


def test_start_sandbox_serves_both_fakes_and_stop_leaves_no_threads_behind(
    caplog: pytest.LogCaptureFixture,
) -> None:
    threads_before = set(threading.enumerate())
    caplog.set_level(logging.DEBUG)

    handle = start_sandbox(records=5, seed=1)
    pipedrive_url, brevo_url = handle.urls["pipedrive"], handle.urls["brevo"]
    assert set(handle.urls) == {"pipedrive", "brevo", "shopify"}
    assert pipedrive_url.startswith("http://127.0.0.1:")
    assert brevo_url.endswith("/v3")
    with httpx.Client(timeout=5) as client:
        client.get(f"{pipedrive_url}/api/v2/persons", headers={"x-api-token": "t"})
        client.post(
            f"{brevo_url}/contacts/import",
            headers={"api-key": "k"},
            json={"jsonBody": [{"email": "a@example.com"}], "listIds": [1]},
        )
    assert handle.brevo.wait_for_imports(5)
    handle.stop()

    assert set(threading.enumerate()) <= threads_before
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{pipedrive_url}/_sandbox/health", timeout=1)
    access_logs = [r for r in caplog.records if r.name.startswith("uvicorn")]
    assert [r for r in access_logs if r.levelno < logging.WARNING] == []


def test_fixed_ports_are_honoured() -> None:
    probe = start_sandbox(records=1)
    ports = [int(url.rsplit(":", 1)[1].split("/")[0]) for url in probe.urls.values()]
    probe.stop()
    handle = start_sandbox(records=1, pipedrive_port=ports[0], brevo_port=ports[1])
    try:
        assert handle.urls["pipedrive"].endswith(f":{ports[0]}")
        assert handle.urls["brevo"].endswith(f":{ports[1]}/v3")
    finally:
        handle.stop()


def test_python_m_sandbox_prints_its_urls_first_serves_quietly_and_stops_on_sigterm() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--records", "10", "--seed", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline()
        urls = json.loads(first_line)
        assert set(urls) == {"pipedrive", "brevo", "shopify"}
        assert urls["brevo"].endswith("/v3")
        persons = httpx.get(
            f"{urls['pipedrive']}/api/v2/persons", headers={"x-api-token": "t"}, timeout=5
        )
        assert len(persons.json()["data"]) == 10
        stats = httpx.get(urls["brevo"].removesuffix("/v3") + "/_sandbox/stats", timeout=5)
        assert stats.json()["contacts"] == 0

        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert stdout == ""
    assert stderr == ""
