"""One real sandbox (Pipedrive and Brevo fakes over HTTP on loopback) per contract test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.server import SandboxHandle, start_sandbox

PIPEDRIVE_TOKEN = "contract-pipedrive-token"
BREVO_KEY = "xkeysib-contract-brevo-key"
#: Enough persons for several pages and organizations shared between them.
RECORDS = 600


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxHandle]:
    handle = start_sandbox(
        records=RECORDS, seed=7, pipedrive_token=PIPEDRIVE_TOKEN, brevo_api_key=BREVO_KEY
    )
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def pipedrive_token() -> str:
    return PIPEDRIVE_TOKEN


@pytest.fixture
def brevo_key() -> str:
    return BREVO_KEY
