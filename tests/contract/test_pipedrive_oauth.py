"""PipedriveClient through OAuth 2.0 against the Pipedrive fake, over real HTTP: one refresh on
a 401, the refreshed token kept, refusals as AuthError, and no token anywhere it could leak."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from connectors.core import ratelimit
from connectors.core.errors import AuthError, VendorUnavailableError
from connectors.core.ratelimit import RateLimitSignal
from connectors.pipedrive.client import PipedriveClient
from connectors.pipedrive.oauth import InMemoryTokenStore, OAuthTokens, initial_tokens
from connectors.pipedrive.settings import PipedriveSettings
from sandbox.pipedrive.oauth import IssuedTokens
from sandbox.server import SandboxHandle

CLIENT_ID = "contract-app"
CLIENT_SECRET = "contract-app-secret-value"
PERSONS_ROUTE = "GET /api/v2/persons"


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox: SandboxHandle) -> Iterator[None]:
    """Every test starts with no grants, no failure rules and an empty request log."""
    sandbox.reset()
    yield
    sandbox.reset()


@pytest.fixture
def issued(sandbox: SandboxHandle) -> IssuedTokens:
    return sandbox.pipedrive.oauth.grant(CLIENT_ID, CLIENT_SECRET)


def oauth_settings(
    sandbox: SandboxHandle, issued: IssuedTokens, *, with_access_token: bool = True, **more: str
) -> PipedriveSettings:
    oauth = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "refresh_token": issued.refresh_token,
        "token_url": f"{sandbox.urls['pipedrive']}/oauth/token",
        **({"access_token": issued.access_token} if with_access_token else {}),
    }
    return PipedriveSettings.model_validate(
        {"oauth": oauth, "base_url": sandbox.urls["pipedrive"], **more}
    )


def token_requests(sandbox: SandboxHandle) -> int:
    return int(sandbox.pipedrive.oauth.state()["token_requests"])


def persons_calls(sandbox: SandboxHandle) -> dict[str, int]:
    return sandbox.pipedrive.log.by_route_and_status().get(PERSONS_ROUTE, {})


def test_a_call_with_an_expired_access_token_refreshes_once_and_succeeds(
    sandbox: SandboxHandle, issued: IssuedTokens
) -> None:
    store = InMemoryTokenStore(initial_tokens(oauth_settings(sandbox, issued).oauth))  # type: ignore[arg-type]
    sandbox.pipedrive.oauth.expire_access_tokens()
    with PipedriveClient(oauth_settings(sandbox, issued), token_store=store) as client:
        page = client.list_page("persons", None, limit=20)

    assert len(page.records) == 20
    assert token_requests(sandbox) == 1
    assert persons_calls(sandbox) == {"401": 1, "200": 1}
    refreshed = store.current().access_token
    assert refreshed is not None
    assert refreshed.get_secret_value() != issued.access_token


def test_the_refreshed_token_serves_every_later_call_one_refresh_not_one_per_call(
    sandbox: SandboxHandle, issued: IssuedTokens
) -> None:
    sandbox.pipedrive.oauth.expire_access_tokens()
    with PipedriveClient(oauth_settings(sandbox, issued)) as client:
        for _ in range(5):
            client.list_page("persons", None, limit=5)

    assert token_requests(sandbox) == 1
    assert persons_calls(sandbox) == {"401": 1, "200": 5}


def test_calls_that_meet_an_expired_token_together_share_one_refresh(
    sandbox: SandboxHandle, issued: IssuedTokens
) -> None:
    sandbox.pipedrive.oauth.expire_access_tokens()
    failures: list[BaseException] = []
    with PipedriveClient(oauth_settings(sandbox, issued)) as client:

        def read() -> None:
            try:
                client.list_page("persons", None, limit=5)
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=read) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert failures == []
    assert token_requests(sandbox) == 1
    assert persons_calls(sandbox)["200"] == 8


def test_a_revoked_refresh_token_is_an_auth_error_with_one_token_request_per_call(
    sandbox: SandboxHandle, issued: IssuedTokens
) -> None:
    sandbox.pipedrive.oauth.revoke_refresh_tokens()
    with PipedriveClient(oauth_settings(sandbox, issued)) as client:
        with pytest.raises(AuthError) as caught:
            client.list_page("persons", None, limit=5)
        assert token_requests(sandbox) == 1
        assert persons_calls(sandbox) == {"401": 1}
        with pytest.raises(AuthError):
            client.get_record("persons", 1)

    assert caught.value.operation == "refresh_token"
    assert "invalid_grant" in caught.value.detail
    assert token_requests(sandbox) == 2


def test_a_401_after_the_refresh_is_an_auth_error_without_a_second_refresh(
    sandbox: SandboxHandle, issued: IssuedTokens
) -> None:
    sandbox.pipedrive.failures.set(401, count=2, path_prefix="/api/v2/persons")
    with (
        PipedriveClient(oauth_settings(sandbox, issued)) as client,
        pytest.raises(AuthError) as caught,
    ):
        client.list_page("persons", None, limit=5)

    assert caught.value.operation == "list_persons"
    assert token_requests(sandbox) == 1
    assert persons_calls(sandbox) == {"401": 2}


def test_a_rotated_refresh_token_is_kept_and_used_for_the_next_refresh(
    sandbox: SandboxHandle, issued: IssuedTokens
) -> None:
    sandbox.pipedrive.oauth.rotate_refresh_tokens = True
    settings = oauth_settings(sandbox, issued)
    assert settings.oauth is not None
    store = InMemoryTokenStore(initial_tokens(settings.oauth))
    with PipedriveClient(settings, token_store=store) as client:
        sandbox.pipedrive.oauth.expire_access_tokens()
        client.list_page("persons", None, limit=5)
        rotated = store.current().refresh_token.get_secret_value()
        # The configured refresh token is retired now: only the kept one can refresh.
        sandbox.pipedrive.oauth.expire_access_tokens()
        client.list_page("persons", None, limit=5)

    assert rotated != issued.refresh_token
    assert token_requests(sandbox) == 2
    assert persons_calls(sandbox) == {"401": 2, "200": 2}


def test_no_token_or_secret_appears_in_errors_reprs_or_logs(
    sandbox: SandboxHandle, issued: IssuedTokens, caplog: pytest.LogCaptureFixture
) -> None:
    settings = oauth_settings(sandbox, issued)
    assert settings.oauth is not None
    store = InMemoryTokenStore(initial_tokens(settings.oauth))
    caplog.set_level(logging.DEBUG)
    with PipedriveClient(settings, token_store=store) as client:
        sandbox.pipedrive.oauth.expire_access_tokens()
        client.list_page("persons", None, limit=5)
        refreshed = store.current()
        sandbox.pipedrive.oauth.revoke_refresh_tokens()
        with pytest.raises(AuthError) as caught:
            client.list_page("persons", None, limit=5)
        shown = [
            str(caught.value),
            repr(caught.value),
            repr(caught.value.__reduce__()),
            repr(client),
            repr(client._http.auth),
            repr(store),
            repr(refreshed),
            repr(settings),
            str(settings),
            settings.model_dump_json(),
            caplog.text,
        ]
    assert refreshed.access_token is not None
    secrets = [
        issued.access_token,
        issued.refresh_token,
        CLIENT_SECRET,
        refreshed.access_token.get_secret_value(),
    ]
    for text in shown:
        for secret in secrets:
            assert secret not in text


class RecordingGate:
    """A request gate that keeps the credential of every call it is told about."""

    def __init__(self) -> None:
        self.credentials: list[SecretStr | None] = []

    def admit(self, vendor: str, credential: SecretStr | None, operation: str, cost: int) -> None:
        self.credentials.append(credential)

    def observe(
        self, vendor: str, credential: SecretStr | None, operation: str, signal: RateLimitSignal
    ) -> None:
        self.credentials.append(credential)


def test_the_request_gate_meters_one_stable_credential_across_a_refresh(
    sandbox: SandboxHandle, issued: IssuedTokens
) -> None:
    gate = RecordingGate()
    ratelimit.install_gate(gate)
    settings = oauth_settings(sandbox, issued)
    with PipedriveClient(settings) as client:
        client.list_page("persons", None, limit=5)
        sandbox.pipedrive.oauth.expire_access_tokens()
        client.list_page("persons", None, limit=5)

    assert token_requests(sandbox) == 1
    # Each call admitted and observed once (a page of persons, and its organizations' names).
    assert len(gate.credentials) >= 4
    assert {c.get_secret_value() for c in gate.credentials if c is not None} == {
        settings.credential.get_secret_value()  # type: ignore[union-attr]
    }
    seen = "".join(c.get_secret_value() for c in gate.credentials if c is not None)
    assert issued.access_token not in seen
    assert issued.refresh_token not in seen


def test_list_page_of_persons_through_oauth_goes_to_the_api_domain_pipedrive_names(
    sandbox: SandboxHandle, issued: IssuedTokens
) -> None:
    settings = oauth_settings(sandbox, issued, with_access_token=False)
    # No base_url and no company_domain: the token answer's api_domain is where the API is.
    settings = settings.model_copy(update={"base_url": None})
    store = InMemoryTokenStore(initial_tokens(settings.oauth))  # type: ignore[arg-type]
    ids: list[int] = []
    with PipedriveClient(settings, token_store=store) as client:
        page = client.list_page("persons", None, limit=500)
        ids.extend(r["id"] for r in page.records)
        while page.next_cursor is not None:
            page = client.list_page("persons", page.next_cursor, limit=500)
            ids.extend(r["id"] for r in page.records)

    assert sorted(ids) == list(range(1, sandbox.pipedrive.count + 1))
    assert all(isinstance(r.get("email"), (str, type(None))) for r in page.records)
    assert store.current().api_domain == sandbox.urls["pipedrive"]
    assert token_requests(sandbox) == 1
    assert persons_calls(sandbox) == {"200": 2}


def test_a_token_endpoint_that_cannot_be_reached_is_vendor_unavailable(
    sandbox: SandboxHandle, issued: IssuedTokens
) -> None:
    settings = oauth_settings(sandbox, issued, with_access_token=False)
    assert settings.oauth is not None
    unreachable = settings.oauth.model_copy(update={"token_url": "http://127.0.0.1:9/oauth/token"})
    store = InMemoryTokenStore(OAuthTokens(refresh_token=unreachable.refresh_token))
    with (
        PipedriveClient(
            settings.model_copy(update={"oauth": unreachable}), token_store=store
        ) as client,
        pytest.raises(VendorUnavailableError) as caught,
    ):
        client.list_page("persons", None, limit=5)

    assert caught.value.operation == "refresh_token"
    assert persons_calls(sandbox) == {}
