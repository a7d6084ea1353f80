"""Events against the Brevo fake: batches of 200 over real HTTP, per-event refusals."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.brevo import events
from connectors.brevo.api import BrevoApi
from connectors.brevo.batches import chunk_items
from connectors.brevo.settings import BrevoSettings
from sandbox.server import SandboxHandle


@pytest.fixture(autouse=True)
def clean_fake(sandbox: SandboxHandle) -> Iterator[None]:
    sandbox.brevo.reset()
    yield
    assert sandbox.brevo.off_spec == []


@pytest.fixture
def api(sandbox: SandboxHandle, brevo_key: str) -> Iterator[BrevoApi]:
    with BrevoApi(BrevoSettings(api_key=brevo_key, base_url=sandbox.urls["brevo"])) as client:
        yield client


def event(i: int, name: str = "deal_won") -> dict[str, Any]:
    return {
        "event_name": name,
        "identifiers": {"ext_id": f"pipedrive:persons:{i}"},
        "event_date": "2024-02-06T20:59:23+01:00",
        "event_properties": {"deal_id": i, "value": 12 * i},
    }


def test_450_events_go_in_three_batch_requests_and_all_arrive(
    sandbox: SandboxHandle, api: BrevoApi
) -> None:
    bodies = [event(i) for i in range(450)]
    chunks = chunk_items(
        bodies, max_items=events.EVENTS_PER_BATCH, max_bytes=events.EVENTS_BATCH_MAX_BYTES
    )

    answers = [events.post_batch(api, [bodies[i] for i in c.indices]) for c in chunks]

    assert [len(c.indices) for c in chunks] == [200, 200, 50]
    assert sum(len(a.accepted) for a in answers) == 450
    assert all(not a.rejected for a in answers)
    assert sandbox.brevo.request_count("/v3/events/batch") == 3
    assert len(sandbox.brevo.events_for(ext_id="pipedrive:persons:7")) == 1


def test_a_batch_with_one_bad_event_is_answered_event_by_event(
    sandbox: SandboxHandle, api: BrevoApi
) -> None:
    bodies = [event(1), event(2, name="not a valid name!"), event(3)]

    answer = events.post_batch(api, bodies)

    assert answer.accepted == [0, 2]
    assert [r.index for r in answer.rejected] == [1]
    assert answer.rejected[0].message
    assert sandbox.brevo.events_for(ext_id="pipedrive:persons:2") == []


def test_a_single_event_is_taken_or_refused_with_brevo_s_message(api: BrevoApi) -> None:
    assert events.post_one(api, event(5)) is None

    refused = events.post_one(api, event(6, name="bad name"))

    assert refused is not None
    assert refused.code == "invalid_parameter"
