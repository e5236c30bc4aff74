"""Validation of a request, in the order that keeps every step cheap.

1. Per document (cached by query text): the structural limits of document_limits.py,
   then graphql-core's rules (with strawberry's two), and no introspection when it is
   off.  Every rule here walks each fragment once; the pairwise overlap rule only sees
   documents the structural limits have bounded.
2. Per request: string variables within the length limit, the variables coerced as
   execution will coerce them, and the cost of what will run (limits.py).

When introspection is off (production), no error suggests names ("Did you mean
'email'?"): graphql-core's ``hide_suggestions`` is passed to validation and coercion
here, and to execution by ``ProcurementSchema``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    get_operation_ast,
    specified_rules,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types import ExecutionContext

from graphql_schema.document_limits import DocumentLimits, check_document, long_string_variable
from graphql_schema.fragment_fold import fragments_of
from graphql_schema.limits import query_cost
from procurement.config import Settings
from procurement.errors import ErrorCode

MAX_COERCION_ERRORS = 50


class _Document:
    """A parsed document keyed by its text: hashing the text is cached by Python, while
    hashing the AST (a frozen dataclass) walks all of it on every lookup."""

    __slots__ = ("document", "query")

    def __init__(self, query: str, document: DocumentNode) -> None:
        self.query = query
        self.document = document

    def __hash__(self) -> int:
        return hash(self.query)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Document) and other.query == self.query


class RequestValidator:
    """Built once with the schema; holds the rules and the per-document cache."""

    def __init__(self, schema: GraphQLSchema, settings: Settings, cache_size: int = 256) -> None:
        self.schema = schema
        self.limits = DocumentLimits.from_settings(settings)
        self.max_cost = settings.max_query_cost
        self.hide_suggestions = not settings.introspection_enabled
        rules: list[type[ASTValidationRule]] = [
            *specified_rules,
            MaybeNullValidationRule,
            OneOfInputValidationRule,
        ]
        if not settings.introspection_enabled:
            rules.append(NoSchemaIntrospectionCustomRule)
        self.rules = tuple(rules)
        self._cached = lru_cache(maxsize=cache_size)(self._document_errors)

    def document_errors(
        self, document: DocumentNode, query: str | None = None
    ) -> list[GraphQLError]:
        if query is None:
            return self._validate(document)
        return self._cached(_Document(query, document))

    def _document_errors(self, key: _Document) -> list[GraphQLError]:
        return self._validate(key.document)

    def _validate(self, document: DocumentNode) -> list[GraphQLError]:
        errors = check_document(document, self.limits)
        if errors:
            return errors
        return validate(self.schema, document, self.rules, hide_suggestions=self.hide_suggestions)

    def request_errors(
        self,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: dict[str, Any],
    ) -> list[GraphQLError]:
        too_long = long_string_variable(variables, self.limits.max_string_length)
        if too_long is not None:
            return [too_long]
        coerced = get_variable_values(
            self.schema,
            operation.variable_definitions or (),
            variables,
            max_errors=MAX_COERCION_ERRORS,
            hide_suggestions=self.hide_suggestions,
        )
        if isinstance(coerced, list):
            return coerced
        try:
            cost = query_cost(self.schema, operation, fragments_of(document.definitions), coerced)
        except RecursionError:  # a fragment chain deeper than the interpreter's stack
            cost = self.max_cost + 1
        if cost > self.max_cost:
            return [
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
        return []

    def errors(self, ctx: ExecutionContext) -> list[GraphQLError]:
        document = ctx.graphql_document
        if document is None:
            return []
        errors = self.document_errors(document, ctx.query)
        if errors:
            return errors
        operation = get_operation_ast(document, ctx.operation_name)
        if operation is None:  # strawberry refuses an unknown operation name before this
            return []
        return self.request_errors(document, operation, ctx.variables or {})


class RequestValidation(SchemaExtension):
    """Replaces strawberry's validation step (it sees the errors already set and skips)."""

    def __init__(self, validator: RequestValidator) -> None:
        self.validator = validator

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.pre_execution_errors = self.validator.errors(ctx)
        yield
