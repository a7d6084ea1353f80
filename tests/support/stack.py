"""A running Tajo stack for end-to-end tests: config file, env, and real Celery processes."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from tasks.models import JobStatus, SyncJob
from workers.processes import Child, beat_command, celery_command, flower_command, worker_command

PIPEDRIVE_TOKEN = "pd-test-token-5f1e2d3c4b5a69788796a5b4c3d2e1f0"
BREVO_KEY = "xkeysib-test-0123456789abcdef0123456789abcdef-secret"
SHOPIFY_TOKEN = "shpat_test_0a1b2c3d4e5f60718293a4b5c6d7e8f9"


def shopify_block(urls: Mapping[str, str], **settings: Any) -> dict[str, Any]:
    """A `connectors.shopify` block against the sandbox shop, the token by ${VAR} reference."""
    return {
        "enabled": True,
        "shop_url": "sandbox.myshopify.com",
        "access_token": "${SHOPIFY_ACCESS_TOKEN}",
        "base_url": urls["shopify"],
        "lists": {"all_contacts": 70},
        **settings,
    }


def write_config(
    path: Path,
    urls: Mapping[str, str],
    *,
    shopify: Mapping[str, Any] | None = None,
    brevo: Mapping[str, Any] | None = None,
    **pipedrive: Any,
) -> Path:
    settings: dict[str, Any] = {
        "enabled": True,
        "api_token": "${PIPEDRIVE_API_TOKEN}",
        "company_domain": "testco",
        "base_url": urls["pipedrive"],
        "sync": {"persons": True},
        "lists": {"all_contacts": 60},
    }
    settings.update(pipedrive)
    config: dict[str, Any] = {
        "brevo": {"api_key": "${BREVO_API_KEY}", "base_url": urls["brevo"], **(brevo or {})},
        "connectors": {"pipedrive": settings},
    }
    if shopify is not None:
        config["connectors"]["shopify"] = dict(shopify)
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


def succeeded(jobs: list[SyncJob]) -> list[SyncJob]:
    return [job for job in jobs if job.status == JobStatus.SUCCEEDED]


@dataclass
class Stack:
    tmp: Path
    broker_url: str
    database_url: str
    config_path: Path
    children: list[Child] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "TAJO_BROKER_URL": self.broker_url,
            "TAJO_DATABASE_URL": self.database_url,
            "TAJO_CONFIG": str(self.config_path),
            "TAJO_VAR_DIR": str(self.tmp / "var"),
            "PIPEDRIVE_API_TOKEN": PIPEDRIVE_TOKEN,
            "BREVO_API_KEY": BREVO_KEY,
            "SHOPIFY_ACCESS_TOKEN": SHOPIFY_TOKEN,
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def start_worker(self, name: str = "w1", concurrency: int = 2) -> Child:
        child = Child(
            name,
            worker_command(concurrency=concurrency, name=name),
            self.tmp / "logs" / f"{name}.log",
            self.env,
        )
        self.children.append(child)
        return child

    def start_beat(self) -> Child:
        child = Child(
            "beat",
            beat_command(self.tmp / "beat-schedule"),
            self.tmp / "logs" / "beat.log",
            self.env,
        )
        self.children.append(child)
        return child

    def start_flower(self, port: int, basic_auth: str) -> Child:
        env = {**self.env, "FLOWER_BASIC_AUTH": basic_auth}
        child = Child(
            "flower",
            flower_command(port=port, db_file=self.tmp / "flower.db"),
            self.tmp / "logs" / "flower.log",
            env,
        )
        self.children.append(child)
        return child

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()
        self.children.clear()

    def logs(self) -> str:
        texts = []
        for path in sorted((self.tmp / "logs").glob("*.log")):
            texts.append(f"===== {path.name}\n{path.read_text(errors='replace')[-20000:]}")
        return "\n".join(texts)

    # -- operating it, as an operator would ------------------------------------------------------

    def call(self, task: str, **kwargs: Any) -> None:
        """`celery -A workers call TASK --kwargs JSON` as a separate process."""
        subprocess.run(
            celery_command("call", task, "--kwargs", json.dumps(kwargs)),
            env=self.env,
            check=True,
            capture_output=True,
            timeout=120,
        )

    def sync_persons(self, mode: str = "full") -> None:
        self.call("sync.run", connector="pipedrive", resource="persons", mode=mode)

    def sync(self, connector: str, resource: str, mode: str = "full") -> None:
        self.call("sync.run", connector=connector, resource=resource, mode=mode)

    def wait_for_succeeded(self, count: int, timeout: float) -> list[SyncJob]:
        """Wait until `count` jobs have succeeded; returns those jobs, oldest first."""
        self.wait_for(
            lambda jobs: len(succeeded(jobs)) >= count, timeout, f"{count} succeeded job(s)"
        )
        return succeeded(self.jobs())

    # -- reading the job ledger ----------------------------------------------------------------

    def jobs(self) -> list[SyncJob]:
        engine = create_engine(self.database_url)
        try:
            with Session(engine) as session:
                return list(session.scalars(select(SyncJob).order_by(SyncJob.id)))
        finally:
            engine.dispose()

    def wait_for(
        self, predicate: Callable[[list[SyncJob]], bool], timeout: float, what: str
    ) -> list[SyncJob]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.jobs()
            if predicate(found):
                return found
            for child in self.children:
                if not child.alive():
                    raise AssertionError(
                        f"{child.name} died while waiting for {what}\n{self.logs()}"
                    )
            time.sleep(0.5)
        raise AssertionError(
            f"timed out after {timeout}s waiting for {what}: "
            f"{[(j.id, j.mode, j.status) for j in self.jobs()]}\n{self.logs()}"
        )

    def finished_jobs(self) -> list[SyncJob]:
        return [j for j in self.jobs() if j.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)]
