"""`tajo`: the operator's command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from celery.exceptions import TimeoutError as CeleryTimeoutError

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
@click.option("--resource", default="persons", show_default=True)
@click.option("--full", is_flag=True, help="Read everything, not just changes since the cursor.")
@click.option("--no-wait", is_flag=True, help="Enqueue and return at once.")
def connectors_sync(name: str, resource: str, full: bool, no_wait: bool) -> None:
    """Enqueue a sync job and follow it with a progress bar."""
    from workers.celery_app import get_app
    from workers.follow import enqueue_sync, follow, start_sync

    _check_config()
    mode = "full" if full else "incremental"
    if no_wait:
        result = enqueue_sync(get_app(), name, resource, mode)
        console.print(f"enqueued sync.run {result.id} ({name} {resource} {mode})")
        return
    try:
        answer = start_sync(get_app(), name, resource, mode)
    except CeleryTimeoutError:
        fail("no worker answered: is one consuming the sync.control queue?")
        sys.exit(1)
    console.print(f"job {answer['job_id']}: {answer['status']}")
    if answer["status"] != "running":
        return
    outcome = follow(int(answer["job_id"]))
    console.print(f"job {outcome.job_id} {outcome.status}: {outcome.counts}")
    if outcome.status != "succeeded":
        fail(f"{outcome.error_category}: {outcome.error}")
        sys.exit(1)


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


def _check_config() -> None:
    from workers.config import load_config

    settings = get_settings()
    try:
        load_config(settings.config)
    except ConfigError as exc:
        fail(f"config {settings.config}: {exc}")
        sys.exit(EXIT_CONFIG)


main.add_command(deadletter)
main.add_command(mapping)
main.add_command(brevo)
main.add_command(webhooks)

if __name__ == "__main__":
    main()
