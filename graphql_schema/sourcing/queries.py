"""Queries of the sourcing domain."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from graphql_schema.ids import decode_id
from graphql_schema.node import register_node, resolve_by_db_id
from graphql_schema.pagination import Connection, connection
from graphql_schema.sourcing.quote_types import Quote, QuoteLine
from graphql_schema.sourcing.types import Rfq, RfqLine, RfqQuestion
from procurement.errors import DomainError, ErrorCode
from procurement.sourcing import queries as svc
from procurement.sourcing.models import Quote as DomainQuote
from procurement.sourcing.models import QuoteLine as DomainQuoteLine
from procurement.sourcing.models import QuoteStatus, RfqStatus
from procurement.sourcing.models import Rfq as DomainRfq
from procurement.sourcing.models import RfqQuestion as DomainRfqQuestion
from procurement.sourcing.queries import RfqSort
from procurement.sourcing.sealing import prices_sealed

# The filters name the domain enums themselves: ``strawberry.enum`` (called on them in
# graphql_schema.sourcing.types, imported above) registers the GraphQL enum on the class,
# and the class, unlike the call's result, is a type for mypy.


@strawberry.input
class RfqFilter:
    status: RfqStatus | None = None
    category_id: strawberry.ID | None = None
    text: str | None = strawberry.field(
        default=None, description="In the title, number or description."
    )


@strawberry.input
class RfqFeedFilter:
    category_id: strawberry.ID | None = None
    text: str | None = None
    closing_before: datetime | None = None


@strawberry.input
class QuoteFilter:
    status: QuoteStatus | None = None
    rfq_id: strawberry.ID | None = None


def _cat(value: strawberry.ID | None, field: str) -> int | None:
    return decode_id(value, "Category", field) if value else None


async def _present_quote(info: Info, m: DomainQuote) -> Quote | None:
    if m.rfq_id is None:
        return None
    rfq = await info.context.loaders.rfq.load(m.rfq_id)
    return Quote.from_model(m, rfq, info)


async def _present_quote_line(
    info: Info, found: tuple[DomainQuoteLine, DomainQuote]
) -> QuoteLine | None:
    line, quote = found
    if quote.rfq_id is None:
        return None
    rfq = await info.context.loaders.rfq.load(quote.rfq_id)
    return QuoteLine.from_model(
        line, quote.currency, prices_sealed(info.context.viewer, rfq, quote)
    )


def _present_question(info: Info, found: tuple[DomainRfqQuestion, DomainRfq]) -> RfqQuestion:
    v = info.context.viewer
    q, rfq = found
    return RfqQuestion.from_model(q, v.organization_id, rfq.buyer_org_id)


register_node("Rfq", svc.visible_rfqs_by_id, lambda info, m: Rfq.from_model(m, info))
register_node(
    "RfqLine", svc.visible_rfq_lines_by_id, lambda info, found: RfqLine.from_model(*found)
)
register_node("Quote", svc.visible_quotes_by_id, _present_quote)
register_node("QuoteLine", svc.visible_quote_lines_by_id, _present_quote_line)
register_node("RfqQuestion", svc.visible_questions_by_id, _present_question)


@strawberry.type
class SourcingQuery:
    @strawberry.field(description="Your organisation's RFQs (buyer side).")
    async def rfqs(
        self,
        info: Info,
        filter: RfqFilter | None = None,
        sort_by: RfqSort = RfqSort.NEWEST,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Rfq]:
        f = filter or RfqFilter()
        async with info.context.db.read() as s:
            page = await svc.list_rfqs(
                s,
                info.context.viewer,
                status=f.status,
                category_id=_cat(f.category_id, "filter.categoryId"),
                text=f.text,
                sort=sort_by,
                first=first,
                after=after,
            )
        return connection(page, lambda m: Rfq.from_model(m, info))

    @strawberry.field(description="One RFQ by ID, or by your own external reference.")
    async def rfq(
        self, info: Info, id: strawberry.ID | None = None, external_reference: str | None = None
    ) -> Rfq | None:
        if (id is None) == (external_reference is None):
            raise DomainError.of(
                ErrorCode.INVALID, "Give exactly one of id and externalReference", "id"
            )
        if id is not None:
            rfq: Rfq | None = await resolve_by_db_id(info, "Rfq", decode_id(id, "Rfq"))
            return rfq
        async with info.context.db.read() as s:
            m = await svc.get_rfq_by_reference(s, info.context.viewer, external_reference or "")
        return Rfq.from_model(m, info) if m else None

    @strawberry.field(description="Suppliers: OPEN RFQs you may quote on, soonest deadline first.")
    async def rfq_feed(
        self,
        info: Info,
        filter: RfqFeedFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Rfq]:
        f = filter or RfqFeedFilter()
        async with info.context.db.read() as s:
            page = await svc.rfq_feed(
                s,
                info.context.viewer,
                category_id=_cat(f.category_id, "filter.categoryId"),
                text=f.text,
                closing_before=f.closing_before,
                first=first,
                after=after,
            )
        return connection(page, lambda m: Rfq.from_model(m, info))

    @strawberry.field(description="Suppliers: your organisation's quotes, newest first.")
    async def my_quotes(
        self,
        info: Info,
        filter: QuoteFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Quote]:
        f = filter or QuoteFilter()
        async with info.context.db.read() as s:
            page = await svc.list_my_quotes(
                s,
                info.context.viewer,
                status=f.status,
                rfq_id=decode_id(f.rfq_id, "Rfq", "filter.rfqId") if f.rfq_id else None,
                first=first,
                after=after,
            )
        rfqs = await info.context.loaders.rfq.load_many([q.rfq_id for q in page.items])
        by_id = {r.id: r for r in rfqs if r is not None}
        return connection(page, lambda q: Quote.from_model(q, by_id[q.rfq_id], info))

    @strawberry.field
    async def quote(self, info: Info, id: strawberry.ID) -> Quote | None:
        quote: Quote | None = await resolve_by_db_id(info, "Quote", decode_id(id, "Quote"))
        return quote
