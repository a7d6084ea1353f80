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


def test_every_resource_of_the_docs_has_a_stream() -> None:
    assert set(STREAMS) == {"persons", "deals", "organizations", "activities", "leads"}


def test_v2_streams_page_with_cursors_and_leads_with_offsets() -> None:
    for resource in ("persons", "deals", "organizations", "activities"):
        spec = stream_spec(resource)
        assert spec.paginator == "cursor"
        assert spec.endpoint == f"/api/v2/{resource}"
        assert spec.record_endpoint == f"/api/v2/{resource}/{{id}}"
    leads = stream_spec("leads")
    assert (leads.paginator, leads.endpoint, leads.id_kind) == ("offset", "/v1/leads", "uuid")


def test_persons_deals_and_organizations_have_a_fields_endpoint() -> None:
    with_fields = {r: s.fields_endpoint for r, s in STREAMS.items() if s.fields_endpoint}

    assert with_fields == {
        "persons": "/v1/personFields",
        "deals": "/v1/dealFields",
        "organizations": "/v1/organizationFields",
    }
