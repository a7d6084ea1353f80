"""Fixtures: one real sandbox per test session (both fakes on loopback, in threads), reset
before each test, and httpx clients for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandbox.server import SandboxHandle, start_sandbox

RECORDS = 250
SEED = 7


@pytest.fixture(scope="session")
def running_sandbox() -> Iterator[SandboxHandle]:
    handle = start_sandbox(records=RECORDS, seed=SEED, import_delay_seconds=0.02)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def sandbox(running_sandbox: SandboxHandle) -> SandboxHandle:
    running_sandbox.reset()
    return running_sandbox


@pytest.fixture
def pipedrive(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sandbox.urls["pipedrive"], headers={"x-api-token": "any-token"}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def brevo(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sandbox.urls["brevo"], headers={"api-key": "any-key"}, timeout=30
    ) as client:
        yield client


@pytest.fixture
def brevo_control(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    """The Brevo fake's `/_sandbox/*` harness (its base URL is the server root, not /v3)."""
    with httpx.Client(base_url=sandbox.urls["brevo"].removesuffix("/v3"), timeout=10) as client:
        yield client
