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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Final

from mapping.brevo_types import attributes_from_api
from mapping.errors import MappingError, Reason, SpecError
from mapping.fields import parse_entry
from mapping.hashing import canonical_json, content_hash
from mapping.identifiers import normalise_email, normalise_phone
from mapping.operations import ContactUpsert, Operation
from mapping.parts import ContactPart
from mapping.paths import SourcePath, compile_getter, parse_dotted
from mapping.previews import kind_of
from mapping.readers import FieldResolution, compile_reader
from mapping.record_ids import MAX_INT_ID, UNKNOWN, checked_id, singular, source_id
from mapping.steps import Applier, AttributeStep, FlagStep, IdentifierStep
from mapping.targets import SMS_ATTRIBUTE
from mapping.transforms import COUNTRY_CODES, TransformContext
from mapping.values import AttributeValue
from mapping.vendor_fields import field_catalog

#: Bumped when the same spec starts producing different operations (it is part of `version`).
_ENGINE_VERSION: Final = 2
_NAME = re.compile(r"[a-z][a-z0-9_]*")
#: Largest operation one record may become (the 512 KB per-record limit of the issue and of
#: Connectif's data reception, see connector-docs/connectif-data-reception.txt).
MAX_RECORD_BYTES: Final = 512 * 1024
#: Attributes every Brevo account has that a mapping may write without creating them.
_BUILT_IN_ATTRIBUTES: Final = frozenset({"SMS", "EXT_ID", "EMAIL"})
DEFAULT_EXT_ID: Final = "{vendor}:{resource}:{id}"
#: JSON bytes one attribute can take at most: 5,000 characters, each escaped to 6 bytes, plus
#: its name; a record with fewer attributes than the limit allows is never measured.
_WORST_VALUE_BYTES: Final = 5000 * 6 + 300
_NO_FLAGS: Final[dict[str, bool | None]] = {}
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True, slots=True)
class ContactPlan:
    """The compiled spec: what `ContactMapper.map` runs for every record."""

    email: IdentifierStep | None
    sms: IdentifierStep | None
    attributes: tuple[AttributeStep, ...]
    flags: tuple[FlagStep, ...] = ()


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
    ext_id_template: str = DEFAULT_EXT_ID
    #: What `map` runs, prepared once: the steps' compiled closures and the fixed strings.
    _compiled: _CompiledPlan = field(init=False, repr=False, compare=False)
    #: Operations that follow from the contact (consent: list membership, the blocklist).
    extras: tuple[ContactPart, ...] = ()
    #: Custom fields named by name -> the vendor key each resolved to (normalised name -> key),
    #: for the caller to keep: handed back as `remembered`, they survive a rename at the vendor.
    resolved_fields: Mapping[str, str] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        plan = self.plan
        object.__setattr__(
            self,
            "_compiled",
            _CompiledPlan(
                noun=singular(self.resource),
                source_id=compile_getter(self.id_path),
                email=None if plan.email is None else plan.email.compiled,
                sms=None if plan.sms is None else plan.sms.compiled,
                attributes=tuple(step.compiled for step in plan.attributes),
                ext_id_prefix=(
                    f"{self.vendor}:{self.resource}:"
                    if self.ext_id_template == DEFAULT_EXT_ID
                    else None
                ),
            ),
        )

    @property
    def related(self) -> frozenset[str]:
        """The related record lists the computed fields aggregate over (`deals`, `orders`):
        what the connector must attach to each record when the vendor does not count for us."""
        plan = self.plan
        identifiers = [step.reader for step in (plan.email, plan.sms) if step is not None]
        readers = [
            *identifiers,
            *(s.reader for s in plan.attributes),
            *(s.reader for s in plan.flags),
        ]
        return frozenset(r.aggregate.over.text for r in readers if r.aggregate is not None)

    def map(self, record: object) -> ContactUpsert:
        """The operation for `record`; any other input than a usable record is a `MappingError`."""
        compiled = self._compiled
        if type(record) is not dict and not isinstance(record, Mapping):
            raise MappingError(
                Reason.UNSUPPORTED_RECORD,
                f"a {compiled.noun} record must be a JSON object, not a {kind_of(record)}",
            )
        source_id = self._source_id(record, compiled)
        email, sms = self._identifiers(record, compiled, source_id)
        attributes: dict[str, AttributeValue] = {}
        try:
            for apply in compiled.attributes:
                apply(record, attributes)
            flags = (
                {step.target: step.read(record) for step in self.plan.flags}
                if self.plan.flags
                else _NO_FLAGS
            )
        except MappingError as exc:
            raise _about(compiled.noun, source_id, exc) from None
        except RecursionError:
            raise MappingError(
                Reason.UNSUPPORTED_RECORD, f"{compiled.noun} {source_id} is nested too deeply"
            ) from None
        if sms is not None:
            attributes[SMS_ATTRIBUTE] = sms
        prefix = compiled.ext_id_prefix
        operation = ContactUpsert(
            ext_id=prefix + source_id if prefix is not None else self._ext_id(source_id),
            source_id=source_id,
            email=email,
            attributes=attributes,
            list_ids=self.list_ids,
            email_blacklisted=flags.get("emailBlacklisted"),
            sms_blacklisted=flags.get("smsBlacklisted"),
        )
        # Attribute values are capped at 5,000 characters each, so only a record with very many
        # attributes can get near the limit: measure the JSON only then.
        if len(attributes) * _WORST_VALUE_BYTES >= MAX_RECORD_BYTES:
            _check_size(operation, compiled.noun, source_id)
        return operation

    def map_operations(self, record: object) -> list[Operation]:
        """Every operation `record` becomes: its contact upsert (as the `extras` amend it) first,
        then what follows from it; `MappingError` when the record cannot be written at all."""
        contact = self.map(record)
        if not self.extras:
            return [contact]
        following: list[Operation] = []
        assert isinstance(record, Mapping)  # `map` has checked it
        try:
            for part in self.extras:
                contact, more = part.apply(record, contact)
                following.extend(more)
        except MappingError as exc:
            raise _about(self._compiled.noun, contact.source_id, exc) from None
        except RecursionError:
            raise MappingError(
                Reason.UNSUPPORTED_RECORD,
                f"{self._compiled.noun} {contact.source_id} is nested too deeply",
            ) from None
        return [contact, *following]

    def source_id_of(self, record: object) -> str:
        """The record's id for messages and dead letters, `unknown` when it has none."""
        if not isinstance(record, Mapping):
            return UNKNOWN
        return checked_id(self.id_path.get(record)) or UNKNOWN

    def ext_id_of(self, source_id: str) -> str:
        """The contact's `ext_id` for a record id: other mappers link to contacts with it."""
        return self._ext_id(source_id)

    def _ext_id(self, source_id: str) -> str:
        if self.ext_id_template == DEFAULT_EXT_ID:
            return f"{self.vendor}:{self.resource}:{source_id}"
        return self.ext_id_template.format(vendor=self.vendor, resource=self.resource, id=source_id)

    def _source_id(self, record: Mapping[str, object], compiled: _CompiledPlan) -> str:
        raw = compiled.source_id(record)
        if type(raw) is int and 0 <= raw <= MAX_INT_ID:
            return str(raw)  # the common case, without the call: this runs for every record
        return source_id(raw, path=self.id_path.text, noun=compiled.noun)

    def _identifiers(
        self, record: Mapping[str, object], compiled: _CompiledPlan, source_id: str
    ) -> tuple[str | None, str | None]:
        """Both identifiers; raises unless at least one is usable (see the module docstring)."""
        email = sms = None
        email_error = sms_error = None
        if compiled.email is not None:
            try:
                email = compiled.email(record)
            except MappingError as exc:
                email_error = exc
        if compiled.sms is not None:
            try:
                sms = compiled.sms(record)
            except MappingError as exc:
                sms_error = exc
        if email is not None or sms is not None:
            return email, sms  # a bad other identifier is dropped: see the module docstring
        noun = compiled.noun
        if email_error is not None and sms_error is not None:
            raise _about(
                noun,
                source_id,
                MappingError(
                    email_error.reason,
                    f"{email_error.message}; {sms_error.message}",
                    email_error.field,
                ),
            )
        if email_error is not None or sms_error is not None:
            raise _about(noun, source_id, email_error or sms_error)  # type: ignore[arg-type]
        raise MappingError(
            Reason.MISSING_IDENTIFIER, f"{noun} {source_id} has no email and no phone"
        )


