"""Companies, deals and custom objects: a field spec compiled into one upsert per record.

    organization_mapping:          # Pipedrive organizations -> Brevo companies
      name: name                   # the `name` target is the company's (or deal's) name
      address.value: address       # other targets are Brevo attribute names, lower_case
    deal_mapping:                  # Pipedrive deals -> Brevo deals
      title: name
      value: amount

The entries take the same short and long forms as contact mappings (paths, JSON Pointers,
transforms, defaults, aggregates). A spec with `brevo_object: <type>` maps its records to that
Brevo custom object type instead (`object.upsert`, keyed by `ext_id`). Brevo has no external id
for companies and deals, so the operation carries ours (`<vendor>:<resource>:<id>`) and the writer
keeps ext_id -> Brevo id (see `BrevoOperation`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from mapping.errors import MappingError, Reason, SpecError
from mapping.fields import TargetParser, parse_entry
from mapping.operations import BrevoOperation
from mapping.readers import FieldResolution, compile_reader
from mapping.steps import AttributeStep
from mapping.targets import BLOCKLIST_TARGETS, Target
from mapping.transforms import TransformContext
from mapping.values import AttributeValue

ObjectKind = Literal["company.upsert", "deal.upsert", "object.upsert"]
#: The spec key that makes records custom objects of the named Brevo type.
OBJECT_TYPE_KEY: Final = "brevo_object"
NAME_TARGET: Final = "name"
_CRM_ATTRIBUTE = re.compile(r"[a-z][a-z0-9_]{0,99}")
_OBJECT_ATTRIBUTE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")
_OBJECT_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{0,99}")

#: What organizations and deals map to when the config gives no spec: the fields every Brevo
#: account has (`name`; `amount` on deals, see createDeal in https://developers.brevo.com/reference).
DEFAULT_SPECS: Final[Mapping[tuple[str, str], Mapping[str, Any]]] = {
    ("pipedrive", "organizations"): {"name": "name"},
    ("pipedrive", "deals"): {"title": "name", "value": "amount"},
}


@dataclass(frozen=True, slots=True)
class ObjectUpsert:
    """A record part: the record's fields as one company, deal or custom object upsert."""

    kind: ObjectKind
    ext_id_prefix: str
    steps: tuple[AttributeStep, ...]
    object_type: str | None = None
    described: Mapping[str, object] = field(default_factory=dict)

    def describe(self) -> object:
        return {
            "part": self.kind,
            "object_type": self.object_type,
            "ext_id": self.ext_id_prefix,
            "fields": dict(self.described),
        }

    def operations(self, record: Mapping[str, object], source_id: str) -> list[BrevoOperation]:
        attributes: dict[str, AttributeValue] = {}
        for step in self.steps:
            step.compiled(record, attributes)
        ext_id = self.ext_id_prefix + source_id
        body: dict[str, Any]
        if self.kind == "object.upsert":
            body = {
                "object_type": self.object_type,
                "identifiers": {"ext_id": ext_id},
                "attributes": attributes,
            }
        else:
            body = {"ext_id": ext_id, "name": self._name(attributes), "attributes": attributes}
        return [BrevoOperation(self.kind, ext_id, source_id, body)]

    def _name(self, attributes: dict[str, AttributeValue]) -> str:
        name = attributes.pop(NAME_TARGET, None)
        if isinstance(name, int | float) and not isinstance(name, bool):
            name = str(name)
        if not isinstance(name, str) or not name.strip():
            source = next(s.source.text for s in self.steps if s.attribute == NAME_TARGET)
            noun = "company" if self.kind == "company.upsert" else "deal"
            raise MappingError(
                Reason.MISSING_IDENTIFIER,
                f"has no name at {source}: Brevo needs one to create a {noun}",
                source,
            )
        return name


def compile_object_upsert(
    spec: Mapping[object, object],
    *,
    kind: ObjectKind,
    vendor: str,
    resource: str,
    phone_region: str | None = None,
) -> ObjectUpsert:
    """Check `spec` and compile it; `SpecError` names the first bad key.

    `kind` is what the resource maps to by default; a `brevo_object` key makes it a custom
    object upsert whatever the default.
    """
    if not isinstance(spec, Mapping):
        raise SpecError("", "a mapping spec must map source paths to Brevo attributes")
    object_type = spec.get(OBJECT_TYPE_KEY)
    if object_type is not None:
        if not isinstance(object_type, str) or not _OBJECT_TYPE.fullmatch(object_type):
            raise SpecError(OBJECT_TYPE_KEY, f"{object_type!r} is not a Brevo object type name")
        kind = "object.upsert"
    targets: TargetParser = _object_target if kind == "object.upsert" else _crm_target
    context = TransformContext(phone_region=phone_region)
    fields = FieldResolution(None)
    steps: list[AttributeStep] = []
    described: dict[str, object] = {}
    for key, value in spec.items():
        if key == OBJECT_TYPE_KEY:
            continue
        entry = parse_entry(key, value, targets)
        label = entry.target.label
        if label in described:
            raise SpecError(entry.key_path, f"{label} is already mapped")
        reader, facts = compile_reader(entry, vendor, resource, fields, context)
        described[label] = facts
        assert entry.target.attribute is not None
        allows_list = "multiple_choice" in facts["transform"]  # type: ignore[operator]
        steps.append(
            AttributeStep(reader.source, entry.target.attribute, reader, None, True, allows_list)
        )
    if kind != "object.upsert" and NAME_TARGET not in described:
        raise SpecError("", f"map a field to `{NAME_TARGET}`: Brevo needs a name for each record")
    return ObjectUpsert(kind, f"{vendor}:{resource}:", tuple(steps), object_type, described)


def _crm_target(key_path: str, value: object) -> Target:
    return _target(key_path, value, _CRM_ATTRIBUTE, "lower_case letters, digits and underscores")


def _object_target(key_path: str, value: object) -> Target:
    return _target(key_path, value, _OBJECT_ATTRIBUTE, "letters, digits and underscores")


def _target(key_path: str, value: object, shape: re.Pattern[str], spelled: str) -> Target:
    if not isinstance(value, str):
        raise SpecError(key_path, f"the target must be a string, not {type(value).__name__}")
    if not shape.fullmatch(value) or value in BLOCKLIST_TARGETS:
        raise SpecError(key_path, f"{value!r} is not a Brevo attribute name: use {spelled}")
    return Target(attribute=value)
