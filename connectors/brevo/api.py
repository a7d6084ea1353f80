"""The HTTP edge the non-contact Brevo writers share: one pooled client, one error reading.

Same credential handling and error taxonomy as `BrevoClient` (the key in the `api-key` header,
429 waits for `x-sib-ratelimit-reset`, 4xx carries Brevo's code and message), but it answers
raw responses too, because batch endpoints say per item what they refused and the writers must
read that instead of failing the whole batch.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import httpx

from connectors.brevo.client import RESET_HEADER, VENDOR, rate_limit_signal
from connectors.brevo.settings import BrevoSettings
from connectors.core.errors import ConfigError, SyncError, VendorUnavailableError
from connectors.core.http import (
    OPERATION_EXTENSION,
    HeaderAuth,
    PooledClient,
    build_client,
    decode_json,
    encode_json,
    error_for_status,
    send,
)
from connectors.core.ratelimit import RateLimitSignal


class BrevoApi(PooledClient):
    """Raw requests to one Brevo account. Use as a context manager, or call `close()`."""

    def __init__(
        self, settings: BrevoSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        if settings.api_key is None or not settings.api_key.get_secret_value():
            raise ConfigError("brevo.api_key", "is required to call Brevo")
        self._base_url = settings.base_url
        # What the last response of each thread said about the budget (x-sib-ratelimit-*).
        self._seen = threading.local()
        self._http = build_client(
            vendor=VENDOR,
            base_url=settings.base_url.rstrip("/"),
            auth=HeaderAuth("api-key", settings.api_key),
            timeout_seconds=settings.timeout_seconds,
            headers={"accept": "application/json"},
            transport=transport,
        )

    def send(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        body: Any = None,
        params: Mapping[str, str | int] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        form: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One request, its status left to the caller. `body` is sent as JSON; `files` and
        `form` as multipart/form-data (CSV imports)."""
        response = self._request(method, path, operation, body, params, files, form)
        self._seen.signal = rate_limit_signal(response)
        return response

    def last_rate_limit(self) -> RateLimitSignal:
        """The rate-limit headers of this thread's last response (empty before any)."""
        signal = getattr(self._seen, "signal", None)
        return signal if isinstance(signal, RateLimitSignal) else RateLimitSignal()

    def _request(
        self,
        method: str,
        path: str,
        operation: str,
        body: Any,
        params: Mapping[str, str | int] | None,
        files: Mapping[str, tuple[str, bytes, str]] | None,
        form: Mapping[str, str] | None,
    ) -> httpx.Response:
        if files is not None:
            try:
                return self._http.request(
                    method,
                    path,
                    params=params,
                    files=dict(files),
                    data=dict(form or {}),
                    extensions={OPERATION_EXTENSION: operation},
                )
            except httpx.HTTPError as exc:
                raise VendorUnavailableError(
                    VENDOR, operation, f"{type(exc).__name__}: the request did not complete"
                ) from exc
        content = None if body is None else encode_json(body)
        headers = {"content-type": "application/json"} if content is not None else None
        return send(
            self._http,
            method,
            path,
            vendor=VENDOR,
            operation=operation,
            params=params,
            content=content,
            headers=headers,
        )

    def call(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        body: Any = None,
        params: Mapping[str, str | int] | None = None,
    ) -> Any:
        """A request whose errors are raised; the decoded body, or None when there is none."""
        response = self.send(method, path, operation, body=body, params=params)
        return self.result(response, operation)

    def result(self, response: httpx.Response, operation: str) -> Any:
        """The decoded body of a successful response; the taxonomy error of any other."""
        error = self.classify(response)
        if error is not None:
            raise error
        if response.status_code == 204 or not response.content:
            return None
        return decode_json(response, vendor=VENDOR, operation=operation)

    def classify(self, response: httpx.Response) -> SyncError | None:
        """The error a response means, or None (429 waits for `x-sib-ratelimit-reset`)."""
        return error_for_status(response, vendor=VENDOR, reset_header=RESET_HEADER)

    def __repr__(self) -> str:
        return f"BrevoApi(base_url={self._base_url!r})"
