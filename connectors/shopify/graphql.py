"""One GraphQL Admin API call: metered, sent, classified. Shared by the client and webhooks.

Shopify answers most failures *in a 200 body*: `errors[].extensions.code` says THROTTLED (the
query's cost does not fit the bucket yet), ACCESS_DENIED (a missing scope),
MAX_COST_EXCEEDED (the query alone is over the 1,000-point cap) or INTERNAL_SERVER_ERROR.
HTTP statuses carry the rest: 401 (bad token), 402 (frozen shop), 403, 423 (locked shop), 429,
5xx. https://shopify.dev/docs/api/admin-graphql#status_and_error_codes

Every call is announced to the process's request gate with its *requested* cost (the points
Shopify reserves before running it) and reports the response's `throttleStatus` after, so
the shared limiter learns the bucket size and restore rate from Shopify itself.
The client never retries: Celery owns retries, and deferrals come from the errors it raises.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, Final

import httpx

from connectors.core import ratelimit
from connectors.core.errors import (
    ConfigError,
    ForbiddenError,
    RateLimitedError,
    SyncError,
    VendorUnavailableError,
    VendorValidationError,
)
from connectors.core.http import (
    MAX_DETAIL_CHARS,
    HeaderAuth,
    PooledClient,
    build_client,
    encode_json,
    error_for_status,
    send,
)
from connectors.core.ratelimit import RateLimitSignal
from connectors.shopify.settings import ShopifySettings
from connectors.shopify.signals import QueryCost, graphql_signal, query_cost, rest_signal

VENDOR: Final = "shopify"
TOKEN_HEADER: Final = "X-Shopify-Access-Token"  # noqa: S105 (a header name, not a secret)

#: What a query costs before Shopify has told us (a single-object read is 1; lists say more).
DEFAULT_COST: Final = 10
#: Body-level codes and what they mean for the runner.
ACCESS_DENIED: Final = "ACCESS_DENIED"
THROTTLED: Final = "THROTTLED"
UNAVAILABLE_CODES: Final = frozenset({"INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"})


def shopify_http(
    settings: ShopifySettings, transport: httpx.BaseTransport | None = None
) -> httpx.Client:
    """The pooled client that sends the access token in its header (never in a URL)."""
    token = settings.access_token
    if token is None or not token.get_secret_value():
        raise ConfigError(
            "connectors.shopify.access_token",
            "is required to call Shopify (the Admin API access token of the shop's custom app)",
        )
    return build_client(
        vendor=VENDOR,
        base_url=settings.effective_base_url,
        auth=HeaderAuth(TOKEN_HEADER, token),
        timeout_seconds=settings.timeout_seconds,
        headers={"accept": "application/json"},
        transport=transport,
    )


def error_messages(body: object) -> tuple[str | None, str | None]:
    """(first code, joined messages) of a body's `errors`: a list of `{message, extensions}`
    in GraphQL answers, a plain string (or `{field: [messages]}`) on HTTP errors."""
    errors = body.get("errors") if isinstance(body, Mapping) else None
    if errors is None:
        return None, None
    if isinstance(errors, str):
        return None, errors[:MAX_DETAIL_CHARS]
    code: str | None = None
    messages: list[str] = []
    items = errors if isinstance(errors, list) else [errors]
    for item in items:
        if isinstance(item, Mapping):
            extensions = item.get("extensions")
            found = extensions.get("code") if isinstance(extensions, Mapping) else None
            if code is None and isinstance(found, str):
                code = found
            message = item.get("message")
            if isinstance(message, str):
                messages.append(message)
            elif message is None and not isinstance(found, str):
                messages.append(json.dumps(item, default=str)[:200])
        elif isinstance(item, str):
            messages.append(item)
    return code, "; ".join(messages)[:MAX_DETAIL_CHARS] or None


def _parse_error(response: httpx.Response) -> tuple[str | None, str | None]:
    try:
        return error_messages(response.json())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, None


def classify(response: httpx.Response, body: object, operation: str) -> SyncError | None:
    """The error a GraphQL response means, or None when its `data` can be used."""
    if response.status_code == 423:  # the shop is locked: nothing to do until the owner acts
        return ForbiddenError(VENDOR, operation, "HTTP 423: the shop is locked")
    if response.status_code == 429:
        wait = rest_signal(429, response.headers).retry_after
        return RateLimitedError(
            VENDOR, operation, "HTTP 429", wait_seconds=1.0 if wait is None else wait
        )
    error = error_for_status(response, vendor=VENDOR, operation=operation, parse_error=_parse_error)
    if error is not None:
        return error
    if not isinstance(body, Mapping):
        return VendorUnavailableError(VENDOR, operation, "a 2xx body that is not a JSON object")
    code, message = error_messages(body)
    if code is None and message is None:
        if not isinstance(body.get("data"), Mapping):
            return VendorUnavailableError(VENDOR, operation, "a 2xx body without `data`")
        return None
    detail = f"{code or 'GraphQL error'}: {message or 'no message'}"
    if code == THROTTLED:
        wait = graphql_signal(body).retry_after
        return RateLimitedError(VENDOR, operation, detail, wait_seconds=wait or 1.0)
    if code == ACCESS_DENIED:
        return ForbiddenError(VENDOR, operation, detail)
    if code in UNAVAILABLE_CODES:
        return VendorUnavailableError(VENDOR, operation, detail)
    # A query Shopify refuses (unknown field, over the cost cap, a bad argument) is ours to fix.
    return VendorValidationError(VENDOR, operation, detail, code=code or "graphql_error")


def signal_of(response: httpx.Response, body: object) -> RateLimitSignal:
    """The rate-limit signal of a response: the cost block when there is one, else headers."""
    if isinstance(body, Mapping) and (
        query_cost(body).maximum is not None or body.get("errors") is not None
    ):
        signal = graphql_signal(body)
        return signal.refused() if response.status_code == 429 else signal
    return rest_signal(response.status_code, response.headers)


def signal_info(signal: RateLimitSignal, cost: QueryCost) -> dict[str, Any]:
    """What `Page.info` carries about the bucket: JSON-ready, no secrets."""
    return {
        "rate_limit": {k: v for k, v in asdict(signal).items() if v not in (None, False)},
        "query_cost": {k: v for k, v in asdict(cost).items() if v is not None},
    }


class GraphQL(PooledClient):
    """Sends GraphQL documents to one shop; remembers what each operation costs."""

    def __init__(
        self, settings: ShopifySettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._http = shopify_http(settings, transport)
        self._settings = settings
        #: operation -> the requested cost Shopify last computed for it
        self._costs: dict[str, int] = {}
        self.last_cost: QueryCost | None = None
        self.last_signal: RateLimitSignal = RateLimitSignal()

    def cost_of(self, operation: str, estimate: int | None = None) -> int:
        """The requested cost to announce: Shopify's own figure from the operation's last
        answer, else the estimate, else DEFAULT_COST."""
        known = self._costs.get(operation)
        if known is not None:
            return known
        return DEFAULT_COST if estimate is None else estimate

    def execute(
        self,
        operation: str,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        estimate: int | None = None,
    ) -> dict[str, Any]:
        """Run one document; its `data`, or the taxonomy error the answer means."""
        gate = ratelimit.current_gate()
        token = self._settings.access_token
        if gate is not None:
            gate.admit(VENDOR, token, operation, self.cost_of(operation, estimate))
        payload: dict[str, Any] = {"query": document}
        if variables:
            payload["variables"] = dict(variables)
        response = send(
            self._http,
            "POST",
            self._settings.graphql_path,
            vendor=VENDOR,
            operation=operation,
            content=encode_json(payload),
            headers={"content-type": "application/json"},
        )
        try:
            body: object = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        signal = signal_of(response, body)
        if gate is not None:
            gate.observe(VENDOR, token, operation, signal)
        self.last_signal = signal
        if isinstance(body, Mapping):
            cost = query_cost(body)
            if cost.maximum is not None:
                self.last_cost = cost
            if cost.requested is not None:
                self._costs[operation] = max(1, int(cost.requested))
        error = classify(response, body, operation)
        if error is not None:
            raise error
        assert isinstance(body, Mapping)  # classify() refuses anything else
        data = body["data"]
        return dict(data)

    def info(self) -> dict[str, Any]:
        return signal_info(self.last_signal, self.last_cost or QueryCost())

    def __repr__(self) -> str:
        return f"GraphQL(base_url={self._settings.effective_base_url!r})"
