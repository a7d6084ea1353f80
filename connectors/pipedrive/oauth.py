"""Pipedrive OAuth 2.0: bearer tokens, one refresh on a 401, and where the tokens are kept.

- `OAuthTokens`: an access token (None until the first refresh), the refresh token, and what
  Pipedrive said with them (`api_domain`, the expiry). Its repr masks both tokens.
- `TokenStore`: `current()` / `save(tokens)`. `InMemoryTokenStore` keeps them for one process;
  a shared, encrypted store can take its place without touching the auth flow.
- `BearerAuth`: the httpx auth flow. It sends `Authorization: Bearer <access token>`; on a 401
  it refreshes once (`POST token_url`, `grant_type=refresh_token`, HTTP basic auth of
  client_id:client_secret) and retries the request once. The retry's answer goes back to the
  caller as it is, so a second 401 becomes the client's `AuthError`; a refused refresh is an
  `AuthError` at once. https://pipedrive.readme.io/docs/marketplace-oauth-authorization

Tokens go in headers and form bodies only: never in URLs, logs, error text or reprs.
"""

from __future__ import annotations

import os
import re
import threading
import time
import weakref
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from pydantic import SecretStr

from connectors.core.errors import AuthError, SyncError, VendorUnavailableError
from connectors.core.http import OPERATION_EXTENSION, USER_AGENT, error_for_status
from connectors.pipedrive.settings import PipedriveOAuth

VENDOR = "pipedrive"
REFRESH_OPERATION = "refresh_token"
#: OAuth error codes that mean the grant or the app's credentials are no good: fatal.
#: Pipedrive answers a revoked or already-exchanged refresh token with 400 `invalid_grant`.
#: https://pipedrive.readme.io/docs/marketplace-oauth-and-api-proxy-status-codes
FATAL_OAUTH_ERRORS = frozenset({"invalid_grant", "invalid_client", "unauthorized_client"})
#: An OAuth error code is a short word; anything else in the body is left out of our errors.
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")


@dataclass(frozen=True)
class OAuthTokens:
    """One grant's tokens as last issued."""

    refresh_token: SecretStr
    access_token: SecretStr | None = None
    #: The account's API host Pipedrive named in the token answer ("https://acme.pipedrive.com").
    api_domain: str | None = None
    #: Epoch seconds the access token stops working, when Pipedrive said (`expires_in`).
    expires_at: float | None = None

    def __repr__(self) -> str:
        access = "set" if self.access_token is not None else None
        return f"OAuthTokens(access_token={access}, api_domain={self.api_domain!r})"


class TokenStore(Protocol):
    """Where a grant's tokens live between requests (and, later, between workers)."""

    def current(self) -> OAuthTokens:
        """The tokens to use now."""
        ...

    def save(self, tokens: OAuthTokens) -> None:
        """Keep newly issued tokens (a refreshed access token, a rotated refresh token)."""
        ...


class InMemoryTokenStore:
    """A process's own copy of one grant's tokens."""

    def __init__(self, initial: OAuthTokens) -> None:
        self._tokens = initial
        self._lock = threading.Lock()

    def current(self) -> OAuthTokens:
        with self._lock:
            return self._tokens

    def save(self, tokens: OAuthTokens) -> None:
        with self._lock:
            self._tokens = tokens

    def __repr__(self) -> str:
        return "InMemoryTokenStore(tokens='**********')"


def initial_tokens(oauth: PipedriveOAuth) -> OAuthTokens:
    return OAuthTokens(refresh_token=oauth.refresh_token, access_token=oauth.access_token)


#: (process id, grant fingerprint) -> the store every client of that grant in the process uses,
#: so the API client and the webhooks client refresh once between them and keep the same
#: rotated refresh token. Keyed by pid so a forked worker never inherits a held lock.
_shared_stores: dict[tuple[int, str], InMemoryTokenStore] = {}
_shared_lock = threading.Lock()


def shared_token_store(oauth: PipedriveOAuth) -> InMemoryTokenStore:
    """This process's store for the grant `oauth` configures."""
    key = (os.getpid(), oauth.fingerprint_material().get_secret_value())
    with _shared_lock:
        store = _shared_stores.get(key)
        if store is None:
            store = _shared_stores[key] = InMemoryTokenStore(initial_tokens(oauth))
        return store


#: One refresh at a time per store: requests that meet a 401 together wait for one refresh.
_refresh_locks: weakref.WeakKeyDictionary[TokenStore, threading.Lock] = weakref.WeakKeyDictionary()


def _refresh_lock(store: TokenStore) -> threading.Lock:
    with _shared_lock:
        lock = _refresh_locks.get(store)
        if lock is None:
            lock = _refresh_locks[store] = threading.Lock()
        return lock


