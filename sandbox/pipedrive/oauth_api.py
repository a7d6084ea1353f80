"""The Pipedrive fake's `POST /oauth/token` (refresh grant) and its `/_sandbox/oauth/*` controls.

The real endpoint lives on `https://oauth.pipedrive.com`; the fake serves it beside the API, so a
client's `token_url` points at `<sandbox>/oauth/token`. Client credentials come as HTTP basic
auth, the grant as a form body; the answer is `{access_token, token_type, refresh_token, scope,
expires_in, api_domain}`, refusals are 400 with an OAuth error code and Pipedrive's message.
https://pipedrive.readme.io/docs/marketplace-oauth-authorization
https://pipedrive.readme.io/docs/marketplace-oauth-and-api-proxy-status-codes
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.common.control import bad_control_request, read_json_object
from sandbox.pipedrive.fake import PipedriveFake
from sandbox.pipedrive.oauth import BAD_GRANT_TYPE, NO_GRANT_TYPE, Refusal

TOKEN_ROUTE = "/oauth/token"
FORM = "application/x-www-form-urlencoded"


def oauth_routes(fake: PipedriveFake) -> list[Route]:
    async def token(request: Request) -> Response:
        response = await _token_answer(fake, request)
        fake.log.record(request.method, request.url.path, TOKEN_ROUTE, response.status_code)
        return response

    async def grant(request: Request) -> Response:
        """`{"client_id", "client_secret"}` -> a new grant's `{refresh_token, access_token}`."""
        try:
            payload = await read_json_object(request)
            issued = fake.oauth.grant(str(payload["client_id"]), str(payload["client_secret"]))
        except (KeyError, ValueError) as exc:
            return bad_control_request(f"expected client_id and client_secret: {exc}")
        return JSONResponse(
            {"refresh_token": issued.refresh_token, "access_token": issued.access_token}
        )

    async def expire(_: Request) -> Response:
        return JSONResponse({"expired": fake.oauth.expire_access_tokens()})

    async def revoke(_: Request) -> Response:
        return JSONResponse({"revoked": fake.oauth.revoke_refresh_tokens()})

    async def rotation(request: Request) -> Response:
        """`{"rotate": true}`: every refresh answers a new refresh token, the old one retires."""
        try:
            payload = await read_json_object(request)
        except ValueError as exc:
            return bad_control_request(str(exc))
        fake.oauth.rotate_refresh_tokens = bool(payload.get("rotate"))
        return JSONResponse({"rotate": fake.oauth.rotate_refresh_tokens})

    return [
        # Both spellings: Pipedrive's docs write the path with and without the trailing slash.
        Route(TOKEN_ROUTE, token, methods=["POST"]),
        Route(f"{TOKEN_ROUTE}/", token, methods=["POST"]),
        Route("/_sandbox/oauth/grant", grant, methods=["POST"]),
        Route("/_sandbox/oauth/expire", expire, methods=["POST"]),
        Route("/_sandbox/oauth/revoke", revoke, methods=["POST"]),
        Route("/_sandbox/oauth/rotation", rotation, methods=["POST"]),
    ]


async def _token_answer(fake: PipedriveFake, request: Request) -> Response:
    if not request.headers.get("content-type", "").startswith(FORM):
        fake.oauth.count_token_request()
        return _refusal(
            Refusal(
                400,
                "invalid_request",
                "Invalid request: content must be application/x-www-form-urlencoded",
            )
        )
    form = {
        k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()
    }
    grant_type = form.get("grant_type")
    if grant_type is None or grant_type != "refresh_token":
        fake.oauth.count_token_request()
        return _refusal(NO_GRANT_TYPE if grant_type is None else BAD_GRANT_TYPE)
    client_id, client_secret = _basic_credentials(request.headers.get("authorization"))
    answer = fake.oauth.refresh(client_id, client_secret, form.get("refresh_token"))
    if isinstance(answer, Refusal):
        return _refusal(answer)
    return JSONResponse(
        {
            "access_token": answer.access_token,
            "token_type": "Bearer",
            "refresh_token": answer.refresh_token,
            "scope": answer.scope,
            "expires_in": answer.expires_in,
            # Where this account's API answers: the fake itself.
            "api_domain": str(request.base_url).rstrip("/"),
        }
    )


def _refusal(refusal: Refusal) -> JSONResponse:
    return JSONResponse(
        {"success": False, "error": refusal.error, "message": refusal.message},
        status_code=refusal.status,
    )


def _basic_credentials(header: str | None) -> tuple[str | None, str | None]:
    if not header or not header.lower().startswith("basic "):
        return None, None
    try:
        decoded = base64.b64decode(header[len("basic ") :].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, colon, client_secret = decoded.partition(":")
    return (client_id, client_secret) if colon else (None, None)
