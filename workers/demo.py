"""`tajo demo`: the whole product on one machine, against the sandbox vendors and sandbox Brevo.

Embedded Redis and SQLite under ./var/demo (fresh each run, so the sandbox Brevo and the write
ledger agree), the sandbox in a child process, a worker, beat and Flower as real Celery processes,
then a full Pipedrive -> Brevo sync followed with a progress bar and summed up in a table.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import httpx
from pydantic import SecretStr

from connectors.brevo.client import BrevoClient
from connectors.brevo.settings import BrevoSettings
from connectors.pipedrive.settings import DEFAULT_PERSON_MAPPING
from tasks.queues import ALL_QUEUES, source_queue
from workers import embedded
from workers.concurrency import vendor_concurrency
from workers.config import load_config
from workers.follow import JobOutcome, follow, start_sync
from workers.output import console, fail, table
from workers.processes import Child, beat_command, flower_command, worker_command

#: The Pipedrive docs' own person mapping.
DEMO_MAPPING = DEFAULT_PERSON_MAPPING


def demo_config(urls: dict[str, str]) -> str:
    """The demo's tajo.yaml: the connector docs' shape, secrets by ${VAR} reference only."""
    return json.dumps(
        {
            "brevo": {"api_key": "${BREVO_API_KEY}", "base_url": urls["brevo"]},
            "connectors": {
                "pipedrive": {
                    "enabled": True,
                    "api_token": "${PIPEDRIVE_API_TOKEN}",
                    "company_domain": "demo",
                    "base_url": urls["pipedrive"],
                    "sync": {"persons": True},
                    "lists": {"all_contacts": 60, "qualified_leads": 61, "customers": 62},
                    "person_mapping": DEMO_MAPPING,
                    "schedule": {"incremental": "2m"},
                    # Worker processes on src.pipedrive (a small machine: two).
                    "concurrency": 2,
                }
            },
        },
        indent=2,
    )  # JSON is YAML, and needs no YAML writer


def demo_workers(config_path: Path, logs: Path, env: dict[str, str]) -> list[Child]:
    """One worker on the Pipedrive queue with the configured concurrency (so a throttled vendor
    holds only its own slots) and one on every other queue."""
    config = load_config(config_path)
    pipedrive = source_queue("pipedrive")
    return [
        Child(
            "worker-pipedrive",
            worker_command(
                queues=[pipedrive],
                concurrency=vendor_concurrency(config, "pipedrive"),
                name="pipedrive",
            ),
            logs / "worker-pipedrive.log",
            env,
        ),
        Child(
            "worker",
            worker_command(queues=[q for q in ALL_QUEUES if q != pipedrive], concurrency=2),
            logs / "worker.log",
            env,
        ),
    ]


def _drain(stream: IO[bytes], log_path: Path) -> None:
    with open(log_path, "ab") as log:
        for line in stream:
            log.write(line)


def start_sandbox(
    records: int, seed: int, logs: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--records", str(records), "--seed", str(seed)],
        stdout=subprocess.PIPE,
        stderr=open(logs / "sandbox.err.log", "ab"),  # noqa: SIM115 - lives as long as the child
        env=env,
        start_new_session=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    if not first:
        raise RuntimeError(f"the sandbox did not start; see {logs / 'sandbox.err.log'}")
    urls: dict[str, str] = json.loads(first)
    threading.Thread(
        target=_drain, args=(process.stdout, logs / "sandbox.log"), daemon=True
    ).start()
    return process, urls


def prepare_brevo_account(brevo_url: str, api_key: str) -> None:
    """Create the attributes the demo mapping writes, as a Brevo account would already have them
    (Brevo silently drops attributes it does not know)."""
    settings = BrevoSettings(api_key=SecretStr(api_key), base_url=brevo_url)
    with BrevoClient(settings) as client:
        existing = {attribute.get("name") for attribute in client.get_attributes()}
        for name in sorted(set(DEMO_MAPPING.values()) - {"email"} - existing):
            client.create_attribute(name)


def wait_for_http(url: str, auth: tuple[str, str] | None = None, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, auth=auth, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def brevo_stats(brevo_url: str) -> dict[str, Any]:
    base = brevo_url.removesuffix("/v3")
    stats: dict[str, Any] = httpx.get(f"{base}/_sandbox/stats", timeout=10).json()
    return stats


def summary(
    outcome: JobOutcome, records: int, stats: dict[str, Any]
) -> tuple[bool, list[list[Any]]]:
    c = outcome.counts
    accounted = c["written"] + c["unchanged"] + c["dead_lettered"]
    ok = bool(
        outcome.status == "succeeded"
        and c["fetched"] == records
        and accounted == records
        and stats.get("contacts") == c["written"] + c["unchanged"]
    )
    rows: list[list[Any]] = [
        ["records in the sandbox Pipedrive", records],
        ["fetched", c["fetched"]],
        ["written to Brevo", c["written"]],
        ["unchanged (skipped)", c["unchanged"]],
        ["dead letters", c["dead_lettered"]],
        ["contacts in the sandbox Brevo", stats.get("contacts")],
        ["Brevo requests", stats.get("requests")],
        ["seconds", f"{outcome.seconds:.1f}"],
        ["records/s", f"{records / max(outcome.seconds, 1e-6):.0f}"],
        ["job", f"{outcome.job_id} {outcome.status}"],
        ["every record accounted for", "yes" if ok else "NO"],
    ]
    return ok, rows


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    # `docker stop`, `timeout` and service managers send SIGTERM: shut down as Ctrl-C would.
    raise KeyboardInterrupt


def run_demo(*, once: bool, records: int, seed: int, flower_port: int) -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    var = Path(os.environ.get("TAJO_VAR_DIR", "var")).resolve() / "demo"
    if (var / embedded.SOCKET_NAME).exists():
        embedded.stop_embedded_redis(var)
    shutil.rmtree(var, ignore_errors=True)
    logs = var / "logs"
    logs.mkdir(parents=True)
    flower_user, flower_password = "tajo", secrets.token_urlsafe(12)
    env = {
        **os.environ,
        "TAJO_VAR_DIR": str(var),
        "TAJO_CONFIG": str(var / "tajo.yaml"),
        "PIPEDRIVE_API_TOKEN": secrets.token_hex(20),
        "BREVO_API_KEY": "xkeysib-" + secrets.token_hex(32),
        "FLOWER_BASIC_AUTH": f"{flower_user}:{flower_password}",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(
        {k: env[k] for k in ("TAJO_VAR_DIR", "TAJO_CONFIG", "PIPEDRIVE_API_TOKEN", "BREVO_API_KEY")}
    )
    from workers.celery_app import get_app
    from workers.migrate import upgrade
    from workers.settings import get_settings

    get_settings.cache_clear()
    children: list[Child] = []
    sandbox_process: subprocess.Popen[bytes] | None = None
    try:
        console.print("[bold]1/5[/] database: migrating")
        upgrade(get_settings().effective_database_url())
        console.print("[bold]2/5[/] sandbox: starting the fake Pipedrive and Brevo")
        sandbox_process, urls = start_sandbox(records, seed, logs, env)
        (var / "tajo.yaml").write_text(demo_config(urls), encoding="utf-8")
        prepare_brevo_account(urls["brevo"], env["BREVO_API_KEY"])
        app = get_app()
        console.print("[bold]3/5[/] workers: starting a worker, beat and Flower")
        children.extend(demo_workers(get_settings().config, logs, env))
        if not once:
            children.append(
                Child("beat", beat_command(var / "beat-schedule"), logs / "beat.log", env)
            )
        children.append(
            Child(
                "flower",
                flower_command(port=flower_port, db_file=var / "flower.db"),
                logs / "flower.log",
                env,
            )
        )
        console.print(f"[bold]4/5[/] sync: {records} Pipedrive persons -> Brevo contacts")
        answer = start_sync(app, "pipedrive", "persons", "full")
        outcome = follow(int(answer["job_id"]), total=records)
        ok, rows = summary(outcome, records, brevo_stats(urls["brevo"]))
        console.print(table("[bold]5/5[/] summary", ["", ""], rows))
        if outcome.error:
            fail(f"{outcome.error_category}: {outcome.error}")
        if once:
            return 0 if ok else 1
        flower_url = f"http://127.0.0.1:{flower_port}"
        wait_for_http(flower_url, auth=(flower_user, flower_password))
        console.print(
            f"Flower: {flower_url}  user [bold]{flower_user}[/]  password "
            f"[bold]{flower_password}[/]   (Ctrl-C to stop; logs in {logs})"
        )
        while all(child.alive() for child in children):
            time.sleep(1)
        fail("a child process stopped; see the logs in " + str(logs))
        return 1
    except KeyboardInterrupt:
        console.print("stopping")
        return 0
    finally:
        for child in reversed(children):
            child.stop()
        if sandbox_process is not None and sandbox_process.poll() is None:
            sandbox_process.terminate()
            sandbox_process.wait(10)
        embedded.stop_embedded_redis(var)
