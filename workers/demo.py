"""`tajo demo`: the whole product on one machine, against the sandbox vendors and sandbox Brevo.

Embedded Redis and SQLite under ./var/demo (fresh each run, so the sandbox Brevo and the write
ledger agree), the sandbox in a child process, a worker per vendor queue, beat and Flower as real
Celery processes, then a full sync of every stream of both connectors (Pipedrive persons, deals,
organizations, activities, leads; Shopify customers, orders, products, carts), each followed with
a progress bar and all summed up in one table. Contacts go first, then what refers to them.
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
from connectors.shopify.settings import DEFAULT_FIELD_MAPPING
from sandbox.server import DEFAULT_SHOPIFY_SECRET as SANDBOX_SHOPIFY_SECRET
from tasks.queues import ALL_QUEUES, source_queue
from tasks.streams import synced_streams
from workers import embedded
from workers.concurrency import vendor_concurrency
from workers.config import load_config
from workers.follow import JobOutcome, follow, start_sync
from workers.output import console, fail, table
from workers.processes import Child, beat_command, flower_command, worker_command

#: The Pipedrive docs' person mapping with its computed deal fields (the custom fields aside:
#: the sandbox account names its own).
DEMO_MAPPING: dict[str, Any] = {
    **DEFAULT_PERSON_MAPPING,
    "won_deals_count": "WON_DEALS",
    "open_deals_count": "OPEN_DEALS",
    "total_revenue": "LTV",
}
#: The docs' deal-stage mapping (pipedrive.txt), onto the demo's lists.
DEMO_DEAL_STAGES: dict[Any, int] = {1: 61, 2: 61, 3: 62, 4: 62, "won": 62, "lost": 63}
#: The connectors overview's Shopify field mapping (its "Basic Setup").
SHOPIFY_MAPPING: dict[str, str] = dict(DEFAULT_FIELD_MAPPING)
#: Attributes the mappings write that a fresh Brevo account lacks, with their Brevo types.
NUMBER_ATTRIBUTES = ("WON_DEALS", "OPEN_DEALS", "LTV", "TOTAL_SPENT")
#: Brevo's CRM and e-commerce endpoints allow 100 requests an hour on the general plan; the demo
#: lifts that bucket in the sandbox (and in its own limiter) so it ends in minutes, and says so.
DEMO_OTHER_PER_HOUR = 1_000_000


def demo_config(urls: dict[str, str]) -> str:
    """The demo's tajo.yaml: the connector docs' shape, secrets by ${VAR} reference only."""
    return json.dumps(
        {
            "brevo": {
                "api_key": "${BREVO_API_KEY}",
                "base_url": urls["brevo"],
                "rate_limit": {"other_per_hour": DEMO_OTHER_PER_HOUR},
            },
            "connectors": {
                "pipedrive": {
                    "enabled": True,
                    "api_token": "${PIPEDRIVE_API_TOKEN}",
                    "company_domain": "demo",
                    "base_url": urls["pipedrive"],
                    "sync": dict.fromkeys(
                        ("persons", "deals", "organizations", "activities", "leads"), True
                    ),
                    "lists": {
                        "all_contacts": 60,
                        "qualified_leads": 61,
                        "customers": 62,
                        "churned": 63,
                    },
                    "person_mapping": DEMO_MAPPING,
                    "deal_stage_mapping": DEMO_DEAL_STAGES,
                    "schedule": {"incremental": "2m"},
                    # Worker processes on src.pipedrive (a small machine: two).
                    "concurrency": 2,
                },
                "shopify": {
                    "enabled": True,
                    "shop_url": "demo.myshopify.com",
                    "access_token": "${SHOPIFY_ACCESS_TOKEN}",
                    "api_secret": "${SHOPIFY_API_SECRET}",
                    "base_url": urls["shopify"],
                    "sync": dict.fromkeys(("customers", "orders", "products", "carts"), True),
                    "lists": {"all_contacts": 70, "newsletter": 71},
                    "field_mapping": SHOPIFY_MAPPING,
                    "schedule": {"incremental": "2m"},
                    # The sandbox shop finishes an export in well under a second.
                    "bulk_poll_seconds": 1.0,
                },
            },
        },
        indent=2,
    )  # JSON is YAML, and needs no YAML writer


def demo_workers(config_path: Path, logs: Path, env: dict[str, str]) -> list[Child]:
    """A worker per vendor queue with the configured concurrency (so a throttled vendor holds
    only its own slots) and one on every other queue."""
    config = load_config(config_path)
    vendors = [name for name in ("pipedrive", "shopify") if name in config.enabled_connectors()]
    children = [
        Child(
            f"worker-{vendor}",
            worker_command(
                queues=[source_queue(vendor)],
                concurrency=vendor_concurrency(config, vendor),
                name=vendor,
            ),
            logs / f"worker-{vendor}.log",
            env,
        )
        for vendor in vendors
    ]
    own = {source_queue(vendor) for vendor in vendors}
    children.append(
        Child(
            "worker",
            worker_command(queues=[q for q in ALL_QUEUES if q not in own], concurrency=2),
            logs / "worker.log",
            env,
        )
    )
    return children


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
    """Create the attributes the demo mappings write, as a Brevo account would already have them
    (Brevo silently drops attributes it does not know)."""
    settings = BrevoSettings(api_key=SecretStr(api_key), base_url=brevo_url)
    wanted = {*DEMO_MAPPING.values(), *SHOPIFY_MAPPING.values()} - {"email"}
    with BrevoClient(settings) as client:
        existing = {attribute.get("name") for attribute in client.get_attributes()}
        for name in sorted(wanted - existing):
            client.create_attribute(name, kind="float" if name in NUMBER_ATTRIBUTES else "text")


def lift_hourly_bucket(brevo_url: str) -> None:
    """The sandbox Brevo's 100-per-hour bucket switched off (see DEMO_OTHER_PER_HOUR)."""
    base = brevo_url.removesuffix("/v3")
    httpx.post(f"{base}/_sandbox/rate_limit", json={"other_per_hour": None}, timeout=10)


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


