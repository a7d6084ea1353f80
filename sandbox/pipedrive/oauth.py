"""The Pipedrive fake's OAuth server: app credentials, grants, and the tokens it issued.

A grant is what an app holds for one account after the authorization-code step (which the
sandbox skips: `grant()` hands out its refresh token directly). `refresh()` is the refresh
grant of `POST /oauth/token`; access tokens are accepted as `Authorization: Bearer` until they
expire or the test expires them. Tokens are random per fake and never shown in a repr.
https://pipedrive.readme.io/docs/marketplace-oauth-authorization
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

#: Pipedrive's access tokens live an hour; `expires_in` says so in each answer.
ACCESS_TOKEN_SECONDS = 3599
#: What the fake's grants allow (the scopes are not enforced).
DEFAULT_SCOPE = "base,contacts:read,deals:read,leads:read,activities:read"


@dataclass
class Grant:
    number: int
    client_id: str
    refresh_token: str
    access_token: str
    access_expires_at: float
    revoked: bool = False
    refreshes: int = 0

    @property
    def account(self) -> str:
        """What rate limits and budgets count this grant's calls against (not its token)."""
        return f"oauth-grant-{self.number}"


@dataclass(frozen=True)
class IssuedTokens:
    """What a successful token request answers."""

    access_token: str
    refresh_token: str
    expires_in: int
    scope: str = DEFAULT_SCOPE

    def __repr__(self) -> str:
        return f"IssuedTokens(expires_in={self.expires_in})"


@dataclass(frozen=True)
class Refusal:
    """A refused token request: status, OAuth error code and Pipedrive's message."""

    status: int
    error: str
    message: str


#: Pipedrive answers these with 400. https://pipedrive.readme.io/docs/marketplace-oauth-and-api-proxy-status-codes
INVALID_CLIENT = Refusal(400, "invalid_client", "Invalid client: client is invalid")
NO_CLIENT = Refusal(400, "invalid_client", "Invalid client: cannot retrieve client credentials")
INVALID_GRANT = Refusal(400, "invalid_grant", "Invalid grant: refresh_token is invalid")
NO_GRANT_TYPE = Refusal(400, "invalid_request", "Missing parameter: grant_type")
BAD_GRANT_TYPE = Refusal(
    400, "unsupported_grant_type", "Unsupported grant type: grant_type is invalid"
)


@dataclass
class OAuthServer:
    """Registered apps and their grants; thread-safe."""

    #: Answer every refresh with a new refresh token and retire the old one.
    rotate_refresh_tokens: bool = False
    _apps: dict[str, str] = field(default_factory=dict, repr=False)
    _grants: list[Grant] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: Token requests answered, refused ones included.
    token_requests: int = 0

    def grant(self, client_id: str, client_secret: str) -> IssuedTokens:
        """Register the app (if new) and give it a grant: as if a user had just installed it."""
        with self._lock:
            known = self._apps.setdefault(client_id, client_secret)
            if known != client_secret:
                raise ValueError("that client_id is registered with another secret")
            grant = Grant(
                number=len(self._grants) + 1,
                client_id=client_id,
                refresh_token=_new_token("rt"),
                access_token=_new_token("at"),
                access_expires_at=time.time() + ACCESS_TOKEN_SECONDS,
            )
            self._grants.append(grant)
            return IssuedTokens(grant.access_token, grant.refresh_token, ACCESS_TOKEN_SECONDS)

    def refresh(
        self, client_id: str | None, client_secret: str | None, refresh_token: str | None
    ) -> IssuedTokens | Refusal:
        """The refresh grant: a new access token (the old one stops working), and a new refresh
        token too when rotation is on."""
        with self._lock:
            self.token_requests += 1
            if not client_id or client_secret is None:
                return NO_CLIENT
            if self._apps.get(client_id) != client_secret:
                return INVALID_CLIENT
            grant = next(
                (
                    g
                    for g in self._grants
                    if g.client_id == client_id and g.refresh_token == refresh_token
                ),
                None,
            )
            if grant is None or grant.revoked:
                return INVALID_GRANT
            grant.access_token = _new_token("at")
            grant.access_expires_at = time.time() + ACCESS_TOKEN_SECONDS
            grant.refreshes += 1
            if self.rotate_refresh_tokens:
                grant.refresh_token = _new_token("rt")
            return IssuedTokens(grant.access_token, grant.refresh_token, ACCESS_TOKEN_SECONDS)

    def count_token_request(self) -> None:
        """A token request refused before it reached the grant (a wrong grant_type)."""
        with self._lock:
            self.token_requests += 1

    def account_of(self, access_token: str) -> str | None:
        """The grant a live access token belongs to; None when unknown or expired."""
        now = time.time()
        with self._lock:
            for grant in self._grants:
                if grant.access_token == access_token:
                    return grant.account if now < grant.access_expires_at else None
        return None

    def expire_access_tokens(self) -> int:
        """Every grant's current access token stops working now; returns how many."""
        with self._lock:
            for grant in self._grants:
                grant.access_expires_at = 0.0
            return len(self._grants)

    def revoke_refresh_tokens(self) -> int:
        """Every grant is revoked (the app was uninstalled): refreshes answer `invalid_grant`
        and access tokens stop working. Returns how many grants."""
        with self._lock:
            for grant in self._grants:
                grant.revoked = True
                grant.access_expires_at = 0.0
            return len(self._grants)

    def reset(self) -> None:
        with self._lock:
            self._apps.clear()
            self._grants.clear()
            self.rotate_refresh_tokens = False
            self.token_requests = 0

    def state(self) -> dict[str, int | bool]:
        with self._lock:
            return {
                "grants": len(self._grants),
                "revoked": sum(g.revoked for g in self._grants),
                "refreshes": sum(g.refreshes for g in self._grants),
                "token_requests": self.token_requests,
                "rotate_refresh_tokens": self.rotate_refresh_tokens,
            }


def _new_token(prefix: str) -> str:
    return f"{prefix}-{secrets.token_urlsafe(24)}"
