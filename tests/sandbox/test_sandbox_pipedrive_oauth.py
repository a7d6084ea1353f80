"""The Pipedrive fake's OAuth token endpoint and bearer tokens, over real HTTP."""

from __future__ import annotations

import httpx

from sandbox.server import SandboxHandle

PERSONS = "/api/v2/persons"
CLIENT_ID = "sandbox-app"
CLIENT_SECRET = "sandbox-app-secret"


def grant(control: httpx.Client) -> dict[str, str]:
    answer = control.post(
        "/_sandbox/oauth/grant", json={"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    )
    assert answer.status_code == 200
    tokens: dict[str, str] = answer.json()
    return tokens


def refresh(
    control: httpx.Client, refresh_token: str, secret: str = CLIENT_SECRET
) -> httpx.Response:
    return control.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(CLIENT_ID, secret),
    )


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def control(sandbox: SandboxHandle) -> httpx.Client:
    return httpx.Client(base_url=sandbox.urls["pipedrive"], timeout=10)


def test_a_granted_access_token_reads_persons_as_a_bearer_token(sandbox: SandboxHandle) -> None:
    with control(sandbox) as http:
        tokens = grant(http)
        assert http.get(PERSONS, headers=bearer(tokens["access_token"])).status_code == 200
        assert http.get(PERSONS, headers=bearer("never-issued")).status_code == 401


def test_a_refresh_answers_pipedrives_token_shape_and_retires_the_old_access_token(
    sandbox: SandboxHandle,
) -> None:
    with control(sandbox) as http:
        tokens = grant(http)
        answer = refresh(http, tokens["refresh_token"])
        body = answer.json()
        assert answer.status_code == 200
        assert set(body) == {
            "access_token",
            "token_type",
            "refresh_token",
            "scope",
            "expires_in",
            "api_domain",
        }
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] > 0
        assert body["api_domain"] == sandbox.urls["pipedrive"]
        # Without rotation the refresh token stays the same.
        assert body["refresh_token"] == tokens["refresh_token"]
        assert http.get(PERSONS, headers=bearer(body["access_token"])).status_code == 200
        assert http.get(PERSONS, headers=bearer(tokens["access_token"])).status_code == 401


def test_expiring_the_access_token_makes_the_next_call_a_401_until_a_refresh(
    sandbox: SandboxHandle,
) -> None:
    with control(sandbox) as http:
        tokens = grant(http)
        assert http.post("/_sandbox/oauth/expire").json() == {"expired": 1}
        assert http.get(PERSONS, headers=bearer(tokens["access_token"])).status_code == 401
        fresh = refresh(http, tokens["refresh_token"]).json()["access_token"]
        assert http.get(PERSONS, headers=bearer(fresh)).status_code == 200


def test_a_revoked_grant_refuses_its_refresh_token_with_invalid_grant(
    sandbox: SandboxHandle,
) -> None:
    with control(sandbox) as http:
        tokens = grant(http)
        assert http.post("/_sandbox/oauth/revoke").json() == {"revoked": 1}
        answer = refresh(http, tokens["refresh_token"])
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_grant"
        assert http.get(PERSONS, headers=bearer(tokens["access_token"])).status_code == 401
    assert sandbox.pipedrive.oauth.state()["token_requests"] == 1


def test_a_wrong_client_secret_or_missing_basic_auth_is_invalid_client(
    sandbox: SandboxHandle,
) -> None:
    with control(sandbox) as http:
        tokens = grant(http)
        wrong = refresh(http, tokens["refresh_token"], secret="not-the-secret")
        anonymous = http.post(
            "/oauth/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        )
    for answer in (wrong, anonymous):
        assert answer.status_code == 400
        assert answer.json()["error"] == "invalid_client"


def test_a_token_request_without_the_refresh_grant_type_or_a_form_body_is_refused(
    sandbox: SandboxHandle,
) -> None:
    with control(sandbox) as http:
        tokens = grant(http)
        no_type = http.post(
            "/oauth/token",
            data={"refresh_token": tokens["refresh_token"]},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )
        as_json = http.post(
            "/oauth/token",
            json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )
    assert (no_type.status_code, no_type.json()["error"]) == (400, "invalid_request")
    assert (as_json.status_code, as_json.json()["error"]) == (400, "invalid_request")


def test_with_rotation_on_a_refresh_answers_a_new_refresh_token_and_the_old_one_retires(
    sandbox: SandboxHandle,
) -> None:
    with control(sandbox) as http:
        tokens = grant(http)
        assert http.post("/_sandbox/oauth/rotation", json={"rotate": True}).json()["rotate"]
        rotated = refresh(http, tokens["refresh_token"]).json()["refresh_token"]
        assert rotated != tokens["refresh_token"]
        assert refresh(http, tokens["refresh_token"]).json()["error"] == "invalid_grant"
        assert refresh(http, rotated).status_code == 200


def test_a_refresh_keeps_the_grants_rate_limit_window(sandbox: SandboxHandle) -> None:
    sandbox.pipedrive.set_rate_limit(3)
    with control(sandbox) as http:
        tokens = grant(http)
        first = http.get(PERSONS, headers=bearer(tokens["access_token"]))
        fresh = refresh(http, tokens["refresh_token"]).json()["access_token"]
        second = http.get(PERSONS, headers=bearer(fresh))
    assert first.headers["x-ratelimit-remaining"] == "2"
    assert second.headers["x-ratelimit-remaining"] == "1"


def test_the_state_counts_grants_and_token_requests_and_shows_no_token(
    sandbox: SandboxHandle,
) -> None:
    with control(sandbox) as http:
        tokens = grant(http)
        refresh(http, tokens["refresh_token"])
        state = http.get("/_sandbox/state").json()
    assert state["oauth"]["grants"] == 1
    assert state["oauth"]["token_requests"] == 1
    assert state["requests_by_route"]["POST /oauth/token"] == {"200": 1}
    shown = str(state) + repr(sandbox.pipedrive) + repr(sandbox.pipedrive.oauth)
    assert tokens["refresh_token"] not in shown
    assert tokens["access_token"] not in shown


def test_a_reset_forgets_every_grant(sandbox: SandboxHandle) -> None:
    with control(sandbox) as http:
        tokens = grant(http)
        sandbox.reset()
        assert http.get(PERSONS, headers=bearer(tokens["access_token"])).status_code == 401
    assert sandbox.pipedrive.oauth.state()["grants"] == 0