@dataclass(frozen=True, slots=True)
class _CompiledPlan:
    noun: str
    source_id: Callable[[Mapping[str, object]], object]
    email: Callable[[Mapping[str, object]], str | None] | None
    sms: Callable[[Mapping[str, object]], str | None] | None
    attributes: tuple[Applier, ...]
    #: `vendor:resource:` for the default ext_id template, None for a custom one
    ext_id_prefix: str | None


def _about(noun: str, source_id: str, error: MappingError) -> MappingError:
    """The same error, its message prefixed with which record it is about."""
    return MappingError(error.reason, f"{noun} {source_id}: {error.message}", error.field)


def compile_contact_mapping(
    spec: Mapping[object, object],
    *,
    vendor: str,
    resource: str,
    list_ids: Sequence[int] = (),
    id_path: str = "id",
    vendor_fields: Sequence[Mapping[str, object]] | None = None,
    brevo_attributes: Iterable[Mapping[str, object]] | None = None,
    phone_region: str | None = None,
    ext_id_template: str = DEFAULT_EXT_ID,
    remembered_fields: Mapping[str, str] | None = None,
    extras: Sequence[ContactPart] = (),
) -> ContactMapper:
    """Check `spec` and compile it into a `ContactMapper`; `SpecError` names the first bad key.

    `vendor_fields` (Pipedrive's field list) resolves custom fields named by name and their
    option ids; `remembered_fields` (normalised name -> key, what `resolved_fields` reported
    before) keeps a renamed field resolving; `brevo_attributes` (Brevo's `GET
    /contacts/attributes` items) turns unknown attributes and wrong types into `MappingError`s.
    All are plain data the tasks fetched. `extras` add operations that follow from the contact.
    """
    _check_name("vendor", vendor)
    _check_name("resource", resource)
    lists = _check_list_ids(list_ids)
    region = _check_region(phone_region)
    _check_ext_id(ext_id_template)
    if not isinstance(spec, Mapping):
        raise SpecError("", "a mapping spec must map source paths to Brevo targets")
    fields = FieldResolution(
        field_catalog(vendor_fields) if vendor_fields is not None else None,
        dict(remembered_fields or {}),
    )
    account = attributes_from_api(brevo_attributes) if brevo_attributes is not None else None
    context = TransformContext(phone_region=region)

    email: IdentifierStep | None = None
    sms: IdentifierStep | None = None
    attributes: list[AttributeStep] = []
    flags: list[FlagStep] = []
    described: dict[str, object] = {}
    sources_by_target: dict[str, str] = {}
    for key, value in spec.items():
        entry = parse_entry(key, value)
        label = entry.target.label
        if label in sources_by_target:
            raise SpecError(
                entry.key_path, f"{label} is already mapped from {sources_by_target[label]}"
            )
        sources_by_target[label] = entry.source_text
        reader, facts = compile_reader(entry, vendor, resource, fields, context)
        described[label] = facts
        target = entry.target
        if target.is_email:
            email = IdentifierStep(reader.source, reader, _email)
        elif target.is_sms:
            sms = IdentifierStep(reader.source, reader, partial(_phone, region=region))
        elif target.is_blocklist:
            assert target.attribute is not None
            flags.append(FlagStep(target.attribute, reader))
        else:
            assert target.attribute is not None
            brevo = None if account is None else account.get(target.attribute)
            known = account is None or brevo is not None or target.attribute in _BUILT_IN_ATTRIBUTES
            if brevo is not None:
                facts["brevo_type"] = brevo.type
            allows_list = (
                "multiple_choice" in facts["transform"]  # type: ignore[operator]
                or (reader.vendor_field is not None and reader.vendor_field.multiple)
                or (brevo is not None and brevo.type == "multiple-choice")
            )
            attributes.append(
                AttributeStep(reader.source, target.attribute, reader, brevo, known, allows_list)
            )
    if email is None and sms is None:
        raise SpecError("", "the spec maps neither `email` nor `SMS`: no record could be written")

    id_source = parse_dotted(id_path)
    plan = ContactPlan(email=email, sms=sms, attributes=tuple(attributes), flags=tuple(flags))
    effective = {
        "engine": _ENGINE_VERSION,
        "kind": "contact",
        "vendor": vendor,
        "resource": resource,
        "id_path": id_source.text,
        "ext_id": ext_id_template,
        "list_ids": list(lists),
        "phone_region": region,
        "fields": described,
    }
    if extras:
        # Only when there are any, so versions of mappings without extras stay as they were.
        effective["extras"] = [part.describe() for part in extras]
    version = content_hash(_jsonable(effective))[:12]  # type: ignore[arg-type]
    return ContactMapper(
        vendor,
        resource,
        lists,
        plan,
        id_source,
        version,
        ext_id_template,
        extras=tuple(extras),
        resolved_fields=dict(fields.resolved),
    )


