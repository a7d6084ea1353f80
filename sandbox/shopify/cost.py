"""Calculated query cost, as Shopify documents it.

Scalars and enums cost 0, objects 1, a connection 2 plus `first` (or `last`) times the cost of
one node, a mutation 10. The *requested* cost is computed from the query before it runs; the
*actual* cost from what it returned (fewer nodes than asked for cost less), and the
difference is refunded to the bucket.
https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits#cost-calculation
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    value_from_ast_untyped,
)
from graphql.type import GraphQLNamedType

MUTATION_COST = 10
CONNECTION_COST = 2
MAX_SINGLE_QUERY_COST = 1000

Fragments = dict[str, FragmentDefinitionNode]


class CostModel:
    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Fragments,
        variables: dict[str, Any],
    ) -> None:
        self._schema = schema
        self._operation = operation
        self._fragments = fragments
        self._variables = variables

    def requested(self) -> int:
        if self._operation.operation == OperationType.MUTATION:
            return MUTATION_COST * len(self._fields(self._operation.selection_set))
        root = self._schema.query_type
        assert root is not None
        return self._selection_cost(root, self._operation.selection_set, None)

    def actual(self, data: dict[str, Any] | None) -> int:
        if self._operation.operation == OperationType.MUTATION:
            return self.requested()
        root = self._schema.query_type
        assert root is not None
        return self._selection_cost(root, self._operation.selection_set, data or {})

    # -- walking --------------------------------------------------------------------------------

    def _fields(self, selection_set: SelectionSetNode | None) -> list[FieldNode]:
        """Fields of a selection, fragments flattened (type conditions are all counted)."""
        found: list[FieldNode] = []
        if selection_set is None:
            return found
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                found.extend(self._fields(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self._fragments.get(selection.name.value)
                if fragment is not None:
                    found.extend(self._fields(fragment.selection_set))
        return found

    def _selection_cost(
        self, parent: GraphQLNamedType, selection_set: SelectionSetNode | None, data: Any
    ) -> int:
        total = 0
        for field in self._fields(selection_set):
            value = None
            if data is not None:
                key = field.alias.value if field.alias else field.name.value
                value = data.get(key) if isinstance(data, dict) else None
                if key not in data:
                    continue  # another fragment's type: not part of this object
            total += self._field_cost(parent, field, value, data is not None)
        return total

    def _field_cost(
        self, parent: GraphQLNamedType, field: FieldNode, value: Any, actual: bool
    ) -> int:
        name = field.name.value
        if name.startswith("__"):
            return 0
        definition = getattr(parent, "fields", {}).get(name)
        if definition is None:
            return 0
        field_type = get_named_type(definition.type)
        if is_leaf_type(field_type):
            return 0
        if field_type.name.endswith("Connection"):
            return self._connection_cost(field_type, field, value, actual)
        if actual and value is None:
            return 0
        if actual and isinstance(value, list):
            return sum(self._object_cost(field_type, field, item, actual) for item in value)
        if name == "nodes" and not actual:
            ids = self._argument(field, "ids")
            count = len(ids) if isinstance(ids, list) else 1
            return count * self._object_cost(field_type, field, None, actual)
        return self._object_cost(field_type, field, value, actual)

    def _object_cost(
        self, field_type: GraphQLNamedType, field: FieldNode, value: Any, actual: bool
    ) -> int:
        if is_abstract_type(field_type):
            # An interface costs the most expensive of its possible selections; the child
            # fields are counted against the concrete types below, so take the largest.
            possible = self._schema.get_possible_types(field_type)
            return 1 + max(
                (self._selection_cost(t, field.selection_set, value) for t in possible), default=0
            )
        return 1 + self._selection_cost(field_type, field.selection_set, value)

    def _connection_cost(
        self, connection: GraphQLNamedType, field: FieldNode, value: Any, actual: bool
    ) -> int:
        node_type = get_named_type(connection.fields["nodes"].type)  # type: ignore[attr-defined]
        assert node_type is not None
        node_fields = self._node_selections(field)
        if actual:
            if not isinstance(value, dict):
                return 0
            nodes = self._returned_nodes(field, value)
            per_node = 0
            for node in nodes:
                costs = [1 + self._selection_cost(node_type, s, node) for s in node_fields]
                per_node += max(costs, default=0)
            return CONNECTION_COST + per_node
        size = self._argument(field, "first") or self._argument(field, "last") or 0
        one = max((1 + self._selection_cost(node_type, s, None) for s in node_fields), default=0)
        return CONNECTION_COST + int(size) * one

    def _node_selections(self, field: FieldNode) -> list[SelectionSetNode | None]:
        """The selection sets that describe one node: `edges { node {...} }` and `nodes {...}`."""
        found: list[SelectionSetNode | None] = []
        for child in self._fields(field.selection_set):
            if child.name.value == "nodes":
                found.append(child.selection_set)
            elif child.name.value == "edges":
                for grandchild in self._fields(child.selection_set):
                    if grandchild.name.value == "node":
                        found.append(grandchild.selection_set)
        return found

    def _returned_nodes(self, field: FieldNode, value: dict[str, Any]) -> list[Any]:
        for child in self._fields(field.selection_set):
            key = child.alias.value if child.alias else child.name.value
            items = value.get(key)
            if child.name.value == "nodes" and isinstance(items, list):
                return items
            if child.name.value == "edges" and isinstance(items, list):
                return [edge.get("node") for edge in items if isinstance(edge, dict)]
        return []

    def _argument(self, field: FieldNode, name: str) -> Any:
        for argument in field.arguments or ():
            if argument.name.value == name:
                return value_from_ast_untyped(argument.value, self._variables)
        return None
