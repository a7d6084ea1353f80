"""What every vendor's webhook ingress shares: the object hint, and checks on the raw body.

Each check reads the bytes exactly as they arrived (before any JSON parsing, which could reorder
or re-encode them) and compares in constant time, so a forged request learns nothing from how
long the answer took.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import SecretStr

from connectors.core.settings import StrictModel

#: How a connector's resource is kept in step: the schedule only, webhooks only, or both (the
#: scheduled incremental run catches whatever a webhook missed).
SyncMode = Literal["batch", "realtime", "hybrid"]
PUSHED_MODES: frozenset[str] = frozenset({"realtime", "hybrid"})
SCHEDULED_MODES: frozenset[str] = frozenset({"batch", "hybrid"})

#: What a hint says happened; `merge` is a delete whose record lives on in `merged_into`.
Action = Literal["create", "change", "delete", "merge"]


class BasicAuthCredentials(StrictModel):
    """HTTP basic-auth credentials a vendor sends with each webhook (set at registration)."""

    username: str
    password: SecretStr


@dataclass(frozen=True)
class ObjectRef:
    """A hint that one vendor object changed: refetch it, never trust the payload's copy."""

    resource: str
    object_id: str
    action: Action
    #: the vendor's own name for what happened (`person.change`), for the configured event rules
    vendor_event: str = ""
    #: for a merge: the id the object was merged into
    merged_into: str | None = None


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, whatever its case in `headers`."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def basic_auth_matches(authorization: str | None, expected: BasicAuthCredentials) -> bool:
    """True when an `Authorization: Basic ...` header carries exactly these credentials."""
    if not authorization:
        return False
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return False
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    wanted = f"{expected.username}:{expected.password.get_secret_value()}".encode()
    return hmac.compare_digest(decoded, wanted)


def hmac_base64(secret: SecretStr, body: bytes, algorithm: str = "sha256") -> str:
    """The base64 HMAC of the raw body (Shopify's `X-Shopify-Hmac-Sha256`)."""
    mac = hmac.new(secret.get_secret_value().encode(), body, getattr(hashlib, algorithm))
    return base64.b64encode(mac.digest()).decode()


def hmac_base64_matches(
    signature: str | None, secret: SecretStr, body: bytes, algorithm: str = "sha256"
) -> bool:
    """True when `signature` is the base64 HMAC of exactly these bytes under `secret`."""
    if not signature:
        return False
    expected = hmac_base64(secret, body, algorithm)
    return hmac.compare_digest(signature.strip().encode(), expected.encode())


def shared_secret_matches(presented: str | None, secret: SecretStr) -> bool:
    """True when a shared-secret header carries the configured secret (Connectif, Workato)."""
    if not presented:
        return False
    return hmac.compare_digest(presented.encode(), secret.get_secret_value().encode())
