"""Shared pieces for the connector unit tests: settings with a known secret, and a fake vendor.

`FakeVendor` is an httpx.MockTransport whose answers the test scripts per request, and which
keeps every request it saw, so tests can assert exactly what went over the wire.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from connectors.brevo.settings import BrevoSettings
from connectors.pipedrive.settings import PipedriveSettings

PIPEDRIVE_TOKEN = "pd-secret-token-0123456789"
BREVO_KEY = "xkeysib-secret-key-0123456789"

Handler = Callable[[httpx.Request], httpx.Response]


class FakeVendor(httpx.MockTransport):
    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx.Request] = []

        def record(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            return handler(request)

        super().__init__(record)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


@pytest.fixture
def pipedrive_settings() -> PipedriveSettings:
    return PipedriveSettings(api_token=PIPEDRIVE_TOKEN, base_url="https://acme.pipedrive.test")


@pytest.fixture
def brevo_settings() -> BrevoSettings:
    return BrevoSettings(api_key=BREVO_KEY, base_url="https://brevo.test/v3")


@pytest.fixture
def pipedrive_token() -> str:
    return PIPEDRIVE_TOKEN


@pytest.fixture
def brevo_key() -> str:
    return BREVO_KEY


@pytest.fixture
def make_vendor() -> Callable[[Handler], FakeVendor]:
    return FakeVendor
