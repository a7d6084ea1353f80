"""Pipedrive OAuth settings and the token-answer rules: pure, no network."""

from __future__ import annotations

import httpx
import pytest
from pydantic import SecretStr

from connectors.core.errors import (
    AuthError,
    ConfigError,
    RateLimitedError,
    VendorUnavailableError,
)
from connectors.pipedrive.oauth import OAuthTokens, refresh_error, tokens_from_answer
from connectors.pipedrive.settings import PIPEDRIVE_OAUTH_URL, PipedriveSettings
from workers.config import parse_config

OAUTH_BLOCK = """
connectors:
  pipedrive:
    enabled: true
    company_domain: "yourcompany"
    oauth:
      client_id: "app-id"
      client_secret: "app-secret-value"
      refresh_token: "refresh-token-value"
"""
TOKEN_LINE = '    api_token: "pd-token"\n'


def test_an_oauth_block_loads_with_pipedrives_token_url_and_the_company_domain() -> None:
    pipedrive = parse_config(OAUTH_BLOCK, env={}).connectors.pipedrive
    assert pipedrive is not None
    assert pipedrive.oauth is not None
    assert pipedrive.oauth.token_url == PIPEDRIVE_OAUTH_URL
    assert pipedrive.api_token is None
    assert pipedrive.effective_base_url == "https://yourcompany.pipedrive.com"


def test_both_an_api_token_and_an_oauth_block_is_a_config_error_naming_both() -> None:
    text = OAUTH_BLOCK.replace("    oauth:\n", TOKEN_LINE + "    oauth:\n")
    with pytest.raises(ConfigError) as caught:
        parse_config(text, env={})
    assert caught.value.key_path == "connectors.pipedrive"
    assert "api_token" in caught.value.problem
    assert "oauth" in caught.value.problem


def test_neither_an_api_token_nor_an_oauth_block_is_a_config_error() -> None:
    text = OAUTH_BLOCK.split("    oauth:\n")[0]
    with pytest.raises(ConfigError) as caught:
        parse_config(text, env={})
    assert caught.value.key_path == "connectors.pipedrive"
    assert "api_token" in caught.value.problem
    assert "oauth" in caught.value.problem


def test_an_empty_refresh_token_names_its_key() -> None:
    text = OAUTH_BLOCK.replace('"refresh-token-value"', '""')
    with pytest.raises(ConfigError) as caught:
        parse_config(text, env={})
    assert caught.value.key_path == "connectors.pipedrive.oauth.refresh_token"


def test_an_unknown_key_in_the_oauth_block_is_named() -> None:
    text = OAUTH_BLOCK + '      colour: "blue"\n'
    with pytest.raises(ConfigError) as caught:
        parse_config(text, env={})
    assert caught.value.key_path == "connectors.pipedrive.oauth.colour"


def settings_with(access_token: str | None, client_id: str = "app-id") -> PipedriveSettings:
    oauth: dict[str, str] = {
        "client_id": client_id,
        "client_secret": "app-secret-value",
        "refresh_token": "refresh-token-value",
    }
    if access_token is not None:
        oauth["access_token"] = access_token
    return PipedriveSettings.model_validate({"oauth": oauth})


def test_the_gate_credential_of_a_grant_ignores_the_access_token_and_hides_the_refresh_token() -> (
    None
):
    first = settings_with("access-1").credential
    second = settings_with(None).credential
    other_app = settings_with("access-1", client_id="another-app").credential
    assert first is not None
    assert second is not None
    assert other_app is not None
    assert first.get_secret_value() == second.get_secret_value()
    assert first.get_secret_value() != other_app.get_secret_value()
    assert "refresh-token-value" not in first.get_secret_value()


def test_an_api_token_is_its_own_gate_credential() -> None:
    settings = PipedriveSettings(api_token=SecretStr("pd-token"))
    assert settings.credential == SecretStr("pd-token")


def answer(status: int, body: object) -> httpx.Response:
    request = httpx.Request("POST", PIPEDRIVE_OAUTH_URL)
    return httpx.Response(status, json=body, request=request)


PREVIOUS = OAuthTokens(refresh_token=SecretStr("old-refresh"), api_domain="https://a.pipedrive.com")


def test_an_answer_without_a_refresh_token_keeps_the_previous_one() -> None:
    tokens = tokens_from_answer(
        answer(200, {"access_token": "new-access", "expires_in": 60}), PREVIOUS
    )
    assert tokens.refresh_token.get_secret_value() == "old-refresh"
    assert tokens.access_token == SecretStr("new-access")
    assert tokens.expires_at is not None
    assert tokens.api_domain == "https://a.pipedrive.com"


def test_an_answer_with_a_new_refresh_token_and_api_domain_replaces_both() -> None:
    body = {
        "access_token": "new-access",
        "refresh_token": "new-refresh",
        "api_domain": "https://b.pipedrive.com",
    }
    tokens = tokens_from_answer(answer(200, body), PREVIOUS)
    assert tokens.refresh_token.get_secret_value() == "new-refresh"
    assert tokens.api_domain == "https://b.pipedrive.com"


def test_an_api_domain_that_is_not_an_http_url_is_ignored() -> None:
    body = {"access_token": "new-access", "api_domain": "javascript:alert(1)"}
    assert tokens_from_answer(answer(200, body), PREVIOUS).api_domain == "https://a.pipedrive.com"


def test_a_2xx_answer_without_an_access_token_is_a_vendor_fault() -> None:
    with pytest.raises(VendorUnavailableError):
        tokens_from_answer(answer(200, {"token_type": "Bearer"}), PREVIOUS)


def test_invalid_grant_and_invalid_client_and_any_401_are_auth_errors() -> None:
    for response in (
        answer(400, {"error": "invalid_grant", "message": "Invalid grant"}),
        answer(400, {"error": "invalid_client"}),
        answer(401, {"message": "unauthorized"}),
    ):
        assert isinstance(refresh_error(response), AuthError)


def test_a_throttled_or_failing_token_endpoint_keeps_its_usual_meaning() -> None:
    assert isinstance(refresh_error(answer(429, {})), RateLimitedError)
    assert isinstance(refresh_error(answer(503, {})), VendorUnavailableError)
    assert refresh_error(answer(200, {})) is None


def test_an_odd_error_code_is_left_out_of_the_error_text() -> None:
    error = refresh_error(answer(400, {"error": "invalid_grant<script>secret-bits"}))
    assert error is not None
    assert "secret-bits" not in str(error)


def test_the_tokens_repr_masks_both_tokens() -> None:
    tokens = OAuthTokens(refresh_token=SecretStr("refresh-x"), access_token=SecretStr("access-x"))
    assert "refresh-x" not in repr(tokens)
    assert "access-x" not in repr(tokens)
