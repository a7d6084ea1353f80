from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from connectors.brevo.client import (
    IMPORT_ENVELOPE_RESERVE,
    BrevoClient,
    ListAddResult,
    import_chunks,
    rate_limit_signal,
)
from connectors.brevo.settings import BrevoSettings
from connectors.core.errors import (
    AuthError,
    ConfigError,
    ForbiddenError,
    RateLimitedError,
    SyncError,
    VendorUnavailableError,
    VendorValidationError,
)
from connectors.core.http import encode_json
from connectors.core.ratelimit import RateLimitSignal

Handler = Callable[[httpx.Request], httpx.Response]
#: the `make_vendor` fixture (conftest.py): a MockTransport that keeps `.requests` and `.paths()`
MakeVendor = Callable[[Handler], Any]


def answer(status: int, body: Any = None, headers: dict[str, str] | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if body is None:
            return httpx.Response(status, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return handler


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content)


def row(i: int, padding: int = 0) -> dict[str, Any]:
    return {"email": f"c{i}@example.com", "attributes": {"FIRSTNAME": "x" * padding, "N": i}}


# -- imports ------------------------------------------------------------------------------------


def test_an_import_posts_json_rows_that_update_without_erasing_and_returns_the_process_id(
    brevo_settings: BrevoSettings, make_vendor: MakeVendor, brevo_key: str
) -> None:
    vendor = make_vendor(answer(202, {"processId": 78}))
    rows = [row(1), row(2)]

    with BrevoClient(brevo_settings, transport=vendor) as client:
        process_id = client.import_contacts(rows, list_ids=[60], notify_url="https://hooks.test/n")

    assert process_id == 78
    [request] = vendor.requests
    assert (request.method, request.url.path) == ("POST", "/v3/contacts/import")
    assert request.headers["api-key"] == brevo_key
    assert request.headers["accept"] == "application/json"
    assert request.headers["content-type"] == "application/json"
    assert sent_json(request) == {
        "jsonBody": rows,
        "listIds": [60],
        "updateExistingContacts": True,
        "emptyContactsAttributes": False,
        "notifyUrl": "https://hooks.test/n",
    }


def test_an_import_without_a_notify_url_does_not_send_one(
    brevo_settings: BrevoSettings, make_vendor: MakeVendor
) -> None:
    vendor = make_vendor(answer(202, {"processId": 1}))

    with BrevoClient(brevo_settings, transport=vendor) as client:
        client.import_contacts([row(1)], list_ids=[2])

    assert "notifyUrl" not in sent_json(vendor.requests[0])


def test_an_import_body_over_the_limit_is_refused_before_it_is_sent(
    brevo_key: str, make_vendor: MakeVendor
) -> None:
    settings = BrevoSettings(
        api_key=brevo_key, base_url="https://brevo.test/v3", import_max_bytes=500
    )
    vendor = make_vendor(answer(202, {"processId": 1}))

    with (
        BrevoClient(settings, transport=vendor) as client,
        pytest.raises(VendorValidationError) as caught,
    ):
        client.import_contacts([row(1, padding=600)], list_ids=[2])

    assert caught.value.code == "payload_too_large"
    assert vendor.requests == []


@pytest.mark.parametrize(("rows", "lists"), [([], [1]), ([{"email": "a@example.com"}], [])])
def test_an_import_needs_rows_and_a_list(
    brevo_settings: BrevoSettings, rows: list[dict[str, Any]], lists: list[int]
) -> None:
    with BrevoClient(brevo_settings) as client, pytest.raises(ValueError, match="at least one"):
        client.import_contacts(rows, list_ids=lists)


def test_an_answer_without_a_process_id_is_a_vendor_fault(
    brevo_settings: BrevoSettings, make_vendor: MakeVendor
) -> None:
    with (
        BrevoClient(brevo_settings, transport=make_vendor(answer(202, {}))) as client,
        pytest.raises(VendorUnavailableError, match="processId"),
    ):
        client.import_contacts([row(1)], list_ids=[2])


def test_a_process_is_read_by_id(brevo_settings: BrevoSettings, make_vendor: MakeVendor) -> None:
    vendor = make_vendor(answer(200, {"id": 78, "status": "completed", "name": "IMPORTUSER"}))

    with BrevoClient(brevo_settings, transport=vendor) as client:
        process = client.get_process(78)

    assert process["status"] == "completed"
    assert vendor.paths() == ["/v3/processes/78"]


# -- import_chunks ------------------------------------------------------------------------------


def full_body_size(rows: list[dict[str, Any]]) -> int:
    envelope = {
        "jsonBody": rows,
        "listIds": [1, 2, 3],
        "updateExistingContacts": True,
        "emptyContactsAttributes": False,
        "notifyUrl": "https://hooks.example.com/brevo/import-finished?job=123456",
    }
    return len(encode_json(envelope))


@pytest.mark.parametrize("max_bytes", [IMPORT_ENVELOPE_RESERVE + 300, 8_000, 50_000])
def test_import_chunks_keep_every_body_within_the_limit_in_order(max_bytes: int) -> None:
    rows = [row(i, padding=(i * 37) % 200) for i in range(400)]

    chunks = import_chunks(rows, max_bytes)

    assert [r for chunk in chunks for r in chunk] == rows
    assert all(full_body_size(chunk) <= max_bytes for chunk in chunks)


def test_import_chunks_fill_each_body_as_far_as_the_limit_allows() -> None:
    rows = [
        {"email": f"c{i:02d}@example.com", "attributes": {"NOTE": "x" * 100}} for i in range(50)
    ]
    one = len(encode_json(rows[0]))
    per_chunk = 5
    max_bytes = IMPORT_ENVELOPE_RESERVE + 2 + per_chunk * one + (per_chunk - 1)

    chunks = import_chunks(rows, max_bytes)

    assert [len(c) for c in chunks] == [per_chunk] * 10


def test_a_row_too_big_for_any_body_stands_alone_and_the_others_go_on() -> None:
    small, huge = row(1), row(2, padding=10_000)

    chunks = import_chunks([small, huge, row(3)], IMPORT_ENVELOPE_RESERVE + 1_000)

    assert chunks == [[small], [huge], [row(3)]]


def test_an_oversized_single_row_chunk_is_refused_for_that_row_only(
    brevo_key: str, make_vendor: MakeVendor
) -> None:
    limit = IMPORT_ENVELOPE_RESERVE + 1_000
    settings = BrevoSettings(
        api_key=brevo_key, base_url="https://b.test/v3", import_max_bytes=limit
    )
    vendor = make_vendor(answer(202, {"processId": 5}))
    outcomes: list[str] = []

    with BrevoClient(settings, transport=vendor) as client:
        for chunk in import_chunks([row(1), row(2, padding=10_000), row(3)], limit):
            try:
                client.import_contacts(chunk, list_ids=[1])
                outcomes.append("sent")
            except VendorValidationError:
                outcomes.append("refused")

    assert outcomes == ["sent", "refused", "sent"]
    assert len(vendor.requests) == 2


def test_a_limit_that_leaves_no_room_after_the_envelope_is_refused() -> None:
    with pytest.raises(ValueError, match="no room"):
        import_chunks([row(1)], IMPORT_ENVELOPE_RESERVE)


# -- contacts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "body"), [(201, {"id": 21}), (204, None)])
def test_an_upsert_creates_or_updates_in_one_call(
    brevo_settings: BrevoSettings, make_vendor: MakeVendor, status: int, body: Any
) -> None:
    vendor = make_vendor(answer(status, body))
    contact = {
        "email": "a@example.com",
        "ext_id": "pipedrive:person:7",
        "attributes": {"FIRSTNAME": "A"},
    }

    with BrevoClient(brevo_settings, transport=vendor) as client:
        client.upsert_contact(contact)

    assert vendor.paths() == ["/v3/contacts"]
    assert sent_json(vendor.requests[0]) == {**contact, "updateEnabled": True}


def test_a_rejected_upsert_carries_brevos_code_and_message(
    brevo_settings: BrevoSettings, make_vendor: MakeVendor
) -> None:
    body = {
        "code": "duplicate_parameter",
        "message": "Unable to update contact, SMS is already associated with another Contact",
        "metadata": {"duplicate_identifiers": ["SMS"]},
    }
    vendor = make_vendor(answer(400, body))

    with (
        BrevoClient(brevo_settings, transport=vendor) as client,
        pytest.raises(VendorValidationError) as caught,
    ):
        client.upsert_contact({"email": "a@example.com"})

    assert caught.value.code == "duplicate_parameter"
    assert "SMS is already associated" in caught.value.detail
    assert caught.value.operation == "upsert_contact"


def test_a_contact_is_looked_up_by_an_escaped_identifier_and_its_type(
    brevo_settings: BrevoSettings, make_vendor: MakeVendor
) -> None:
    vendor = make_vendor(answer(200, {"id": 42, "email": "a+b/c@example.com"}))

    with BrevoClient(brevo_settings, transport=vendor) as client:
        contact = client.get_contact("a+b/c@example.com", identifier_type="email_id")

    assert contact == {"id": 42, "email": "a+b/c@example.com"}
    request = vendor.requests[0]
    assert (
        request.url.raw_path.decode()
        == "/v3/contacts/a%2Bb%2Fc%40example.com?identifierType=email_id"
    )


def test_a_contact_brevo_does_not_know_is_none(
    brevo_settings: BrevoSettings, make_vendor: MakeVendor
) -> None:
    vendor = make_vendor(
        answer(404, {"code": "document_not_found", "message": "Contact does not exist"})
    )

    with BrevoClient(brevo_settings, transport=vendor) as client:
        assert client.get_contact("pipedrive:person:7", identifier_type="ext_id") is None


def test_attributes_are_listed(brevo_settings: BrevoSettings, make_vendor: MakeVendor) -> None:
    attributes = [{"name": "FIRSTNAME", "category": "normal", "type": "text"}]
    vendor = make_vendor(answer(200, {"attributes": attributes}))

    with BrevoClient(brevo_settings, transport=vendor) as client:
        assert client.get_attributes() == attributes

    assert vendor.paths() == ["/v3/contacts/attributes"]


# -- lists --------------------------------------------------------------------------------------


def test_list_adds_go_150_at_a_time_and_add_up(
    brevo_settings: BrevoSettings, make_vendor: MakeVendor
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        ext_ids = sent_json(request)["extIds"]
        return httpx.Response(
            201, json={"contacts": {"success": ext_ids[1:], "failure": ext_ids[:1]}}
        )

    vendor = make_vendor(handler)
    ext_ids = [f"pipedrive:person:{i}" for i in range(320)]

    with BrevoClient(brevo_settings, transport=vendor) as client:
        result = client.add_to_list(60, ext_ids=ext_ids)

    assert [len(sent_json(r)["extIds"]) for r in vendor.requests] == [150, 150, 20]
    assert set(vendor.paths()) == {"/v3/contacts/lists/60/contacts/add"}
    assert result.failure == [ext_ids[0], ext_ids[150], ext_ids[300]]
    assert len(result.success) == 317


def test_a_list_add_in_which_brevo_added_nobody_is_not_an_error(
    brevo_settings: BrevoSettings, make_vendor: MakeVendor
) -> None:
    # Brevo's answer when every contact is already in the list (or unknown): a redelivered add.
    body = {"code": "invalid_parameter", "message": "Contact already in list and/or does not exist"}
    vendor = make_vendor(answer(400, body))

    with BrevoClient(brevo_settings, transport=vendor) as client:
        result = client.add_to_list(60, emails=["a@example.com"])

    assert result == ListAddResult(already_in_list_or_missing=["a@example.com"])


def test_other_list_add_rejections_are_validation_errors(
    brevo_settings: BrevoSettings, make_vendor: MakeVendor
) -> None:
    vendor = make_vendor(
        answer(404, {"code": "document_not_found", "message": "List ID does not exist"})
    )

    with (
        BrevoClient(brevo_settings, transport=vendor) as client,
        pytest.raises(VendorValidationError, match="List ID does not exist"),
    ):
        client.add_to_list(999, emails=["a@example.com"])


@pytest.mark.parametrize("kwargs", [{}, {"emails": ["a@example.com"], "ext_ids": ["x"]}])
def test_a_list_add_takes_exactly_one_kind_of_identifier(
    brevo_settings: BrevoSettings, kwargs: dict[str, list[str]]
) -> None:
    with BrevoClient(brevo_settings) as client, pytest.raises(ValueError, match="exactly one"):
        client.add_to_list(1, **kwargs)


# -- errors and limits --------------------------------------------------------------------------


def test_a_429_waits_for_brevos_reset_header_since_brevo_sends_no_retry_after(
    brevo_settings: BrevoSettings, make_vendor: MakeVendor
) -> None:
    headers = {
        "x-sib-ratelimit-limit": "10",
        "x-sib-ratelimit-remaining": "0",
        "x-sib-ratelimit-reset": "3",
    }
    vendor = make_vendor(
        answer(429, {"code": "too_many_requests", "message": "slow down"}, headers)
    )

    with (
        BrevoClient(brevo_settings, transport=vendor) as client,
        pytest.raises(RateLimitedError) as caught,
    ):
        client.upsert_contact({"email": "a@example.com"})

    assert caught.value.wait_seconds == 3.0


def test_the_rate_limit_signal_is_read_from_brevos_headers() -> None:
    response = httpx.Response(
        200,
        headers={
            "x-sib-ratelimit-limit": "10",
            "x-sib-ratelimit-remaining": "4",
            "x-sib-ratelimit-reset": "1",
        },
    )

    assert rate_limit_signal(response) == RateLimitSignal(10, 4, 1.0, None)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, AuthError),
        (403, ForbiddenError),
        (500, VendorUnavailableError),
        (502, VendorUnavailableError),
    ],
)
def test_error_statuses_raise_the_taxonomy_error(
    brevo_settings: BrevoSettings, make_vendor: MakeVendor, status: int, expected: type[SyncError]
) -> None:
    vendor = make_vendor(answer(status, {"code": "unauthorized", "message": "Key not found"}))

    with BrevoClient(brevo_settings, transport=vendor) as client, pytest.raises(expected):
        client.get_attributes()


def test_the_key_never_appears_in_errors_or_reprs(
    brevo_settings: BrevoSettings, make_vendor: MakeVendor, brevo_key: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/attributes"):
            raise httpx.ReadTimeout(f"timed out reading {request.url} {request.headers}")
        return httpx.Response(401, json={"code": "unauthorized", "message": "Key not found"})

    client = BrevoClient(brevo_settings, transport=make_vendor(handler))
    errors: list[Exception] = []
    for call in (client.get_attributes, lambda: client.get_contact("a@example.com")):
        with pytest.raises(SyncError) as caught:
            call()
        errors.append(caught.value)
    client.close()

    texts = (
        [str(e) for e in errors] + [repr(e) for e in errors] + [repr(client), repr(brevo_settings)]
    )
    assert all(brevo_key not in text for text in texts)


def test_a_client_without_a_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="api_key"):
        BrevoClient(BrevoSettings())
