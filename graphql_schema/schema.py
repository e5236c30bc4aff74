"""The strawberry schema with its protective extensions."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.types import ExecutionContext, Info

from graphql_schema.audit.queries import AuditQuery
from graphql_schema.audit.types import AuditEvent
from graphql_schema.catalog.schema import CatalogMutation, CatalogQuery
from graphql_schema.comparison.mutations import ComparisonMutation
from graphql_schema.input_guard import guard_arguments
from graphql_schema.limits import QueryCostLimit
from graphql_schema.money.schema import MoneyMutation, MoneyQuery
from graphql_schema.node import Node, resolve_node
from graphql_schema.ordering.mutations import OrderingMutation
from graphql_schema.ordering.queries import OrderingQuery
from graphql_schema.parties.mutations import PartiesMutation
from graphql_schema.parties.queries import PartiesQuery
from graphql_schema.parties.types import ApiKey, Category, Organization, User
from graphql_schema.sourcing.mutations import SourcingMutation
from graphql_schema.sourcing.queries import SourcingQuery
from graphql_schema.sourcing.quote_types import Quote, QuoteLine
from graphql_schema.sourcing.types import Rfq, RfqLine, RfqQuestion
from procurement.config import Settings
from procurement.errors import DomainError, ErrorCode

log = logging.getLogger("procurement.graphql")

INTERNAL_ERROR = "INTERNAL_SERVER_ERROR"


@strawberry.type
class Query(PartiesQuery, SourcingQuery, OrderingQuery, CatalogQuery, MoneyQuery, AuditQuery):
    @strawberry.field(
        description="Any object by its global ID; null if it does not exist or you may not see it."
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > 100:
            raise DomainError.of(ErrorCode.INVALID, "Ask for at most 100 IDs at once", "ids")
        return [await resolve_node(info, i) for i in ids]


@strawberry.type
class Mutation(
    PartiesMutation,
    SourcingMutation,
    ComparisonMutation,
    OrderingMutation,
    CatalogMutation,
    MoneyMutation,
):
    pass


def is_client_error(error: GraphQLError) -> bool:
    """Errors a client caused (bad document, refused by a rule) are shown as they are;
    anything else is a bug and is masked."""
    original = error.original_error
    if original is None or isinstance(original, DomainError):
        return True
    # variable coercion wraps the scalar's own GraphQLError; it happens before execution
    return isinstance(original, GraphQLError) and not error.path


class _Mask(MaskErrors):
    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": INTERNAL_ERROR}
        return masked


class ProcurementSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log unexpected errors in full (with traceback) on the server only."""
        for error in errors:
            if not is_client_error(error):
                log.error("unexpected error in %s", error.path, exc_info=error.original_error)


def build_schema(settings: Settings) -> strawberry.Schema:
    """Extensions are given as factories: strawberry builds them per request, since an
    extension holds its request's execution context.  The validation rule classes are
    built once here, so the validation cache (keyed by the rules) keeps hitting."""
    rules: list[Any] = [
        depth_validator(settings.max_query_depth, None),
        alias_validator(settings.max_aliases),
    ]
    if not settings.introspection_enabled:
        rules.append(NoSchemaIntrospectionCustomRule)
    extensions: list[Any] = [
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: QueryCostLimit(max_cost=settings.max_query_cost),
        lambda: _Mask(should_mask_error=lambda e: not is_client_error(e)),
    ]
    schema = ProcurementSchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        types=[
            Organization,
            User,
            ApiKey,
            Category,
            AuditEvent,
            Rfq,
            RfqLine,
            RfqQuestion,
            Quote,
            QuoteLine,
        ],
    )
    guard_arguments(schema._schema)
    return schema
