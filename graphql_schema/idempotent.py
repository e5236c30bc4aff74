"""What the Idempotency-Key machinery needs to know about a document and the schema.

The rules themselves are in ``procurement/idempotency.py``; this module reads them off
GraphQL: which root mutation fields an operation runs, and which mutations can return a
secret (so their responses are never stored).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
    get_operation_ast,
    is_abstract_type,
    parse,
)
from graphql.language import OperationType as OperationKind
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.idempotency import is_secret_field


def mutation_fields(query: str, operation_name: str | None) -> list[str] | None:
    """The root fields (names, not aliases) the operation runs if it is a mutation; None
    for a query, a subscription or a document that does not parse (execution reports
    those).  Root-level fragments are followed, so a spread cannot hide a field."""
    try:
        document = parse(query)
        op = get_operation_ast(document, operation_name)
    except GraphQLError:
        return None
    if op is None or op.operation is not OperationKind.MUTATION:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    names: list[str] = []
    seen: set[str] = set()

    def walk(selection_set: SelectionSetNode) -> None:
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                names.append(sel.name.value)
            elif isinstance(sel, InlineFragmentNode):
                walk(sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode) and sel.name.value not in seen:
                seen.add(sel.name.value)
                fragment = fragments.get(sel.name.value)
                if fragment is not None:
                    walk(fragment.selection_set)

    walk(op.selection_set)
    return names


def reachable_secret_fields(schema: GraphQLSchema, type_: GraphQLNamedType) -> list[str]:
    """``Type.field`` of every secret-named field reachable from ``type_`` through output
    fields (lists, non-nulls, interfaces and unions included)."""
    found: list[str] = []
    seen: set[str] = set()
    todo = [type_]
    while todo:
        t = todo.pop()
        if t.name in seen:
            continue
        seen.add(t.name)
        if is_abstract_type(t):
            todo.extend(schema.get_possible_types(t))
            continue
        if not isinstance(t, GraphQLObjectType):
            continue  # scalars and enums
        for name, field in t.fields.items():
            if is_secret_field(name):
                found.append(f"{t.name}.{name}")
            todo.append(get_named_type(field.type))
    return sorted(found)


@cache
def secret_mutations(schema: GraphQLSchema) -> frozenset[str]:
    """Mutation fields whose result can carry a secret: never stored for a replay."""
    mutation = schema.mutation_type
    if mutation is None:
        return frozenset()
    return frozenset(
        name
        for name, field in mutation.fields.items()
        if reachable_secret_fields(schema, get_named_type(field.type))
    )


class SharedSession:
    """Stands in for ``Database`` during an idempotent mutation: every unit of work runs
    on the request's one session (savepoints for writes), serialised by a lock because
    strawberry resolves sibling fields concurrently."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self._lock, self._session.begin_nested():
            yield self._session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._lock:
            yield self._session
