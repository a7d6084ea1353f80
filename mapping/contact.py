"""The contact mapper: a `person_mapping`-style spec compiled once into a plan of small steps.

    person_mapping:
      email: email              # source path -> the contact's email identifier
      first_name: FIRSTNAME     # source path -> a Brevo attribute (UPPER_CASE)
      phone: SMS                # SMS is Brevo's phone identifier, checked as E.164
      org_id.name: COMPANY      # dotted paths walk into objects; absent -> omitted

Identifier policy (Brevo needs an email or an SMS to create a contact, see createContact in
https://developers.brevo.com/reference/createcontact):

- an invalid email is a `MappingError` only when there is no valid SMS, and an invalid SMS only when
  there is no valid email; otherwise the bad identifier is left out and the contact is written with
  the good one (the record is not lost, and the other attributes still reach Brevo);
- neither identifier at all is `missing_identifier`.

Attribute values that are null or absent are omitted, never sent as empty; objects and lists are
`type_mismatch`; text over 5,000 characters is `value_too_long` (see `mapping.values`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from mapping.errors import MappingError, Reason, SpecError
from mapping.hashing import content_hash
from mapping.identifiers import normalise_email, normalise_phone
from mapping.operations import ContactUpsert
from mapping.paths import ABSENT, SourcePath, parse_dotted
from mapping.previews import kind_of, preview
from mapping.targets import SMS_ATTRIBUTE, Target, parse_target
from mapping.values import AttributeValue, to_attribute_value

#: Bumped when the same spec starts producing different operations (it is part of `version`).
_ENGINE_VERSION: Final = 1
_NAME = re.compile(r"[a-z][a-z0-9_]*")
#: A database BIGINT; larger ids are not ids any vendor of ours issues.
_MAX_INT_ID: Final = 2**63 - 1
_MAX_STR_ID_LENGTH: Final = 255


@dataclass(frozen=True, slots=True)
class IdentifierStep:
    """Read an identifier (email or SMS) and normalise it: a value, None, or `MappingError`."""

    source: SourcePath
    normalise: Callable[..., str | None]

    def read(self, record: Mapping[str, object]) -> str | None:
        value = self.source.get(record)
        if value is ABSENT:
            return None
        return self.normalise(value, path=self.source.text)


@dataclass(frozen=True, slots=True)
class AttributeStep:
    """Read one source path and set one Brevo attribute (or leave it out when there is no value)."""

    source: SourcePath
    attribute: str

    def apply(self, record: Mapping[str, object], attributes: dict[str, AttributeValue]) -> None:
        value = self.source.get(record)
        if value is ABSENT:
            return
        converted = to_attribute_value(value, attribute=self.attribute, path=self.source.text)
        if converted is not None:
            attributes[self.attribute] = converted


@dataclass(frozen=True, slots=True)
class ContactPlan:
    """The compiled spec: what `ContactMapper.map` runs for every record."""

    email: IdentifierStep | None
    sms: IdentifierStep | None
    attributes: tuple[AttributeStep, ...]


@dataclass(frozen=True, slots=True)
class ContactMapper:
    """Maps one vendor record to a `ContactUpsert`, or raises `MappingError`. Build it with
    `compile_contact_mapping`."""

    vendor: str
    resource: str
    list_ids: tuple[int, ...]
    plan: ContactPlan
    id_path: SourcePath
    #: short stable hash of the effective spec; stored on dead letters and in the write ledger
    version: str

    def map(self, record: object) -> ContactUpsert:
        """The operation for `record`; any other input than a usable record is a `MappingError`."""
        noun = _singular(self.resource)
        if not isinstance(record, Mapping):
            raise MappingError(
                Reason.UNSUPPORTED_RECORD,
                f"a {noun} record must be a JSON object, not a {kind_of(record)}",
            )
        source_id = self._source_id(record, noun)
        try:
            email, sms = self._identifiers(record)
        except MappingError as exc:
            raise _about(noun, source_id, exc) from None
        if email is None and sms is None:
            raise MappingError(
                Reason.MISSING_IDENTIFIER, f"{noun} {source_id} has no email and no phone"
            )
        attributes: dict[str, AttributeValue] = {}
        try:
            for step in self.plan.attributes:
                step.apply(record, attributes)
        except MappingError as exc:
            raise _about(noun, source_id, exc) from None
        if sms is not None:
            attributes[SMS_ATTRIBUTE] = sms
        return ContactUpsert(
            ext_id=f"{self.vendor}:{self.resource}:{source_id}",
            source_id=source_id,
            email=email,
            attributes=attributes,
            list_ids=self.list_ids,
        )

    def _source_id(self, record: Mapping[str, object], noun: str) -> str:
        raw = self.id_path.get(record)
        if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= _MAX_INT_ID:
            return str(raw)
        if (
            isinstance(raw, str)
            and 0 < len(raw) <= _MAX_STR_ID_LENGTH
            and raw.isprintable()
            and " " not in raw
        ):
            return raw
        shown = "missing" if raw is ABSENT else preview(raw)
        raise MappingError(
            Reason.UNSUPPORTED_RECORD,
            f"a {noun} record needs an id (a non-negative integer or a short string without "
            f"spaces) at {self.id_path.text}; found {shown}",
            self.id_path.text,
        )

    def _identifiers(self, record: Mapping[str, object]) -> tuple[str | None, str | None]:
        """Both identifiers; raises only when neither is usable and at least one is invalid."""
        email, email_error = _read_identifier(self.plan.email, record)
        sms, sms_error = _read_identifier(self.plan.sms, record)
        if email is not None or sms is not None:
            return email, sms  # a bad other identifier is dropped: see the module docstring
        if email_error is not None and sms_error is not None:
            raise MappingError(
                email_error.reason, f"{email_error.message}; {sms_error.message}", email_error.field
            )
        if email_error is not None:
            raise email_error
        if sms_error is not None:
            raise sms_error
        return None, None


def _about(noun: str, source_id: str, error: MappingError) -> MappingError:
    """The same error, its message prefixed with which record it is about."""
    return MappingError(error.reason, f"{noun} {source_id}: {error.message}", error.field)


def _read_identifier(
    step: IdentifierStep | None, record: Mapping[str, object]
) -> tuple[str | None, MappingError | None]:
    if step is None:
        return None, None
    try:
        return step.read(record), None
    except MappingError as exc:
        return None, exc


def compile_contact_mapping(
    spec: Mapping[str, str],
    *,
    vendor: str,
    resource: str,
    list_ids: Sequence[int] = (),
    id_path: str = "id",
) -> ContactMapper:
    """Check `spec` and compile it into a `ContactMapper`; `SpecError` names the first bad key."""
    _check_name("vendor", vendor)
    _check_name("resource", resource)
    lists = _check_list_ids(list_ids)
    if not isinstance(spec, Mapping):
        raise SpecError("", "a mapping spec must map source paths to Brevo targets")

    email: IdentifierStep | None = None
    sms: IdentifierStep | None = None
    attributes: list[AttributeStep] = []
    sources_by_target: dict[str, str] = {}
    for key, value in spec.items():
        source = parse_dotted(key)
        target = parse_target(source.text, value)
        if target.label in sources_by_target:
            raise SpecError(
                source.text,
                f"{target.label} is already mapped from {sources_by_target[target.label]}",
            )
        sources_by_target[target.label] = source.text
        email, sms = _place(target, source, email, sms, attributes)
    if email is None and sms is None:
        raise SpecError("", "the spec maps neither `email` nor `SMS`: no record could be written")

    id_source = parse_dotted(id_path)
    plan = ContactPlan(email=email, sms=sms, attributes=tuple(attributes))
    version = _version(vendor, resource, lists, id_source, sources_by_target)
    return ContactMapper(vendor, resource, lists, plan, id_source, version)


def _place(
    target: Target,
    source: SourcePath,
    email: IdentifierStep | None,
    sms: IdentifierStep | None,
    attributes: list[AttributeStep],
) -> tuple[IdentifierStep | None, IdentifierStep | None]:
    if target.is_email:
        return IdentifierStep(source, normalise_email), sms
    if target.is_sms:
        return email, IdentifierStep(source, normalise_phone)
    assert target.attribute is not None
    attributes.append(AttributeStep(source, target.attribute))
    return email, sms


def _check_name(key_path: str, value: object) -> None:
    # These end up in ext_id (`vendor:resource:id`), so no colons and one spelling each.
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise SpecError(key_path, f"{value!r} must be lower_case letters, digits and underscores")


def _check_list_ids(list_ids: Sequence[int]) -> tuple[int, ...]:
    if isinstance(list_ids, str | bytes):
        raise SpecError("list_ids", "must be a list of Brevo list ids")
    for index, list_id in enumerate(list_ids):
        if isinstance(list_id, bool) or not isinstance(list_id, int) or list_id <= 0:
            raise SpecError(f"list_ids[{index}]", f"{list_id!r} is not a Brevo list id")
    # Brevo list membership is a set: one spelling makes the version and the hashes stable.
    return tuple(sorted(set(list_ids)))


def _version(
    vendor: str,
    resource: str,
    list_ids: tuple[int, ...],
    id_path: SourcePath,
    sources_by_target: Mapping[str, str],
) -> str:
    effective = {
        "engine": _ENGINE_VERSION,
        "kind": "contact",
        "vendor": vendor,
        "resource": resource,
        "id_path": id_path.text,
        "list_ids": list(list_ids),
        "fields": sorted([source, target] for target, source in sources_by_target.items()),
    }
    return content_hash(effective)[:12]


def _singular(resource: str) -> str:
    """`persons` -> `person`, `activities` -> `activity`: messages read like operators speak."""
    if resource.endswith("ies"):
        return resource[:-3] + "y"
    if resource.endswith(("sses", "xes", "ches", "shes")):
        return resource[:-2]
    if resource.endswith("s") and not resource.endswith("ss"):
        return resource[:-1]
    return resource
