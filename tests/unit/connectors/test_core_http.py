from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from connectors.core.errors import (
    AuthError,
    ForbiddenError,
    RateLimitedError,
    SyncError,
    VendorUnavailableError,
    VendorValidationError,
)
from connectors.core.http import (
    DEFAULT_RATE_LIMIT_WAIT,
    USER_AGENT,
    HeaderAuth,
    build_client,
    encode_json,
    error_for_status,
    send,
)

SECRET = "s3cret-value-never-shown"
QUERY = "cursor=opaque-cursor-value"


def response(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    request = httpx.Request("GET", f"https://vendor.test/api/things?{QUERY}")
    if body is None:
        return httpx.Response(status, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


def client_for(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return build_client(
        vendor="acme",
        base_url="https://vendor.test",
        auth=HeaderAuth("x-api-token", SecretStr(SECRET)),
        timeout_seconds=5,
        transport=httpx.MockTransport(handler),
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, AuthError),
        (402, ForbiddenError),
        (403, ForbiddenError),
        (429, RateLimitedError),
        (400, VendorValidationError),
        (404, VendorValidationError),
        (422, VendorValidationError),
        (408, VendorUnavailableError),
        (500, VendorUnavailableError),
        (502, VendorUnavailableError),
        (503, VendorUnavailableError),
        (301, VendorUnavailableError),
    ],
)
def test_each_status_maps_to_the_error_the_runner_acts_on(
    status: int, expected: type[SyncError]
) -> None:
    error = error_for_status(response(status), vendor="acme", operation="list_things")

    assert type(error) is expected
    assert error.vendor == "acme"
    assert error.operation == "list_things"


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_a_success_status_is_no_error(status: int) -> None:
    assert error_for_status(response(status), vendor="acme") is None


def test_a_validation_error_carries_the_vendors_code_and_message() -> None:
    body = {"code": "invalid_parameter", "message": "attributes.FOO is unknown"}

    error = error_for_status(response(400, body), vendor="brevo", operation="upsert_contact")

    assert isinstance(error, VendorValidationError)
    assert error.code == "invalid_parameter"
    assert "attributes.FOO is unknown" in str(error)


def test_pipedrive_style_error_bodies_give_their_message_and_info() -> None:
    body = {"success": False, "error": "Bad request", "error_info": "Check the cursor"}

    error = error_for_status(response(400, body), vendor="pipedrive")

    assert isinstance(error, VendorValidationError)
    assert "Bad request (Check the cursor)" in str(error)
    assert error.code == "http_400"


def test_a_429_waits_for_retry_after_first() -> None:
    headers = {"retry-after": "7", "x-ratelimit-reset": "30"}

    error = error_for_status(
        response(429, None, headers), vendor="v", reset_header="x-ratelimit-reset"
    )

    assert isinstance(error, RateLimitedError)
    assert error.wait_seconds == 7.0


def test_a_429_without_retry_after_waits_for_the_vendors_reset_header() -> None:
    headers = {"x-sib-ratelimit-reset": "12"}

    error = error_for_status(
        response(429, None, headers), vendor="brevo", reset_header="x-sib-ratelimit-reset"
    )

    assert isinstance(error, RateLimitedError)
    assert error.wait_seconds == 12.0


def test_a_429_that_names_no_wait_still_defers_a_little() -> None:
    error = error_for_status(response(429), vendor="v")

    assert isinstance(error, RateLimitedError)
    assert error.wait_seconds == DEFAULT_RATE_LIMIT_WAIT


def test_without_an_operation_name_the_error_names_the_path_but_never_the_query() -> None:
    error = error_for_status(response(500), vendor="v")

    assert error is not None
    assert error.operation == "GET /api/things"
    assert QUERY not in str(error)
    assert "opaque" not in repr(error)


def test_the_credential_is_sent_in_its_header_with_our_user_agent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    with client_for(handler) as client:
        send(client, "GET", "/things", vendor="acme", operation="list_things", params={"a": 1})

    assert seen[0].headers["x-api-token"] == SECRET
    assert seen[0].headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("tajo-sync/")
    assert SECRET not in str(seen[0].url)


def test_the_credential_is_not_a_default_header_and_the_auth_repr_hides_it() -> None:
    with client_for(lambda r: httpx.Response(200)) as client:
        assert "x-api-token" not in client.headers
        assert SECRET not in repr(client.auth)


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("[Errno 111] connect to https://vendor.test/things?cursor=x failed"),
        httpx.ConnectTimeout("timed out"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("peer closed connection"),
    ],
)
def test_transport_failures_become_vendor_unavailable_naming_the_operation_only(
    failure: httpx.TransportError,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure

    with client_for(handler) as client, pytest.raises(VendorUnavailableError) as caught:
        client.get("/things", params={"cursor": "x"}, extensions={"tajo_operation": "list_things"})

    assert caught.value.operation == "list_things"
    assert caught.value.__cause__ is failure
    assert "cursor" not in str(caught.value)
    assert SECRET not in str(caught.value)


def test_a_body_that_breaks_mid_read_becomes_vendor_unavailable() -> None:
    class BrokenBody(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b'{"data": ['
            raise httpx.ReadError("connection reset by peer")

    with (
        client_for(lambda r: httpx.Response(200, stream=BrokenBody())) as client,
        pytest.raises(VendorUnavailableError) as caught,
    ):
        send(client, "GET", "/things", vendor="acme", operation="list_things")

    assert isinstance(caught.value.__cause__, httpx.ReadError)


def test_json_bodies_are_measured_in_compact_utf8_bytes_not_characters() -> None:
    payload = {"name": "Zoë", "list": [1, 2], "nested": {"emoji": "🙂"}}

    body = encode_json(payload)

    assert body == '{"name":"Zoë","list":[1,2],"nested":{"emoji":"🙂"}}'.encode()
    assert json.loads(body) == payload
