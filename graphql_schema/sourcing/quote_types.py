"""GraphQL types of quotes; every price is null while sealed for the viewer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.types import Info

from graphql_schema.ids import global_id
from graphql_schema.node import Node
from graphql_schema.pagination import Connection, Edge, PageInfo
from graphql_schema.parties.types import Organization
from graphql_schema.scalars import Money
from graphql_schema.sourcing.types import Incoterm, QuoteStatus, Rfq, RfqLine
from procurement.clock import app_now
from procurement.pagination import decode_cursor, encode_cursor, page_size
from procurement.sourcing.models import Quote as QuoteModel
from procurement.sourcing.models import QuoteLine as QuoteLineModel
from procurement.sourcing.models import QuoteRevision as QuoteRevisionModel
from procurement.sourcing.models import Rfq as RfqModel
from procurement.sourcing.pricing import line_total, quote_total
from procurement.sourcing.sealing import prices_sealed
from procurement.sourcing.states import QUOTE_OWN_ACTIONS, quote_actions

if TYPE_CHECKING:
    from graphql_schema.context import Context


def _ctx(info: Info) -> Context:
    return info.context  # type: ignore[no-any-return]  # Info.context is Any


def _money(amount: Decimal | None, currency: str, sealed: bool) -> Money | None:
    """A price as quoted (unit prices keep their sub-cent precision)."""
    if sealed or amount is None:
        return None
    return Money(amount=amount, currency=currency)


def _total(amount: Decimal, currency: str, sealed: bool) -> Money | None:
    """An amount to pay, rounded to the currency's minor unit."""
    return None if sealed else Money.of(amount, currency)


@strawberry.type
class PriceBreak:
    min_quantity: Decimal
    unit_price: Money | None


def _breaks(raw: list[dict[str, str]], currency: str, sealed: bool) -> list[PriceBreak]:
    return [
        PriceBreak(
            min_quantity=Decimal(b["min_quantity"]),
            unit_price=_money(Decimal(b["unit_price"]), currency, sealed),
        )
        for b in raw
    ]


@strawberry.type
class QuoteLine(Node):
    quantity: Decimal = strawberry.field(
        description="Quantity offered (may be less than requested)."
    )
    moq: Decimal | None = strawberry.field(description="Minimum order quantity.")
    unit_price: Money | None
    price_breaks: list[PriceBreak]
    line_total: Money | None = strawberry.field(description="Quantity offered at its price.")
    notes: str | None
    _rfq_line_id: strawberry.Private[int]
    _currency: strawberry.Private[str]

    @classmethod
    def from_model(cls, m: QuoteLineModel, currency: str, sealed: bool) -> QuoteLine:
        assert m.id is not None and m.rfq_line_id is not None
        return cls(
            id=global_id("QuoteLine", m.id),
            quantity=m.quantity,
            moq=m.moq,
            unit_price=_money(m.unit_price, currency, sealed),
            price_breaks=_breaks(m.price_breaks, currency, sealed),
            line_total=_total(line_total(m), currency, sealed),
            notes=m.notes,
            _rfq_line_id=m.rfq_line_id,
            _currency=currency,
        )

    @strawberry.field
    async def rfq_line(self, info: Info) -> RfqLine:
        m = await _ctx(info).loaders.rfq_line.load(self._rfq_line_id)
        assert m is not None
        return RfqLine.from_model(m, self._currency)


@strawberry.type
class QuoteRevisionLine:
    rfq_line_id: strawberry.ID
    quantity: Decimal
    moq: Decimal | None
    unit_price: Money | None
    price_breaks: list[PriceBreak]


@strawberry.type(description="A submitted state of a quote, kept when it was revised.")
class QuoteRevision:
    revision: int
    submitted_at: datetime
    currency: str
    valid_until: date | None
    incoterm: Incoterm | None  # type: ignore[valid-type]  # strawberry.enum value as a type
    payment_terms: str | None
    lead_time_days: int | None
    shipping_cost: Money | None
    total: Money | None
    lines: list[QuoteRevisionLine]

    @classmethod
    def from_model(cls, m: QuoteRevisionModel, sealed: bool) -> QuoteRevision:
        s: dict[str, Any] = m.snapshot
        cur = s["currency"]
        lines = [
            QuoteLineModel(
                rfq_line_id=ln["rfq_line_id"],
                unit_price=Decimal(ln["unit_price"]),
                quantity=Decimal(ln["quantity"]),
                moq=Decimal(ln["moq"]) if ln.get("moq") else None,
                price_breaks=ln.get("price_breaks") or [],
            )
            for ln in s["lines"]
        ]
        shipping = Decimal(s.get("shipping_cost") or 0)
        assert m.submitted_at is not None
        return cls(
            revision=m.revision,
            submitted_at=m.submitted_at,
            currency=cur,
            valid_until=date.fromisoformat(s["valid_until"]) if s.get("valid_until") else None,
            incoterm=Incoterm(s["incoterm"]) if s.get("incoterm") else None,
            payment_terms=s.get("payment_terms"),
            lead_time_days=s.get("lead_time_days"),
            shipping_cost=_money(shipping, cur, sealed),
            total=_total(quote_total(lines, shipping), cur, sealed),
            lines=[
                QuoteRevisionLine(
                    rfq_line_id=global_id("RfqLine", ln.rfq_line_id or 0),
                    quantity=ln.quantity,
                    moq=ln.moq,
                    unit_price=_money(ln.unit_price, cur, sealed),
                    price_breaks=_breaks(ln.price_breaks, cur, sealed),
                )
                for ln in lines
            ],
        )


