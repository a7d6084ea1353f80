"""The pure parts of the Brevo operation writers: batching, grouping, CSV, answers read per item."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from connectors.brevo import crm, events, lists, objects
from connectors.brevo.api import BrevoApi
from connectors.brevo.batches import ENVELOPE_BYTES, chunk_items
from connectors.brevo.settings import BrevoSettings
from connectors.core.errors import AuthError, RateLimitedError, VendorValidationError


def test_chunks_respect_both_the_item_cap_and_the_byte_cap() -> None:
    items = [{"n": i, "pad": "x" * 90} for i in range(10)]  # about 100 bytes each

    by_count = chunk_items(items, max_items=4, max_bytes=10_000)
    by_bytes = chunk_items(items, max_items=100, max_bytes=ENVELOPE_BYTES + 350)

    assert [len(c.indices) for c in by_count] == [4, 4, 2]
    assert all(len(c.indices) == 3 for c in by_bytes[:-1])
    assert [i for c in by_bytes for i in c.indices] == list(range(10))


def test_an_item_too_big_for_any_request_is_set_apart_and_marked() -> None:
    items = [{"a": 1}, {"big": "x" * 2000}, {"b": 2}]

    chunks = chunk_items(items, max_items=10, max_bytes=1000)

    assert [(c.indices, c.oversize) for c in chunks] == [((0,), False), ((1,), True), ((2,), False)]


def test_list_items_are_grouped_by_list_direction_and_identifier_type_150_a_call() -> None:
    planned: list[tuple[int, Any, int, str, str | int]] = [
        *((i, "add", 5, "ext_id", f"x{i}") for i in range(200)),
        (200, "add", 5, "email", "a@example.com"),
        (201, "remove", 5, "ext_id", "x1"),
        (202, "add", 5, "ext_id", "x1"),  # the same member twice: sent once, answered for both
    ]

    groups = lists.group(planned)

    shapes = [(g.list_id, g.direction, g.identifier_type, len(g.members)) for g in groups]
    assert shapes == [
        (5, "add", "ext_id", 150),
        (5, "add", "ext_id", 50),
        (5, "add", "email", 1),
        (5, "remove", "ext_id", 1),
    ]
    assert groups[0].members["x1"] == (1, 202)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"listId": 3, "identifier": {"phone": "1"}}, "identifier.phone"),
        ({"listId": 3, "identifier": {"id": "7"}}, "identifier.id"),
        ({"listId": "3", "identifier": {"email": "a@b.c"}}, "listId"),
    ],
)
def test_a_malformed_list_body_names_the_field(body: dict[str, Any], field: str) -> None:
    def read(body: dict[str, Any]) -> None:
        lists.list_id_of(body)
        lists.identifier_of(body)

    with pytest.raises(ValueError, match=field.replace(".", r"\.")):
        read(body)


def test_the_company_import_csv_names_the_brevo_id_and_every_attribute() -> None:
    rows = [
        ("id1", crm.Record("o:1", "Acme, Inc.", {"industry": "Steel", "employees": 10})),
        ("id2", crm.Record("o:2", "Zoë", {"vip": True, "tags": ["a", "b"], "empty": None})),
    ]

    text = crm.companies_csv(rows).decode()

    assert text.splitlines() == [
        "company_id,name,employees,empty,industry,tags,vip",
        'id1,"Acme, Inc.",10,,Steel,,',
        'id2,Zoë,,,,"[""a"",""b""]",true',
    ]


def test_an_object_record_keeps_only_what_brevo_takes() -> None:
    parsed = objects.record_of(
        {"object_type": "vehicle", "identifiers": {"ext_id": "v1"}, "attributes": {"m": 1}}
    )
    assert parsed.record == {"identifiers": {"ext_id": "v1"}, "attributes": {"m": 1}}
    with pytest.raises(ValueError, match="object_type"):
        objects.record_of({"object_type": "no/slash", "identifiers": {"ext_id": "v"}})


def api_answering(handler: Any) -> BrevoApi:
    settings = BrevoSettings(api_key="xkeysib-unit", base_url="https://api.brevo.test/v3")
    return BrevoApi(settings, transport=httpx.MockTransport(handler))


def test_a_207_answer_is_read_event_by_event() -> None:
    def brevo(request: httpx.Request) -> httpx.Response:
        body = {
            "status": "partial_success", "total_events": 4, "successful_events": 2,
            "failed_events": 2, "errors": [
                {"eventIndex": [1, 3], "message": "Invalid email_id"},
                {"eventIndex": [3], "message": "Invalid event_name"},
            ],
        }  # fmt: skip
        return httpx.Response(207, json=body)

    answer = events.post_batch(api_answering(brevo), [{"event_name": "e"}] * 4)

    assert answer.accepted == [0, 2]
    assert [(r.index, r.message) for r in answer.rejected] == [
        (1, "Invalid email_id"),
        (3, "Invalid email_id; Invalid event_name"),
    ]


def test_a_batch_endpoint_that_is_not_served_says_so_so_events_go_one_by_one() -> None:
    sent: list[str] = []

    def brevo(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        if request.url.path.endswith("/events/batch"):
            return httpx.Response(404, json={"code": "not_found", "message": "Invalid route"})
        return httpx.Response(204)

    api = api_answering(brevo)
    with pytest.raises(events.BatchUnavailable):
        events.post_batch(api, [{"event_name": "e"}])
    assert events.post_one(api, {"event_name": "e"}) is None
    assert sent == ["/v3/events/batch", "/v3/events"]


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, AuthError), (429, RateLimitedError), (400, VendorValidationError)],
)
def test_a_whole_batch_refused_raises_the_taxonomy_error(status: int, error: type) -> None:
    def brevo(request: httpx.Request) -> httpx.Response:
        headers = {"x-sib-ratelimit-reset": "7"} if status == 429 else {}
        return httpx.Response(status, json={"code": "c", "message": "m"}, headers=headers)

    with pytest.raises(error) as raised:
        events.post_batch(api_answering(brevo), [{"event_name": "e"}])
    if status == 429:
        assert raised.value.wait_seconds == 7


def test_the_batch_body_wraps_the_events_in_an_events_field() -> None:
    seen: list[Any] = []

    def brevo(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(202, json={"message": "Batch accepted", "count": 1})

    events.post_batch(api_answering(brevo), [{"event_name": "e"}])

    assert seen == [{"events": [{"event_name": "e"}]}]
