"""`tajo`: the operator's command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from celery.exceptions import TimeoutError as CeleryTimeoutError

from connectors.config import TajoConfig
from connectors.core.errors import ConfigError
from workers.deadletter_cli import deadletter
from workers.mapping_cli import brevo, mapping
from workers.output import console, fail
from workers.settings import get_settings
from workers.webhooks_cli import webhooks

EXIT_CONFIG = 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Tajo Sync: keeps Brevo in step with your vendors, on Celery."""


# -- config -----------------------------------------------------------------------------------


@main.group()
def config() -> None:
    """Check the YAML config."""


@config.command("check")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Config file (default: $TAJO_CONFIG or ./tajo.yaml).",
)
def config_check(config_path: Path | None) -> None:
    """Validate the config and print the effective plan, secrets masked."""
    from workers.config import load_config
    from workers.plan import effective_plan, render

    path = config_path or get_settings().config
    try:
        plan = effective_plan(load_config(path, required=config_path is not None))
    except ConfigError as exc:
        fail(f"config {path}: {exc}")
        sys.exit(EXIT_CONFIG)
    click.echo(render(plan))


# -- db ---------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration (idempotent)."""
    from workers.migrate import upgrade

    url = get_settings().effective_database_url()
    upgrade(url)
    console.print("database is up to date")


# -- sandbox ----------------------------------------------------------------------------------


@main.group()
def sandbox() -> None:
    """Local fake vendors and a fake Brevo."""


@sandbox.command("serve")
@click.option("--records", type=click.IntRange(1, 1_000_000), default=1000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
def sandbox_serve(records: int, seed: int, host: str) -> None:
    """Serve the fakes; the first line printed is a JSON map of base URLs."""
    from sandbox.server import serve

    serve(records=records, seed=seed, host=host)


# -- connectors -------------------------------------------------------------------------------


@main.group()
def connectors() -> None:
    """Run and inspect syncs."""


@connectors.command("sync")
@click.argument("name")
@click.option("--resource", default=None, help="One resource; default: every synced one.")
@click.option("--full", is_flag=True, help="Read everything, not just changes since the cursor.")
@click.option("--no-wait", is_flag=True, help="Enqueue and return at once.")
def connectors_sync(name: str, resource: str | None, full: bool, no_wait: bool) -> None:
    """Enqueue sync jobs (contacts first) and follow each with a progress bar."""
    from tasks.streams import synced_streams
    from workers.celery_app import get_app
    from workers.follow import enqueue_sync

    config = _check_config()
    mode = "full" if full else "incremental"
    resources = [resource] if resource else synced_streams(config, name)
    if not resources:
        fail(f"connectors.{name}: no enabled connector with a resource to sync")
        sys.exit(2)
    for each in resources:
        if no_wait:
            result = enqueue_sync(get_app(), name, each, mode)
            console.print(f"enqueued sync.run {result.id} ({name} {each} {mode})")
        elif not _sync_and_follow(name, each, mode):
            sys.exit(1)


def _sync_and_follow(name: str, resource: str, mode: str) -> bool:
    """Run one job to its end; False when it did not succeed (the reason is printed)."""
    from workers.celery_app import get_app
    from workers.follow import follow, start_sync

    try:
        answer = start_sync(get_app(), name, resource, mode)
    except CeleryTimeoutError:
        fail("no worker answered: is one consuming the sync.control queue?")
        return False
    console.print(f"job {answer['job_id']} ({name} {resource}): {answer['status']}")
    if answer["status"] != "running":
        return True
    outcome = follow(int(answer["job_id"]))
    console.print(f"job {outcome.job_id} {outcome.status}: {outcome.counts}")
    if outcome.status != "succeeded":
        fail(f"{outcome.error_category}: {outcome.error}")
        return False
    return True


@connectors.command("status")
def connectors_status() -> None:
    """Jobs and cursors."""
    from workers.status import print_status

    print_status()


# -- demo -------------------------------------------------------------------------------------


@main.command()
@click.option(
    "--once", is_flag=True, help="Exit after the sync (0 when every record is accounted for)."
)
@click.option("--records", type=click.IntRange(10, 1_000_000), default=1000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--flower-port", type=click.IntRange(0, 65535), default=5555, show_default=True)
def demo(once: bool, records: int, seed: int, flower_port: int) -> None:
    """Sandbox vendors, a worker, beat and Flower, and a real sync into the sandbox Brevo."""
    from workers.demo import run_demo

    sys.exit(run_demo(once=once, records=records, seed=seed, flower_port=flower_port))


def _check_config() -> TajoConfig:
    from workers.config import load_config

    settings = get_settings()
    try:
        return load_config(settings.config)
    except ConfigError as exc:
        fail(f"config {settings.config}: {exc}")
        sys.exit(EXIT_CONFIG)


main.add_command(deadletter)
main.add_command(mapping)
main.add_command(brevo)
main.add_command(webhooks)

if __name__ == "__main__":
    main()
