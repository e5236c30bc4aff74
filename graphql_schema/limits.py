"""Query cost limit: refuse an expensive document before running any of it.

Each field costs 1.  A paginated field (one taking ``first``) multiplies the cost of its
selection by its page size, read from the literal or the variable, or the default page
size when absent.  So ``organizations(first: 100) { edges { node { users(first: 100)
{ ... } } } }`` costs about 100 x 100 x (its fields) and is refused against a budget that
a normal screen never reaches.

This runs in the validation phase like a validation rule, but after graphql-core's own
rules and with the request's variables at hand (a plain ``ValidationRule`` never sees
variables, and ERP clients pass ``first`` as a variable).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    validate,
    value_from_ast_untyped,
)
from graphql.type.definition import GraphQLInterfaceType
from strawberry.extensions import SchemaExtension

from procurement.errors import ErrorCode
from procurement.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE


class _Cost:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables

    def page_size(self, node: FieldNode, takes_first: bool) -> int:
        if not takes_first:
            return self.id_list_size(node)
        for arg in node.arguments or ():
            if arg.name.value != "first":
                continue
            value = arg.value
            if isinstance(value, IntValueNode):
                return max(0, min(int(value.value), MAX_PAGE_SIZE))
            if isinstance(value, VariableNode):
                raw = self.variables.get(value.name.value)
                if isinstance(raw, int):
                    return max(0, min(raw, MAX_PAGE_SIZE))
        return DEFAULT_PAGE_SIZE

    def id_list_size(self, node: FieldNode) -> int:
        """``nodes(ids: [...])`` resolves one object per ID: multiply by the list."""
        for arg in node.arguments or ():
            if arg.name.value != "ids":
                continue
            if isinstance(arg.value, ListValueNode):
                return max(1, len(arg.value.values))
            if isinstance(arg.value, VariableNode):
                raw = self.variables.get(arg.value.name.value)
                if isinstance(raw, list):
                    return max(1, len(raw))
        return 1

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
                frag = self.fragments.get(node.name.value)
                if frag is not None:
                    cond = self.schema.get_type(frag.type_condition.name.value)
                    total += self.selection_set(cond, frag.selection_set)
        return total

    def field(self, parent: GraphQLNamedType | None, node: FieldNode) -> int:
        name = node.name.value
        field_def = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            field_def = parent.fields.get(name)
        if field_def is None:  # __typename and introspection meta fields: flat cost
            return 1
        child_type = get_named_type(field_def.type)
        size = self.page_size(node, "first" in field_def.args)
        return 1 + size * self.selection_set(child_type, node.selection_set)


def query_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> int:
    root = schema.get_root_type(operation.operation)
    # a variable left out takes its default: `query($n: Int = 100)` costs 100 a page
    defaults = {
        d.variable.name.value: value_from_ast_untyped(d.default_value)
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }
    merged = {**defaults, **variables}
    return _Cost(schema, fragments, merged).selection_set(root, operation.selection_set)


class QueryCostLimit(SchemaExtension):
    def __init__(self, max_cost: int) -> None:
        self.max_cost = max_cost

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and ctx.pre_execution_errors is None:
            # nobody validated before us (no ValidationCache): run the standard rules now
            ctx.pre_execution_errors = validate(ctx.schema._schema, document, ctx.validation_rules)
        if document is not None and not ctx.pre_execution_errors:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            fragments = {
                d.name.value: d
                for d in document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            wanted = ctx.operation_name
            operation = next(
                (o for o in operations if wanted is None or (o.name and o.name.value == wanted)),
                None,
            )
            if operation is not None:
                cost = query_cost(ctx.schema._schema, operation, fragments, ctx.variables or {})
                if cost > self.max_cost:
                    ctx.pre_execution_errors = [
                        GraphQLError(
                            f"This query would cost {cost}, over the limit of {self.max_cost}. "
                            "Ask for smaller pages or fewer nested lists.",
                            extensions={
                                "code": ErrorCode.QUERY_TOO_COMPLEX.value,
                                "cost": cost,
                                "maxCost": self.max_cost,
                            },
                        )
                    ]
        yield
