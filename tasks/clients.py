"""Connector clients, one per worker process and credential (httpx pools connections per client)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, SecretStr

from connectors.brevo.client import BrevoClient
from connectors.brevo.settings import BrevoSettings
from connectors.pipedrive.client import PipedriveClient
from connectors.pipedrive.settings import PipedriveSettings
from connectors.shopify.client import ShopifyClient
from connectors.shopify.settings import ShopifySettings

Client = TypeVar("Client")

_clients: dict[tuple[int, str, str], object] = {}


def _fingerprint(settings: BaseModel) -> str:
    # The key covers the secrets too (hashed, never stored), so a rotated token gets a new client.
    material = settings.model_dump_json() + "".join(_secrets(settings))
    return hashlib.sha256(material.encode()).hexdigest()


def _secrets(model: BaseModel) -> list[str]:
    """Every secret value of the settings, nested blocks (Pipedrive's `oauth:`) included."""
    found: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name, None)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            found.extend(_secrets(value))
    return found


def _cached(kind: str, settings: BaseModel, build: Callable[[], Client]) -> Client:
    key = (os.getpid(), kind, _fingerprint(settings))
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = build()
    return client  # type: ignore[return-value]


def pipedrive(settings: PipedriveSettings) -> PipedriveClient:
    return _cached("pipedrive", settings, lambda: PipedriveClient(settings))


def shopify(settings: ShopifySettings) -> ShopifyClient:
    return _cached("shopify", settings, lambda: ShopifyClient(settings))


def brevo(settings: BrevoSettings) -> BrevoClient:
    return _cached("brevo", settings, lambda: BrevoClient(settings))
