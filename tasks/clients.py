"""Connector clients, one per worker process and credential (httpx pools connections per client)."""

from __future__ import annotations

import hashlib
import os

from connectors.brevo.client import BrevoClient
from connectors.brevo.settings import BrevoSettings
from connectors.pipedrive.client import PipedriveClient
from connectors.pipedrive.settings import PipedriveSettings

_pipedrive: dict[tuple[int, str], PipedriveClient] = {}
_brevo: dict[tuple[int, str], BrevoClient] = {}


def _fingerprint(settings: PipedriveSettings | BrevoSettings) -> str:
    # The key covers the secret too (hashed, never stored), so a rotated token gets a new client.
    secret = getattr(settings, "api_token", None) or getattr(settings, "api_key", None)
    material = settings.model_dump_json() + (secret.get_secret_value() if secret else "")
    return hashlib.sha256(material.encode()).hexdigest()


def pipedrive(settings: PipedriveSettings) -> PipedriveClient:
    key = (os.getpid(), _fingerprint(settings))
    client = _pipedrive.get(key)
    if client is None:
        client = _pipedrive[key] = PipedriveClient(settings)
    return client


def brevo(settings: BrevoSettings) -> BrevoClient:
    key = (os.getpid(), _fingerprint(settings))
    client = _brevo.get(key)
    if client is None:
        client = _brevo[key] = BrevoClient(settings)
    return client
