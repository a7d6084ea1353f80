"""A bulk query's result file, written as Shopify writes it and generated on the fly.

One JSON object per line, only the fields the query selected. A nested connection's nodes are
not inlined: each becomes its own line after its parent's, carrying `__parentId` (the parent's
gid), and the connection field itself is left out of the parent's line.
https://shopify.dev/docs/api/usage/bulk-operations/queries#the-jsonl-data-format
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
    parse,
    validate,
    value_from_ast_untyped,
)
from graphql.type import GraphQLNamedType

from sandbox.shopify.keyset import Key, Window, scan
from sandbox.shopify.nested import Lazy, NestedList
from sandbox.shopify.paging import sort_order
from sandbox.shopify.search import parse_search
from sandbox.shopify.store import RESOURCES, Shop

Fragments = dict[str, FragmentDefinitionNode]


class BulkQueryError(ValueError):
    """A bulk query Shopify would refuse; the message is the userError's."""


@dataclass(frozen=True)
class BulkPlan:
    resource: str
    order: str
    window: Window
    descending: bool
    node_type: GraphQLObjectType
    node_selections: tuple[SelectionSetNode, ...]
    fragments: Fragments


def plan_bulk_query(schema: GraphQLSchema, text: str) -> BulkPlan:
    try:
        document = parse(text)
    except GraphQLError as exc:
        raise BulkQueryError(f"Invalid bulk query: {exc.message}") from exc
    errors = validate(schema, document)
    if errors:
        raise BulkQueryError(f"Invalid bulk query: {errors[0].message}")
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if len(operations) != 1 or operations[0].operation.value != "query":
        raise BulkQueryError("Invalid bulk query: a bulk query must be a single query operation.")
    roots = [
        f
        for f in _fields(operations[0].selection_set, fragments, None)
        if f.name.value in RESOURCES
    ]
    if len(roots) != 1:
        raise BulkQueryError(
            "Invalid bulk query: Bulk queries must contain at least one connection."
        )
    root = roots[0]
    arguments = {a.name.value: value_from_ast_untyped(a.value, {}) for a in root.arguments or ()}
    connection_type = schema.query_type.fields[root.name.value].type  # type: ignore[union-attr]
    node_type = get_named_type(get_named_type(connection_type).fields["nodes"].type)
    assert isinstance(node_type, GraphQLObjectType)
    try:
        order = sort_order(arguments.get("sortKey"))
    except GraphQLError as exc:
        raise BulkQueryError(exc.message) from exc
    return BulkPlan(
        resource=root.name.value,
        order=order,
        window=parse_search(arguments.get("query")).window,
        descending=bool(arguments.get("reverse")),
        node_type=node_type,
        node_selections=tuple(_node_selections(root, fragments)),
        fragments=fragments,
    )


def root_lines(
    shop: Shop, plan: BulkPlan, after: Key | None = None
) -> Iterator[tuple[Key, bytes, int]]:
    """(sort key, the root's lines with its children's, objects written) per root object."""
    timeline = shop.timeline(plan.resource)
    for key, record_id in scan(
        timeline, plan.order, plan.window, descending=plan.descending, after=after
    ):
        record = shop.record(plan.resource, record_id)
        if record is None:
            continue
        lines: list[str] = []
        _write(record, plan.node_type, plan.node_selections, plan.fragments, None, lines)
        yield key, ("\n".join(lines) + "\n").encode(), len(lines)


def _write(
    record: dict[str, Any],
    node_type: GraphQLObjectType,
    selections: tuple[SelectionSetNode, ...],
    fragments: Fragments,
    parent_id: str | None,
    lines: list[str],
) -> None:
    children: list[tuple[list[dict[str, Any]], GraphQLObjectType, tuple[SelectionSetNode, ...]]]
    children = []
    line: dict[str, Any] = {}
    for selection in selections:
        line.update(_project(record, node_type, selection, fragments, children))
    if parent_id is not None:
        line["__parentId"] = parent_id
    lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
    for items, child_type, child_selections in children:
        for item in items:
            _write(item, child_type, child_selections, fragments, record["id"], lines)


def _project(
    value: dict[str, Any],
    object_type: GraphQLNamedType,
    selection_set: SelectionSetNode | None,
    fragments: Fragments,
    children: list[Any] | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in _fields(selection_set, fragments, value.get("__typename")):
        name = field.name.value
        key = field.alias.value if field.alias else name
        if name == "__typename":
            out[key] = value.get("__typename", object_type.name)
            continue
        definition = getattr(object_type, "fields", {}).get(name)
        if definition is None:
            continue  # a field of another member of a union: not this object's
        field_type = get_named_type(definition.type)
        raw = value.get(name)
        if field_type.name.endswith("Connection"):
            if children is not None and isinstance(raw, NestedList):
                item_type = get_named_type(field_type.fields["nodes"].type)
                children.append((raw.items, item_type, tuple(_node_selections(field, fragments))))
            continue
        if isinstance(raw, Lazy) and _only_known(field, fragments, raw.known):
            raw = raw.known
        elif callable(raw):
            raw = raw()
        if raw is None or is_leaf_type(field_type):
            out[key] = raw
            continue
        if isinstance(raw, list):
            out[key] = [
                _project(item, field_type, field.selection_set, fragments, None) for item in raw
            ]
        else:
            out[key] = _project(raw, field_type, field.selection_set, fragments, None)
    return out


def _only_known(field: FieldNode, fragments: Fragments, known: dict[str, Any]) -> bool:
    wanted = _fields(field.selection_set, fragments, known.get("__typename"))
    return bool(wanted) and all(f.name.value in known for f in wanted)


def _fields(
    selection_set: SelectionSetNode | None, fragments: Fragments, typename: object
) -> list[FieldNode]:
    found: list[FieldNode] = []
    if selection_set is None:
        return found
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            found.append(selection)
            continue
        if isinstance(selection, InlineFragmentNode):
            condition, inner = selection.type_condition, selection.selection_set
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is None:
                continue
            condition, inner = fragment.type_condition, fragment.selection_set
        else:
            continue
        if condition is None or typename is None or condition.name.value in (typename, "Node"):
            found.extend(_fields(inner, fragments, typename))
    return found


def _node_selections(field: FieldNode, fragments: Fragments) -> list[SelectionSetNode]:
    found: list[SelectionSetNode] = []
    for child in _fields(field.selection_set, fragments, None):
        if child.name.value == "nodes" and child.selection_set is not None:
            found.append(child.selection_set)
        elif child.name.value == "edges":
            for grandchild in _fields(child.selection_set, fragments, None):
                if grandchild.name.value == "node" and grandchild.selection_set is not None:
                    found.append(grandchild.selection_set)
    return found
