"""The shared HTTP edge: one way to build a vendor client, and one way to read its failures.

- `build_client` makes a pooled `httpx.Client` with timeouts, a `tajo-sync/<version>` User-Agent and
  a transport that turns transport failures (timeouts, refused or reset connections, broken
  responses) into `VendorUnavailableError`, so no httpx exception leaves a connector.
- `HeaderAuth` puts a credential in one request header at send time; it never sits in URLs, in
  the client's default headers or in any repr.
- `error_for_status` maps an HTTP status to the error taxonomy.

Every error text is built from the vendor name, our operation name, the status and the vendor's
own error code/message: never from the request URL (its query string) or headers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterator, Mapping
from importlib import metadata
from types import TracebackType
from typing import Any, Self

import httpx
from pydantic import SecretStr

from connectors.core.errors import (
    AuthError,
    ForbiddenError,
    RateLimitedError,
    SyncError,
    VendorUnavailableError,
    VendorValidationError,
)
from connectors.core.ratelimit import header, parse_retry_after, parse_seconds

#: The request extension that carries our operation name ("list_persons") down to the transport,
#: so transport errors name what we were doing instead of the URL.
OPERATION_EXTENSION = "tajo_operation"

#: Wait used for a 429 that names no wait at all: short, the limiter learns the real pace.
DEFAULT_RATE_LIMIT_WAIT = 1.0

#: Longest vendor message carried into an error (dead letters and Flower show it).
MAX_DETAIL_CHARS = 500


def _version() -> str:
    try:
        return metadata.version("tajo-sync")
    except metadata.PackageNotFoundError:
        return "0+unknown"


USER_AGENT = f"tajo-sync/{_version()}"


class HeaderAuth(httpx.Auth):
    """Sends a secret in one header (Pipedrive `x-api-token`, Brevo `api-key`).

    The secret is read from the SecretStr only while a request is built, so it is not in the
    client's default headers (which people print) and the repr shows the header name alone.
    """

    def __init__(self, header_name: str, secret: SecretStr) -> None:
        self.header_name = header_name
        self._secret = secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers[self.header_name] = self._secret.get_secret_value()
        yield request

    def __repr__(self) -> str:
        return f"HeaderAuth(header_name={self.header_name!r}, secret='**********')"


def operation_of(request: httpx.Request) -> str:
    """Our name for what a request was doing; falls back to the method and path (no query)."""
    named = request.extensions.get(OPERATION_EXTENSION)
    if isinstance(named, str) and named:
        return named
    return f"{request.method} {request.url.path}"


def _unavailable(vendor: str, request: httpx.Request, exc: Exception) -> VendorUnavailableError:
    # The class name says what failed ("ConnectTimeout"); str(exc) is left out because some
    # httpx/httpcore messages quote the URL, query string included.
    return VendorUnavailableError(
        vendor, operation_of(request), f"{type(exc).__name__}: the request did not complete"
    )


class _TranslatingStream(httpx.SyncByteStream):
    """A response body whose read failures (reset mid-body, read timeout) become our errors."""

    def __init__(self, inner: httpx.SyncByteStream, vendor: str, request: httpx.Request) -> None:
        self._inner = inner
        self._vendor = vendor
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._inner
        except httpx.TransportError as exc:
            raise _unavailable(self._vendor, self._request, exc) from exc

    def close(self) -> None:
        self._inner.close()


class TranslatingTransport(httpx.BaseTransport):
    """Wraps a transport so timeouts, connect errors and resets leave as VendorUnavailableError."""

    def __init__(self, inner: httpx.BaseTransport, vendor: str) -> None:
        self._inner = inner
        self._vendor = vendor

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = self._inner.handle_request(request)
        except httpx.TransportError as exc:
            raise _unavailable(self._vendor, request, exc) from exc
        if isinstance(response.stream, httpx.SyncByteStream):
            response.stream = _TranslatingStream(response.stream, self._vendor, request)
        return response

    def close(self) -> None:
        self._inner.close()


def build_client(
    *,
    vendor: str,
    base_url: str,
    auth: httpx.Auth,
    timeout_seconds: float,
    headers: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    max_connections: int = 20,
) -> httpx.Client:
    """A pooled client for one vendor; `transport` lets tests pass an httpx.MockTransport."""
    inner = transport or httpx.HTTPTransport(
        limits=httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
        ),
        # No hidden retries: Celery owns retries, and a silent retry would double-spend budgets.
        retries=0,
    )
    default_headers = {"user-agent": USER_AGENT, **(headers or {})}
    return httpx.Client(
        base_url=base_url,
        auth=auth,
        headers=default_headers,
        timeout=httpx.Timeout(timeout_seconds, connect=min(10.0, timeout_seconds)),
        transport=TranslatingTransport(inner, vendor),
        # A redirect is a misconfigured base_url; following it could hand the credential header
        # to another host, so we stop and report instead.
        follow_redirects=False,
    )


def send(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    vendor: str,
    operation: str,
    params: Mapping[str, str | int] | None = None,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
) -> httpx.Response:
    """One request, named by `operation`; whatever httpx raises leaves as VendorUnavailableError.

    The transport already translates transport failures; this also covers what httpx raises
    outside the transport (a body it cannot decode, say). Status codes are left to the caller.
    """
    try:
        return client.request(
            method,
            url,
            params=params,
            content=content,
            headers=headers,
            extensions={OPERATION_EXTENSION: operation},
        )
    except httpx.HTTPError as exc:
        raise VendorUnavailableError(
            vendor, operation, f"{type(exc).__name__}: the request did not complete"
        ) from exc


def encode_json(payload: Any) -> bytes:
    """The exact bytes we send for a JSON body, so size limits can be measured before sending."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def decode_json(response: httpx.Response, *, vendor: str, operation: str) -> Any:
    """The JSON body of a successful response.

    A 2xx whose body is not JSON is a vendor fault (a proxy's HTML page, a truncated body), not a
    problem with our request: VendorUnavailableError gives it bounded retries, then a dead letter.
    """
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise VendorUnavailableError(
            vendor, operation, f"HTTP {response.status_code} with a body that is not JSON"
        ) from exc


