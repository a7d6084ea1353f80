"""A Pipedrive custom field addressed by name keeps mapping after a rename at the vendor."""

from __future__ import annotations

import pytest

from mapping import SpecError, compile_contact_mapping

KEY = "d" * 40
SPEC = {"email": "email", "custom_fields.lead_source": "LEAD_SOURCE"}
BEFORE = [{"key": KEY, "name": "Lead source", "field_type": "varchar"}]
AFTER = [{"key": KEY, "name": "Where they came from", "field_type": "varchar"}]
PERSON = {"id": 1, "email": "a@example.com", "custom_fields": {KEY: "Website"}}


def compile_with(fields: list[dict[str, object]], remembered: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return compile_contact_mapping(
        SPEC,
        vendor="pipedrive",
        resource="persons",
        vendor_fields=fields,
        remembered_fields=remembered,
    )


def test_a_field_resolved_by_name_reports_the_key_it_resolved_to() -> None:
    mapper = compile_with(BEFORE)
    assert mapper.resolved_fields == {"lead_source": KEY}
    assert mapper.map(PERSON).attributes["LEAD_SOURCE"] == "Website"


def test_after_a_rename_the_remembered_key_still_resolves_the_field() -> None:
    remembered = dict(compile_with(BEFORE).resolved_fields)
    mapper = compile_with(AFTER, remembered)
    assert mapper.map(PERSON).attributes["LEAD_SOURCE"] == "Website"
    assert mapper.resolved_fields == {"lead_source": KEY}
    assert mapper.version == compile_with(BEFORE).version


def test_after_a_rename_without_a_remembered_key_the_name_is_a_spec_error() -> None:
    with pytest.raises(SpecError) as caught:
        compile_with(AFTER)
    assert caught.value.key_path == "custom_fields.lead_source"


def test_a_remembered_key_the_account_no_longer_has_does_not_resolve() -> None:
    with pytest.raises(SpecError):
        compile_with(
            [{"key": "e" * 40, "name": "Other", "field_type": "varchar"}], {"lead_source": KEY}
        )


def test_the_current_name_wins_over_a_remembered_key() -> None:
    other = "f" * 40
    fields = [*AFTER, {"key": other, "name": "Lead source", "field_type": "varchar"}]
    mapper = compile_with(fields, {"lead_source": KEY})
    assert mapper.resolved_fields == {"lead_source": other}


def test_a_field_addressed_by_its_key_needs_no_remembering() -> None:
    mapper = compile_contact_mapping(
        {"email": "email", f"custom_fields.{KEY}": "LEAD_SOURCE"},
        vendor="pipedrive",
        resource="persons",
        vendor_fields=AFTER,
    )
    assert mapper.resolved_fields == {}
