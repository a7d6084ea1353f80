"""End-to-end fixtures: the sandbox in this process, Tajo's Celery processes as real children."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import SandboxHandle, start_sandbox
from tests.support.stack import (
    BREVO_KEY,
    PIPEDRIVE_TOKEN,
    SHOPIFY_TOKEN,
    Stack,
    shopify_block,
    write_config,
)
from workers.demo import prepare_brevo_account

pytestmark = pytest.mark.e2e

StackFactory = Callable[..., tuple[Stack, SandboxHandle]]


@pytest.fixture
def make_stack(tmp_path: Path, broker_url: str, database_url: str) -> Iterator[StackFactory]:
    """Build a sandbox with `records` persons and a stack configured against it (its Pipedrive
    block takes the keyword settings; `shopify` adds a Shopify block with these settings)."""
    started: list[tuple[Stack, SandboxHandle]] = []

    def factory(
        records: int = 200,
        *,
        pipedrive_token: str = PIPEDRIVE_TOKEN,
        sandbox_options: dict[str, Any] | None = None,
        shopify: dict[str, Any] | None = None,
        brevo: dict[str, Any] | None = None,
        **pipedrive: Any,
    ) -> tuple[Stack, SandboxHandle]:
        sandbox = start_sandbox(
            records=records,
            seed=11,
            pipedrive_token=pipedrive_token,
            brevo_api_key=BREVO_KEY,
            shopify_token=SHOPIFY_TOKEN,
            **(sandbox_options or {}),
        )
        prepare_brevo_account(sandbox.urls["brevo"], BREVO_KEY)
        shop = None if shopify is None else shopify_block(sandbox.urls, **shopify)
        config = write_config(
            tmp_path / "tajo.yaml", sandbox.urls, shopify=shop, brevo=brevo, **pipedrive
        )
        stack = Stack(tmp_path, broker_url, database_url, config)
        started.append((stack, sandbox))
        return stack, sandbox

    yield factory
    for stack, sandbox in started:
        stack.stop()
        off_spec = sandbox.brevo.off_spec
        sandbox.stop()
        assert off_spec == [], f"requests Brevo would refuse as off-spec: {off_spec[:3]}"


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