ErrorBodyParser = Callable[[httpx.Response], tuple[str | None, str | None]]


def parse_error_body(response: httpx.Response) -> tuple[str | None, str | None]:
    """(code, message) from a JSON error body; (None, None) when it is not JSON."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, None
    return error_fields(body)


def error_fields(body: Any) -> tuple[str | None, str | None]:
    """(code, message) from a decoded error body in the common shapes, else (None, None).

    Brevo: {"code", "message"}. Pipedrive: {"success": false, "error", "error_info", "code"?}.
    """
    if not isinstance(body, dict):
        return None, None
    code = next((body[k] for k in ("code", "error_code", "errorCode") if body.get(k)), None)
    message = next((body[k] for k in ("message", "error", "detail") if body.get(k)), None)
    info = body.get("error_info")
    if isinstance(message, str) and isinstance(info, str) and info:
        message = f"{message} ({info})"
    return (
        None if code is None else str(code),
        None if message is None else str(message)[:MAX_DETAIL_CHARS],
    )


def rate_limit_wait(response: httpx.Response, *, reset_header: str | None) -> float:
    """Seconds a 429 asks us to wait: Retry-After first, then the vendor's reset header."""
    wait = parse_retry_after(header(response.headers, "retry-after"))
    if wait is None and reset_header is not None:
        wait = parse_seconds(header(response.headers, reset_header))
    return DEFAULT_RATE_LIMIT_WAIT if wait is None else wait


def error_for_status(
    response: httpx.Response,
    *,
    vendor: str,
    operation: str | None = None,
    reset_header: str | None = None,
    parse_error: ErrorBodyParser = parse_error_body,
) -> SyncError | None:
    """The taxonomy error an HTTP status means, or None for a 2xx.

    401 Auth · 403 (and 402, a lapsed subscription) Forbidden · 429 RateLimited(wait) ·
    408/425/5xx VendorUnavailable · 3xx VendorUnavailable (we never follow redirects) ·
    other 4xx VendorValidation with the vendor's code and message.
    """
    status = response.status_code
    if 200 <= status < 300:
        return None
    op = operation or operation_of(response.request)
    code, message = parse_error(response)
    detail = f"HTTP {status}" + (f": {message}" if message else "")
    if status == 401:
        return AuthError(vendor, op, detail)
    if status in (402, 403):
        return ForbiddenError(vendor, op, detail)
    if status == 429:
        return RateLimitedError(
            vendor, op, detail, wait_seconds=rate_limit_wait(response, reset_header=reset_header)
        )
    if status >= 500 or status in (408, 425):
        return VendorUnavailableError(vendor, op, detail)
    if 300 <= status < 400:
        return VendorUnavailableError(vendor, op, f"HTTP {status}: unexpected redirect")
    if status >= 400:
        return VendorValidationError(vendor, op, detail, code=code or f"http_{status}")
    return VendorUnavailableError(vendor, op, f"HTTP {status}: unexpected status")


class PooledClient:
    """The lifecycle every vendor client shares: one pooled httpx client, closed once.

    Use a client as a context manager, or call `close()`; subclasses set `self._http`.
    """

    _http: httpx.Client

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
