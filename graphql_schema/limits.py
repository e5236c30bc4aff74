"""Query cost: refuse an expensive operation before running any of it.

Each field costs 1.  A paginated field (one taking ``first``) multiplies the cost of its
selection by its page size, and ``nodes(ids:)`` by the number of IDs.  So
``organizations(first: 100) { edges { node { users(first: 100) { ... } } } }`` costs
about 100 x 100 x (its fields) and is refused against a budget that a normal screen
never reaches.

The budget must count what will run: arguments are read as execution reads them
(graphql-core's ``get_argument_values`` over the variables coerced by
``get_variable_values``), so ``first: $n`` with ``n = 1e2`` (a float in JSON, which
execution coerces to the Int 100), a variable's default, or an argument's default all
cost what they fetch.  Each fragment is costed once (see fragment_fold.py).
"""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_argument_values

from graphql_schema.fragment_fold import FragmentMemo
from procurement.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


class QueryCost:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.memo: FragmentMemo[int] = FragmentMemo(fragments, self._fragment, 0)

    def _fragment(self, fragment: FragmentDefinitionNode) -> int:
        return self.selection_set(
            self.schema.get_type(fragment.type_condition.name.value), fragment.selection_set
        )

    def multiplier(self, field_def: GraphQLField, node: FieldNode) -> int:
        """How many times the field's selection runs: its page size, or its IDs."""
        if "first" not in field_def.args and "ids" not in field_def.args:
            return 1
        try:
            args = get_argument_values(field_def, node, self.variables)
        except GraphQLError:  # refused by validation or execution anyway
            return 1
        if "first" in field_def.args:
            first = args.get("first")
            if not isinstance(first, int):
                return DEFAULT_PAGE_SIZE
            return max(0, min(first, MAX_PAGE_SIZE))
        ids = args.get("ids")
        return max(1, len(ids)) if isinstance(ids, list) else 1

    def selection_set(self, parent: GraphQLNamedType | None, sel: SelectionSetNode | None) -> int:
        if sel is None:
            return 0
        total = 0
        for node in sel.selections:
            if isinstance(node, FieldNode):
                total += self.field(parent, node)
            elif isinstance(node, InlineFragmentNode):
                cond = (
                    self.schema.get_type(node.type_condition.name.value)
                    if node.type_condition
                    else parent
                )
                total += self.selection_set(cond, node.selection_set)
            elif isinstance(node, FragmentSpreadNode):
                total += self.memo.get(node.name.value) or 0
        return total

    def field(self, parent: GraphQLNamedType | None, node: FieldNode) -> int:
        field_def = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            field_def = parent.fields.get(node.name.value)
        if field_def is None:  # __typename and introspection meta fields: flat cost
            return 1
        inner = self.selection_set(get_named_type(field_def.type), node.selection_set)
        return 1 + (self.multiplier(field_def, node) * inner if inner else 0)


def query_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: VariableValues,
) -> int:
    """The operation's cost with its variables coerced (``get_variable_values``)."""
    root = schema.get_root_type(operation.operation)
    return QueryCost(schema, fragments, variables).selection_set(root, operation.selection_set)
