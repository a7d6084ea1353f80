from __future__ import annotations

import dataclasses

import pytest

from connectors.pipedrive.streams import STREAMS, stream_spec


def test_persons_are_listed_from_v2_by_update_time_and_keyed_by_id() -> None:
    spec = stream_spec("persons")

    assert spec.resource == "persons"
    assert spec.endpoint == "/api/v2/persons"
    assert spec.max_page_size == 500
    assert spec.cursor_field == "update_time"
    assert spec.id_field == "id"
    assert spec.paginator == "cursor"


def test_stream_specs_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        STREAMS["persons"].endpoint = "/v1/persons"  # type: ignore[misc]


def test_an_unknown_resource_names_the_ones_that_exist() -> None:
    with pytest.raises(KeyError, match="persons"):
        stream_spec("unicorns")