class BearerAuth(httpx.Auth):
    """`Authorization: Bearer`, refreshed once on a 401 (see the module docstring).

    Synchronous clients only: the refresh is serialised with a thread lock.
    """

    def __init__(
        self, oauth: PipedriveOAuth, store: TokenStore, *, follow_api_domain: bool = False
    ) -> None:
        self._oauth = oauth
        self._store = store
        #: Send requests to the `api_domain` the token answer names (no `base_url` override).
        self._follow_api_domain = follow_api_domain

    def sync_auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        tokens = self._store.current()
        if tokens.access_token is None:
            tokens = yield from self._refreshed(tokens)
        self._authorize(request, tokens)
        response = yield request
        if response.status_code != 401:
            return
        tokens = yield from self._refreshed(tokens)
        self._authorize(request, tokens)
        yield request

    def _refreshed(
        self, stale: OAuthTokens
    ) -> Generator[httpx.Request, httpx.Response, OAuthTokens]:
        """Tokens newer than `stale`: another request's refresh if one happened meanwhile, else
        one refresh of our own (saved to the store before anyone uses it)."""
        with _refresh_lock(self._store):
            latest = self._store.current()
            if latest.access_token is not None and latest.access_token != stale.access_token:
                return latest
            response = yield self._refresh_request(latest)
            response.read()
            tokens = tokens_from_answer(response, latest)
            self._store.save(tokens)
            return tokens

    def _refresh_request(self, tokens: OAuthTokens) -> httpx.Request:
        # Pipedrive wants the client credentials as HTTP basic auth and a form body.
        basic = httpx.BasicAuth(self._oauth.client_id, self._oauth.client_secret.get_secret_value())
        request = httpx.Request(
            "POST",
            self._oauth.token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": tokens.refresh_token.get_secret_value(),
            },
            headers={"accept": "application/json", "user-agent": USER_AGENT},
            extensions={OPERATION_EXTENSION: REFRESH_OPERATION},
        )
        return next(basic.auth_flow(request))

    def _authorize(self, request: httpx.Request, tokens: OAuthTokens) -> None:
        assert tokens.access_token is not None
        request.headers["authorization"] = f"Bearer {tokens.access_token.get_secret_value()}"
        if self._follow_api_domain and tokens.api_domain:
            route_to(request, tokens.api_domain)

    def __repr__(self) -> str:
        return f"BearerAuth(client_id={self._oauth.client_id!r}, tokens='**********')"


def route_to(request: httpx.Request, api_domain: str) -> None:
    """Point the request at the account's API host, path and query kept."""
    domain = httpx.URL(api_domain)
    request.url = request.url.copy_with(scheme=domain.scheme, host=domain.host, port=domain.port)
    request.headers["host"] = request.url.netloc.decode("ascii")


def tokens_from_answer(response: httpx.Response, previous: OAuthTokens) -> OAuthTokens:
    """The tokens a token-endpoint answer carries; the error it means when it carries none.

    Pipedrive may or may not send a new refresh token; when it does, the old one may stop
    working, so the new one is kept. https://pipedrive.readme.io/docs/marketplace-oauth-authorization
    """
    error = refresh_error(response)
    if error is not None:
        raise error
    try:
        body: Any = response.json()
    except ValueError as exc:
        raise VendorUnavailableError(
            VENDOR, REFRESH_OPERATION, f"HTTP {response.status_code} with a body that is not JSON"
        ) from exc
    access = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(access, str) or not access:
        raise VendorUnavailableError(VENDOR, REFRESH_OPERATION, "the answer has no access_token")
    rotated = body.get("refresh_token")
    expires_in = body.get("expires_in")
    api_domain = body.get("api_domain")
    return OAuthTokens(
        refresh_token=(
            SecretStr(rotated) if isinstance(rotated, str) and rotated else previous.refresh_token
        ),
        access_token=SecretStr(access),
        api_domain=api_domain if _is_http_url(api_domain) else previous.api_domain,
        expires_at=(
            time.time() + float(expires_in)
            if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool)
            else None
        ),
    )


def refresh_error(response: httpx.Response) -> SyncError | None:
    """A refused refresh: `invalid_grant` and its kin (a revoked grant, a wrong client secret)
    and any 401 are `AuthError`, which no retry can fix; other statuses map as usual (429 waits,
    5xx retries, other 4xx are `VendorValidationError`)."""
    if 200 <= response.status_code < 300:
        return None
    code = _oauth_error_code(response)
    if response.status_code == 401 or code in FATAL_OAUTH_ERRORS:
        said = f" ({code})" if code else ""
        return AuthError(
            VENDOR,
            REFRESH_OPERATION,
            f"HTTP {response.status_code}{said}: Pipedrive refused to refresh the access token; "
            "the app needs to be authorized again",
        )
    # Only the OAuth error code is carried: a token endpoint's free text may echo the request.
    return error_for_status(
        response,
        vendor=VENDOR,
        operation=REFRESH_OPERATION,
        parse_error=lambda r: (code, code),
    )


def _oauth_error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    code = body.get("error") if isinstance(body, dict) else None
    return code if isinstance(code, str) and _ERROR_CODE.fullmatch(code) else None


def _is_http_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))