def accounted(outcome: JobOutcome) -> bool:
    c = outcome.counts
    return outcome.status == "succeeded" and c["fetched"] == (
        c["written"] + c["unchanged"] + c["dead_lettered"]
    )


def summary(
    outcomes: dict[tuple[str, str], JobOutcome], persons: int, stats: dict[str, Any]
) -> tuple[bool, list[list[Any]]]:
    """One row per stream, then what the sandbox Brevo holds; ok when every job succeeded with
    every record accounted for (written, unchanged or dead-lettered)."""
    persons_job = outcomes.get(("pipedrive", "persons"))
    ok = bool(
        outcomes
        and all(accounted(outcome) for outcome in outcomes.values())
        and persons_job is not None
        and persons_job.counts["fetched"] == persons
    )
    rows: list[list[Any]] = []
    for (connector, resource), outcome in outcomes.items():
        c = outcome.counts
        rows.append(
            [
                f"{connector} {resource}",
                c["fetched"],
                c["written"],
                c["unchanged"],
                c["dead_lettered"],
                f"{outcome.seconds:.1f}",
                f"job {outcome.job_id} {outcome.status}",
            ]
        )
    rows.append(["every record accounted for", "yes" if ok else "NO", "", "", "", "", ""])
    return ok, rows


def brevo_holdings(stats: dict[str, Any]) -> str:
    held = ", ".join(
        f"{stats.get(name, 0)} {name}"
        for name in ("contacts", "companies", "deals", "orders", "products", "events")
    )
    return f"the sandbox Brevo holds {held}, after {stats.get('requests')} requests"


SUMMARY_COLUMNS = ["stream", "fetched", "written", "unchanged", "dead letters", "seconds", "job"]


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
        "SHOPIFY_ACCESS_TOKEN": "shpat_" + secrets.token_hex(16),
        # The sandbox shop signs its webhooks with this client secret (`python -m sandbox`).
        "SHOPIFY_API_SECRET": SANDBOX_SHOPIFY_SECRET,
        "FLOWER_BASIC_AUTH": f"{flower_user}:{flower_password}",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(
        {
            k: env[k]
            for k in (
                "TAJO_VAR_DIR",
                "TAJO_CONFIG",
                "PIPEDRIVE_API_TOKEN",
                "BREVO_API_KEY",
                "SHOPIFY_ACCESS_TOKEN",
                "SHOPIFY_API_SECRET",
            )
        }
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
        console.print("[bold]2/5[/] sandbox: starting the fake Pipedrive, Shopify and Brevo")
        sandbox_process, urls = start_sandbox(records, seed, logs, env)
        (var / "tajo.yaml").write_text(demo_config(urls), encoding="utf-8")
        prepare_brevo_account(urls["brevo"], env["BREVO_API_KEY"])
        lift_hourly_bucket(urls["brevo"])
        console.print(
            "    the sandbox Brevo's 100-requests-per-hour bucket (CRM, e-commerce) is lifted so "
            "the demo ends in minutes; a general-plan account paces those writes at 100/h"
        )
        app = get_app()
        console.print("[bold]3/5[/] workers: starting a worker per vendor queue, beat and Flower")
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
        console.print(
            f"[bold]4/5[/] sync: every stream of Pipedrive ({records} persons) and "
            f"Shopify ({records} customers) -> Brevo"
        )
        outcomes: dict[tuple[str, str], JobOutcome] = {}
        config = load_config(get_settings().config)
        every = [(c, r) for c in ("pipedrive", "shopify") for r in synced_streams(config, c)]
        for connector, resource in every:
            console.print(f"    {connector} {resource}")
            answer = start_sync(app, connector, resource, "full")
            total = records if resource in ("persons", "customers") else None
            outcomes[connector, resource] = follow(int(answer["job_id"]), total=total)
        stats = brevo_stats(urls["brevo"])
        ok, rows = summary(outcomes, records, stats)
        console.print(table("[bold]5/5[/] summary", SUMMARY_COLUMNS, rows))
        console.print(brevo_holdings(stats))
        for outcome in outcomes.values():
            if outcome.error:
                fail(f"job {outcome.job_id} {outcome.error_category}: {outcome.error}")
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
