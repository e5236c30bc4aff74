"""The strawberry schema with its protective extensions."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, MaxTokensLimiter, ParserCache
from strawberry.types import ExecutionContext, Info

from graphql_schema.audit.queries import AuditQuery
from graphql_schema.audit.types import AuditEvent
from graphql_schema.catalog.schema import CatalogMutation, CatalogQuery
from graphql_schema.comparison.mutations import ComparisonMutation
from graphql_schema.input_guard import guard_arguments
from graphql_schema.money.schema import MoneyMutation, MoneyQuery
from graphql_schema.node import MAX_IDS, Node, resolve_node, resolve_nodes
from graphql_schema.ordering.mutations import OrderingMutation
from graphql_schema.ordering.queries import OrderingQuery
from graphql_schema.parties.mutations import PartiesMutation
from graphql_schema.parties.queries import PartiesQuery
from graphql_schema.parties.types import ApiKey, Category, Organization, User
from graphql_schema.sourcing.mutations import SourcingMutation
from graphql_schema.sourcing.queries import SourcingQuery
from graphql_schema.sourcing.quote_types import Quote, QuoteLine
from graphql_schema.sourcing.types import Rfq, RfqLine, RfqQuestion
from graphql_schema.validation import RequestValidation, RequestValidator
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
        if len(ids) > MAX_IDS:
            raise DomainError.of(ErrorCode.INVALID, f"Ask for at most {MAX_IDS} IDs at once", "ids")
        return await resolve_nodes(info, ids)


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
    #: set by build_schema: no "Did you mean ...?" in execution's errors either
    hide_suggestions = False

    def _get_custom_context_kwargs(
        self, operation_extensions: dict[str, Any] | None = None, *, sync: bool = False
    ) -> dict[str, Any]:
        """graphql-core's ``execute`` takes ``hide_suggestions``; strawberry passes these
        keyword arguments through to it."""
        kwargs = super()._get_custom_context_kwargs(operation_extensions, sync=sync)
        return {**kwargs, "hide_suggestions": self.hide_suggestions}

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log unexpected errors in full (with traceback) on the server only."""
        for error in errors:
            if not is_client_error(error):
                log.error("unexpected error in %s", error.path, exc_info=error.original_error)


def build_schema(settings: Settings) -> strawberry.Schema:
    """Extensions are given as factories: strawberry builds them per request, since an
    extension holds its request's execution context.  The validator (rules, limits and
    its cache of validated documents) is built once here, after the schema."""
    validator: RequestValidator | None = None

    def validation() -> RequestValidation:
        assert validator is not None, "built right after the schema"
        return RequestValidation(validator)

    extensions: list[Any] = [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=256),
        validation,
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
    validator = RequestValidator(schema._schema, settings)
    schema.hide_suggestions = validator.hide_suggestions
    guard_arguments(schema._schema)
    return schema
