"""compose.yaml cannot be started here (no container engine), so check what can be checked:
it parses, every service's command exists, every queue has a worker, Flower has auth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from tasks.queues import ALL_QUEUES
from workers.cli import main as tajo_cli

COMPOSE = Path(__file__).parent.parent.parent / "compose.yaml"
CELERY_SUBCOMMANDS = {"worker", "beat", "flower"}


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE.read_text())
    result: dict[str, Any] = loaded["services"]
    return result


def _option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def test_compose_runs_the_services_the_architecture_names(services: dict[str, Any]) -> None:
    assert {"redis", "postgres", "migrate", "beat", "flower"} <= set(services)
    assert "--appendonly" in services["redis"]["command"]
    assert _option(services["redis"]["command"], "--appendonly") == "yes"


def test_every_tajo_command_in_compose_exists(services: dict[str, Any]) -> None:
    for name, service in services.items():
        command = service.get("command")
        if not command or command[0] not in {"tajo", "celery"}:
            continue
        if command[0] == "celery":
            assert command[1:3] == ["-A", "workers"], name
            assert command[3] in CELERY_SUBCOMMANDS, name
        else:
            context = tajo_cli.make_context("tajo", command[1:], resilient_parsing=True)
            group: click.Command = tajo_cli
            for word in command[1:]:
                assert isinstance(group, click.Group), f"{name}: {word} is not a subcommand"
                sub = group.get_command(context, word)
                assert sub is not None, f"{name}: tajo has no command {word!r}"
                group = sub


def test_every_queue_has_a_worker_and_every_worker_queue_exists(services: dict[str, Any]) -> None:
    consumed: set[str] = set()
    for name, service in services.items():
        command = service.get("command") or []
        if command[:4] == ["celery", "-A", "workers", "worker"]:
            queues = set(_option(command, "-Q").split(","))
            assert queues <= set(ALL_QUEUES), f"{name} consumes unknown queues {queues}"
            consumed |= queues
    assert consumed == set(ALL_QUEUES)


def test_flower_requires_basic_auth_from_the_environment(services: dict[str, Any]) -> None:
    flower = services["flower"]
    assert "FLOWER_BASIC_AUTH" in flower["environment"]
    assert not any("basic_auth" in part for part in flower["command"])


def test_no_secret_is_written_in_compose() -> None:
    text = COMPOSE.read_text()
    for needle in ("xkeysib-", "api_token:", "password:"):
        assert needle not in text
