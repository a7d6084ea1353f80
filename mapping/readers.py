"""One spec entry compiled into a `ReadStep`: the read every mapper shares.

Contacts, companies, deals and custom objects all read fields the same way: a path (or several, or
an aggregate), the vendor's default transforms for that field, option labels of custom fields, the
entry's own transforms and default. The facts returned with each step feed the mapping version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mapping.catalog import default_transforms
from mapping.computed import computed_for
from mapping.errors import SpecError
from mapping.fields import FieldSpec
from mapping.paths import SourcePath
from mapping.steps import NOTHING, ReadStep
from mapping.transforms import DEFAULT, Transform, TransformContext, build
from mapping.vendor_fields import FieldCatalog, VendorField, looks_like_key, normalise_name


@dataclass
class FieldResolution:
    """Custom fields named by name: the vendor's field list, the keys names resolved to before
    (normalised name -> key, kept by the caller), and the keys they resolve to now (filled in
    while compiling, for the caller to keep)."""

    catalog: FieldCatalog | None
    remembered: Mapping[str, str] = field(default_factory=dict)
    resolved: dict[str, str] = field(default_factory=dict)


def compile_reader(
    entry: FieldSpec,
    vendor: str,
    resource: str,
    fields: FieldResolution,
    context: TransformContext,
) -> tuple[ReadStep, dict[str, object]]:
    """The compiled read of one entry, and the facts about it that the version covers."""
    sources = entry.sources
    aggregate = entry.aggregate
    if not sources:
        assert aggregate is not None
        sources = (aggregate.over,)
    elif aggregate is None and len(sources) == 1:
        aggregate = computed_for(vendor, resource, sources[0].text)
    source, fallback, vendor_field = _resolve_custom_field(entry, sources[0], fields)
    if len(sources) == 1:
        sources = (source,)
    names: list[object] = []
    default = entry.default if entry.has_default else NOTHING
    transforms: list[Transform] = []
    if not entry.explicit_transforms:
        defaults = default_transforms(vendor, resource, sources[0].text)
        if not defaults and entry.target.is_blocklist:
            defaults = ("marketing_consent",)
        transforms = [build(name, None, context, entry.key_path) for name in defaults]
        names.extend(defaults)
    for call in entry.transforms:
        if call.name == DEFAULT:
            default = call.arg
            names.append([DEFAULT, call.arg])
            continue
        transforms.append(build(call.name, call.arg, context, call.key_path))
        names.append(call.name if call.arg is None else [call.name, call.arg])
    reader = ReadStep(
        label=entry.target.label,
        source=source,
        sources=sources,
        aggregate=aggregate,
        default=default,
        required=entry.required,
        vendor_field=vendor_field,
        transforms=tuple(transforms),
        fallback=fallback,
    )
    facts: dict[str, object] = {
        "from": [s.text for s in sources],
        "read": [list(s.segments) for s in sources],
        "transform": names,
        "required": entry.required,
        "default": None if default is NOTHING else ["value", default],
        "aggregate": None if aggregate is None else aggregate.describe(),
    }
    if vendor_field is not None:
        facts["options"] = sorted(vendor_field.options.items())
        facts["field_type"] = vendor_field.field_type
    return reader, facts


def _resolve_custom_field(
    entry: FieldSpec, source: SourcePath, fields: FieldResolution
) -> tuple[SourcePath, SourcePath | None, VendorField | None]:
    """`custom_fields.<name or key>` -> the v2 path by key, the v1 top-level fallback, the field."""
    catalog = fields.catalog
    if catalog is None or len(source.segments) != 2 or source.segments[0] != "custom_fields":
        return source, None, None
    written = source.segments[1]
    found = catalog.resolve(written, fields.remembered)
    if found is None:
        raise SpecError(
            entry.key_path,
            f"the vendor has no custom field named or keyed {written!r}",
        )
    if not looks_like_key(written) or written != found.key:
        # Named, not keyed: the caller keeps this so a later rename at the vendor still resolves.
        fields.resolved[normalise_name(written)] = found.key
    resolved = SourcePath(source.text, ("custom_fields", found.key))
    return resolved, SourcePath(source.text, (found.key,)), found