def _email(value: object, path: str) -> str | None:
    return normalise_email(value, path=path)


def _phone(value: object, path: str, *, region: str | None) -> str | None:
    return normalise_phone(value, path=path, region=region)


def _check_size(operation: ContactUpsert, noun: str, source_id: str) -> None:
    size = len(canonical_json(operation.to_json()))
    if size > MAX_RECORD_BYTES:
        raise MappingError(
            Reason.PAYLOAD_TOO_LARGE,
            f"{noun} {source_id} maps to {size} bytes; the limit is {MAX_RECORD_BYTES}",
        )


def _jsonable(value: object) -> object:
    """The effective spec with any YAML value (dates, sets) spelled as JSON."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def _check_region(region: object) -> str | None:
    if region is None:
        return None
    if not isinstance(region, str) or region.upper() not in COUNTRY_CODES:
        raise SpecError("phone_region", f"{region!r} is not a region code like FR or US")
    return region.upper()


def _check_ext_id(template: object) -> None:
    if not isinstance(template, str) or "{id}" not in template:
        raise SpecError("ext_id", "the template must contain {id}, like {vendor}:{resource}:{id}")
    unknown = set(_PLACEHOLDER.findall(template)) - {"vendor", "resource", "id"}
    if unknown:
        raise SpecError("ext_id", f"unknown placeholder {{{sorted(unknown)[0]}}}")


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
