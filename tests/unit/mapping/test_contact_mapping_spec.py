"""Compiling a person_mapping spec: what is refused at start-up, and what the version hash means."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from mapping import SpecError, compile_contact_mapping

VALID = {"email": "email", "first_name": "FIRSTNAME", "phone": "SMS"}


def spec_error(spec: Any, **kwargs: Any) -> SpecError:
    options: dict[str, Any] = {"vendor": "pipedrive", "resource": "persons", **kwargs}
    with pytest.raises(SpecError) as caught:
        compile_contact_mapping(spec, **options)
    return caught.value


@pytest.mark.parametrize("target", ["FirstName", "first_name", "1ST", "FIRST-NAME", "", "EMAIL "])
def test_a_target_that_is_not_an_upper_case_attribute_names_the_key(target: str) -> None:
    error = spec_error({"email": "email", "first_name": target})
    assert error.key_path == "first_name"


def test_a_target_that_is_not_a_string_is_refused() -> None:
    assert spec_error({"email": "email", "age": 3}).key_path == "age"


@pytest.mark.parametrize("reserved", ["EMAIL", "EXT_ID"])
def test_attributes_the_mapper_owns_cannot_be_mapped(reserved: str) -> None:
    assert spec_error({"email": "email", "mail": reserved}).key_path == "mail"


@pytest.mark.parametrize(
    ("path", "key_path"),
    [
        ("", "''"),
        ("a..b", "a..b"),
        (".a", ".a"),
        ("a.", "a."),
        ("/", "/"),
        ("/a//b", "/a//b"),
        ("/a~2b", "/a~2b"),
    ],
)
def test_a_malformed_source_path_is_refused(path: str, key_path: str) -> None:
    assert spec_error({"email": "email", path: "COMPANY"}).key_path == key_path


def test_a_non_string_source_key_is_refused() -> None:
    assert spec_error({"email": "email", 1: "ONE"}).key_path == "1"


def test_two_sources_for_one_target_are_refused() -> None:
    error = spec_error({"email": "email", "primary_email": "email"})
    assert error.key_path == "primary_email"
    assert "already mapped from email" in error.problem


def test_a_spec_without_any_identifier_is_refused() -> None:
    assert "neither" in spec_error({"first_name": "FIRSTNAME"}).problem


def test_a_spec_that_is_not_a_mapping_is_refused() -> None:
    spec_error(["email"])


@pytest.mark.parametrize(
    ("key_path", "options"),
    [
        ("vendor", {"vendor": "Pipe:drive"}),
        ("resource", {"resource": ""}),
        ("list_ids[1]", {"list_ids": [60, 0]}),
        ("list_ids[0]", {"list_ids": [True]}),
        ("list_ids", {"list_ids": "60"}),
    ],
)
def test_bad_vendor_resource_or_list_ids_name_the_key(
    key_path: str, options: dict[str, Any]
) -> None:
    assert spec_error(VALID, **options).key_path == key_path


def test_a_spec_error_reads_as_key_and_problem_and_survives_pickling() -> None:
    error = spec_error({"email": "email", "name": "name"})
    assert str(error).startswith("name: ")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes, as Celery would carry them
    assert (copy.key_path, copy.problem) == (error.key_path, error.problem)


def test_the_version_is_short_and_stable_for_the_same_spec() -> None:
    first = compile_contact_mapping(VALID, vendor="pipedrive", resource="persons", list_ids=[60])
    again = compile_contact_mapping(
        dict(reversed(list(VALID.items()))), vendor="pipedrive", resource="persons", list_ids=[60]
    )
    assert first.version == again.version
    assert len(first.version) == 12


@pytest.mark.parametrize(
    "change",
    [
        {"spec": {**VALID, "last_name": "LASTNAME"}},
        {"spec": {**VALID, "first_name": "FNAME"}},
        {"list_ids": [61]},
        {"resource": "leads"},
        {"id_path": "uuid"},
    ],
)
def test_the_version_changes_when_the_output_would(change: dict[str, Any]) -> None:
    base: dict[str, Any] = {
        "spec": VALID,
        "vendor": "pipedrive",
        "resource": "persons",
        "list_ids": [60],
    }
    changed = {**base, **change}
    assert compile_contact_mapping(**base).version != compile_contact_mapping(**changed).version


def test_list_ids_are_deduplicated_and_sorted() -> None:
    mapper = compile_contact_mapping(
        VALID, vendor="pipedrive", resource="persons", list_ids=[62, 60, 62]
    )
    assert mapper.list_ids == (60, 62)


def test_the_plan_is_compiled_once_into_steps() -> None:
    mapper = compile_contact_mapping(
        {"email": "email", "org_id.name": "COMPANY", "phone": "SMS"},
        vendor="pipedrive",
        resource="persons",
    )
    assert mapper.plan.email is not None
    assert mapper.plan.email.source.segments == ("email",)
    assert mapper.plan.sms is not None
    assert [(step.source.segments, step.attribute) for step in mapper.plan.attributes] == [
        (("org_id", "name"), "COMPANY")
    ]


def test_the_record_id_can_come_from_another_path() -> None:
    mapper = compile_contact_mapping(
        {"email": "email"}, vendor="connectif", resource="contacts", id_path="meta.uuid"
    )
    op = mapper.map({"meta": {"uuid": "c-1"}, "email": "a@b.co"})
    assert op.ext_id == "connectif:contacts:c-1"
