"""One spec entry, short or long form, parsed into a `FieldSpec` (still uncompiled).

Short form, as the connector docs write it (source path -> target):

    org_id.name: COMPANY
    custom_fields.lead_source: LEAD_SOURCE

Long form (target -> how to fill it):

    SMS:     {from: /customer/addresses/0/phone, transform: [phone], required: false}
    CITY:    {from: default_address.city, transform: [strip, "truncate:80"], default: Unknown}
    FULLNAME: {from: [first_name, last_name], transform: [concat]}
    WON:     {aggregate: {op: count, over: deals, where: {status: won}}}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from mapping.computed import Aggregate, parse_aggregate
from mapping.errors import SpecError
from mapping.paths import SourcePath, parse_source
from mapping.targets import Target, parse_target

_LONG_KEYS: Final = frozenset({"from", "transform", "required", "default", "aggregate"})
_NO_DEFAULT: Final = object()


@dataclass(frozen=True)
class TransformCall:
    name: str
    arg: object
    key_path: str


@dataclass(frozen=True)
class FieldSpec:
    key_path: str
    target: Target
    sources: tuple[SourcePath, ...]
    transforms: tuple[TransformCall, ...] = ()
    required: bool = False
    default: object = _NO_DEFAULT
    aggregate: Aggregate | None = None
    #: True when the user wrote `transform:`; catalog defaults apply only otherwise
    explicit_transforms: bool = False

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT

    @property
    def source_text(self) -> str:
        if self.sources:
            return "+".join(source.text for source in self.sources)
        return f"aggregate({self.aggregate.over.text})" if self.aggregate else ""


#: Parses a target at a key path: contacts take `email` and UPPER_CASE attributes, companies
#: and deals Brevo's lower_case CRM attribute names.
TargetParser = Callable[[str, object], Target]


def parse_entry(key: object, value: object, targets: TargetParser = parse_target) -> FieldSpec:
    """One `key: value` of a spec, or `SpecError` naming the key path."""
    if isinstance(value, Mapping):
        return _long_form(key, value, targets)
    source = parse_source(key)
    return FieldSpec(source.text, targets(source.text, value), (source,))


def _long_form(key: object, body: Mapping[object, object], targets: TargetParser) -> FieldSpec:
    if not isinstance(key, str):
        raise SpecError(repr(key), "a long-form entry is keyed by its Brevo target")
    target = targets(key, key)
    unknown = sorted(str(k) for k in body if k not in _LONG_KEYS)
    if unknown:
        raise SpecError(f"{key}.{unknown[0]}", f"unknown key; use {', '.join(sorted(_LONG_KEYS))}")
    raw_from, raw_aggregate = body.get("from"), body.get("aggregate")
    if raw_from is None and raw_aggregate is None:
        raise SpecError(key, "a long-form entry needs `from` (a path) or `aggregate`")
    sources: tuple[SourcePath, ...] = ()
    if isinstance(raw_from, list):
        if not raw_from:
            raise SpecError(f"{key}.from", "list at least one path")
        sources = tuple(_source(f"{key}.from[{i}]", p) for i, p in enumerate(raw_from))
    elif raw_from is not None:
        sources = (_source(f"{key}.from", raw_from),)
    aggregate = parse_aggregate(f"{key}.aggregate", raw_aggregate) if raw_aggregate else None
    required = body.get("required", False)
    if not isinstance(required, bool):
        raise SpecError(f"{key}.required", "must be true or false")
    return FieldSpec(
        key_path=key,
        target=target,
        sources=sources,
        transforms=parse_transforms(f"{key}.transform", body.get("transform")),
        required=required,
        default=body.get("default", _NO_DEFAULT),
        aggregate=aggregate,
        explicit_transforms="transform" in body,
    )


def _source(key_path: str, path: object) -> SourcePath:
    try:
        return parse_source(path)
    except SpecError as exc:
        raise SpecError(key_path, f"{exc.key_path}: {exc.problem}") from None


def parse_transforms(key_path: str, raw: object) -> tuple[TransformCall, ...]:
    """`[email, "truncate:80", {lookup: {...}}]` (or one name) into calls; names checked later."""
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    calls: list[TransformCall] = []
    for index, item in enumerate(items):
        where = f"{key_path}[{index}]"
        if isinstance(item, str):
            name, _, arg = item.partition(":")
            calls.append(TransformCall(name.strip(), arg.strip() if arg else None, where))
        elif isinstance(item, Mapping) and len(item) == 1:
            ((name, arg),) = item.items()
            if not isinstance(name, str):
                raise SpecError(where, "a transform name must be a string")
            calls.append(TransformCall(name, arg, where))
        else:
            raise SpecError(where, "a transform is a name, `name:argument` or {name: argument}")
    return tuple(calls)
