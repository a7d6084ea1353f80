"""`tajo mapping preview` (the dry run) and `tajo brevo attributes sync`.

The preview compiles the mapper exactly as the page tasks do (`tasks.streams.resource_mapper_for`)
and calls the same `mapper.map_operations`, so what it prints is what a sync would send (before
the write ledger skips unchanged operations). It works for every resource that has a mapping,
whether or not a stream fetches it yet.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from connectors.core.errors import ConfigError, SyncError
from mapping.errors import MappingError
from workers.output import fail
from workers.settings import get_settings

EXIT_CONFIG = 2
#: Brevo's attribute type for each kind of value a mapping writes.
_BREVO_TYPES = {
    "to_brevo_date": "date",
    "money": "float",
    "to_number": "float",
    "integer": "float",
    "to_boolean": "boolean",
}


def _config(config_path: Path | None) -> Any:
    from workers.config import load_config

    path = config_path or get_settings().config
    try:
        return load_config(path, required=config_path is not None)
    except ConfigError as exc:
        fail(f"config {path}: {exc}")
        sys.exit(EXIT_CONFIG)


def _read_records(source: str) -> list[Any]:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(records, list):
        raise click.BadParameter("the input must be a JSON array of records")
    return records


@click.group()
def mapping() -> None:
    """Preview what a mapping makes of vendor records."""


@mapping.command("preview")
@click.argument("connector")
@click.argument("resource")
@click.option("--input", "input_path", required=True, help="JSON array of records, or - for stdin.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
@click.option("--against-brevo", is_flag=True, help="Also diff each contact with Brevo's copy.")
def preview(
    connector: str, resource: str, input_path: str, config_path: Path | None, against_brevo: bool
) -> None:
    """Map records as a sync would and print {"operations": [...], "dead_letters": [...]}."""
    from tasks.streams import resource_mapper_for

    config = _config(config_path)
    records = _read_records(input_path)
    try:
        mapper = resource_mapper_for(config, connector, resource)
    except ConfigError as exc:
        fail(f"config: {exc}")
        sys.exit(EXIT_CONFIG)
    operations: list[dict[str, Any]] = []
    dead_letters: list[dict[str, Any]] = []
    for record in records:
        try:
            operations.extend(dict(op.to_json()) for op in mapper.map_operations(record))
        except MappingError as exc:
            dead_letters.append(
                {
                    "source_id": mapper.source_id_of(record),
                    "reason": exc.reason.value,
                    "message": exc.message,
                    "field": exc.field,
                }
            )
    out: dict[str, Any] = {
        "operations": operations,
        "dead_letters": dead_letters,
    }
    if against_brevo:
        out["diff"] = _diff_with_brevo(config, out["operations"])
    click.echo(json.dumps(out, ensure_ascii=False, indent=2))


def _diff_with_brevo(config: Any, operations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per contact, each attribute whose value would change: {attribute: {brevo, mapped}}."""
    from tasks import clients

    client = clients.brevo(config.brevo)
    diffs: list[dict[str, Any]] = []
    for op in operations:
        if op["op"] != "contact.upsert":
            continue  # only contacts have attributes to compare
        try:
            current = client.get_contact(op["ext_id"], "ext_id")
            if current is None and op.get("email"):
                current = client.get_contact(op["email"], "email_id")
        except SyncError as exc:
            fail(f"brevo: {exc}")
            sys.exit(1)
        held = (current or {}).get("attributes") or {}
        changes = {
            name: {"brevo": held.get(name), "mapped": value}
            for name, value in sorted(op["attributes"].items())
            if held.get(name) != value
        }
        diffs.append({"ext_id": op["ext_id"], "exists": current is not None, "changes": changes})
    return diffs


@click.group()
def brevo() -> None:
    """The Brevo account."""


@brevo.group("attributes")
def attributes() -> None:
    """Contact attributes."""


@attributes.command("sync")
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None)
def attributes_sync(config_path: Path | None) -> None:
    """Create the attributes the enabled mappings declare, with their types; change nothing else."""
    from tasks import clients
    from tasks.streams import CONTACT_SPECS, mapper_for

    config = _config(config_path)
    wanted: dict[str, str] = {}
    try:
        for connector, resource in sorted(CONTACT_SPECS):
            if connector not in config.enabled_connectors():
                continue
            for step in mapper_for(config, connector, resource).plan.attributes:
                if step.attribute != "SMS":
                    wanted.setdefault(step.attribute, _type_of(step))
    except ConfigError as exc:
        fail(f"config: {exc}")
        sys.exit(EXIT_CONFIG)
    client = clients.brevo(config.brevo)
    existing = {item.get("name") for item in client.get_attributes()}
    created = []
    for name, kind in sorted(wanted.items()):
        if name not in existing and client.create_attribute(name, kind=kind):
            created.append({"name": name, "type": kind})
    click.echo(json.dumps({"created": created, "already_there": sorted(set(wanted) & existing)}))


def _type_of(step: Any) -> str:
    """The Brevo type an attribute step's values have: from its last typing transform."""
    kind = "text"
    for name in _transform_names(step):
        kind = _BREVO_TYPES.get(name, kind)
    if step.reader.aggregate is not None and step.reader.aggregate.op in ("count", "sum"):
        kind = "float"
    if step.allows_list:
        kind = "multiple-choice"
    return kind


def _transform_names(step: Any) -> list[str]:
    return [getattr(t, "__name__", "") for t in step.reader.transforms]