#: one value per action a quote's own mutations take, in the table's order
QuoteAction = strawberry.enum(  # type: ignore[call-overload]  # functional Enum
    Enum("QuoteAction", {name.upper(): name.upper() for name in QUOTE_OWN_ACTIONS}),
    description="What a viewer may do with a quote now.",
)


@strawberry.type(description="A supplier's offer on an RFQ.")
class Quote(Node):
    currency: str
    valid_until: date | None
    incoterm: Incoterm | None  # type: ignore[valid-type]  # strawberry.enum value as a type
    payment_terms: str | None
    lead_time_days: int | None
    shipping_cost: Money | None
    notes: str | None
    status: QuoteStatus  # type: ignore[valid-type]  # strawberry.enum value as a type
    revision: int = strawberry.field(description="0 for a draft; 1 at first submission.")
    submitted_at: datetime | None
    version: int
    created_at: datetime
    prices_sealed: bool
    awarded_fully: bool | None = strawberry.field(
        description="After the award: every offered line taken in full (true) or some (false)."
    )
    _model: strawberry.Private[QuoteModel]
    _rfq: strawberry.Private[RfqModel]

    @classmethod
    def from_model(cls, m: QuoteModel, rfq: RfqModel, info: Info) -> Quote:
        assert m.id is not None and m.created_at is not None
        sealed = prices_sealed(_ctx(info).viewer, rfq, m)
        return cls(
            id=global_id("Quote", m.id),
            currency=m.currency,
            valid_until=m.valid_until,
            incoterm=Incoterm(m.incoterm) if m.incoterm else None,
            payment_terms=m.payment_terms,
            lead_time_days=m.lead_time_days,
            shipping_cost=_money(m.shipping_cost, m.currency, sealed),
            notes=m.notes,
            status=QuoteStatus(m.status),
            revision=m.revision,
            submitted_at=m.submitted_at,
            version=m.version,
            created_at=m.created_at,
            prices_sealed=sealed,
            awarded_fully=m.awarded_fully,
            _model=m,
            _rfq=rfq,
        )

    @strawberry.field
    def rfq(self, info: Info) -> Rfq:
        return Rfq.from_model(self._rfq, info)

    @strawberry.field(description="What you may do with this quote now.")
    def available_actions(self, info: Info) -> list[QuoteAction]:  # type: ignore[valid-type]  # strawberry.enum value as a type
        actions = quote_actions(_ctx(info).viewer, self._model, self._rfq, app_now())
        return [QuoteAction(a.upper()) for a in actions]

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        assert self._model.supplier_org_id is not None
        m = await _ctx(info).loaders.organization.load(self._model.supplier_org_id)
        assert m is not None
        return Organization.from_model(m)

    @strawberry.field
    async def lines(self, info: Info) -> list[QuoteLine]:
        assert self._model.id is not None
        rows = await _ctx(info).loaders.quote_lines.load(self._model.id)
        return [QuoteLine.from_model(r, self._model.currency, self.prices_sealed) for r in rows]

    @strawberry.field(
        description="Lines at their applicable prices plus shipping, in the quote currency."
    )
    async def total(self, info: Info) -> Money | None:
        if self.prices_sealed:
            return None
        assert self._model.id is not None
        rows = await _ctx(info).loaders.quote_lines.load(self._model.id)
        return Money.of(quote_total(rows, self._model.shipping_cost), self._model.currency)

    @strawberry.field(description="Every submitted revision, oldest first.")
    async def revisions(self, info: Info) -> list[QuoteRevision]:
        assert self._model.id is not None
        rows = await _ctx(info).loaders.quote_revisions.load(self._model.id)
        return [QuoteRevision.from_model(r, self.prices_sealed) for r in rows]


def quote_connection(
    rows: Sequence[QuoteModel],
    first: int | None,
    after: str | None,
    convert: Callable[[QuoteModel], Quote],
) -> Connection[Quote]:
    """A page of an already-loaded (batched) list, ordered by id."""
    size = page_size(first)
    start_id = decode_cursor(after, [int])[0] if after else None
    rest = [q for q in rows if start_id is None or (q.id or 0) > start_id]
    page = rest[:size]
    edges = [Edge(cursor=encode_cursor([q.id]), node=convert(q)) for q in page]
    total = len(rows)

    async def count() -> int:
        return total

    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rest) > size,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count=count,
    )
