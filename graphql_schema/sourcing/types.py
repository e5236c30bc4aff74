"""GraphQL types of the sourcing domain: RFQs, their lines, invitations, questions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from graphql_schema.field_sides import sided
from graphql_schema.ids import global_id
from graphql_schema.node import Node
from graphql_schema.pagination import Connection
from graphql_schema.parties.types import Category, Organization, User
from graphql_schema.scalars import Money
from procurement.clock import app_now
from procurement.comparison.service import rfq_weights
from procurement.field_sides import Owners
from procurement.sourcing.access import supplier_scope
from procurement.sourcing.clock import effective_status
from procurement.sourcing.models import Incoterm as DomainIncoterm
from procurement.sourcing.models import QuoteStatus as DomainQuoteStatus
from procurement.sourcing.models import (
    Rfq as RfqModel,
)
from procurement.sourcing.models import (
    RfqLine as RfqLineModel,
)
from procurement.sourcing.models import (
    RfqQuestion as RfqQuestionModel,
)
from procurement.sourcing.models import RfqStatus as DomainRfqStatus
from procurement.sourcing.models import Visibility as DomainVisibility
from procurement.sourcing.queries import RfqSort as DomainRfqSort
from procurement.sourcing.sealing import (
    counted_quote,
    has_submitted,
    live_quote,
    rfq_prices_sealed_for,
)
from procurement.sourcing.states import RFQ, rfq_actions

if TYPE_CHECKING:
    from graphql_schema.comparison.types import Comparison, ComparisonInput
    from graphql_schema.context import Context
    from graphql_schema.sourcing.quote_types import Quote

RfqStatus = strawberry.enum(DomainRfqStatus, name="RfqStatus")
QuoteStatus = strawberry.enum(DomainQuoteStatus, name="QuoteStatus")
Visibility = strawberry.enum(DomainVisibility, name="RfqVisibility")
Incoterm = strawberry.enum(DomainIncoterm, name="Incoterm", description="Incoterms 2020")
RfqSort = strawberry.enum(DomainRfqSort, name="RfqSort")

QuoteRef = Annotated["Quote", strawberry.lazy("graphql_schema.sourcing.quote_types")]
ComparisonRef = Annotated["Comparison", strawberry.lazy("graphql_schema.comparison.types")]
ComparisonInputRef = Annotated[
    "ComparisonInput", strawberry.lazy("graphql_schema.comparison.types")
]


def _ctx(info: Info) -> Context:
    return info.context  # type: ignore[no-any-return]  # Info.context is Any


@strawberry.type
class Address:
    line1: str
    line2: str | None
    city: str
    postal_code: str
    region: str | None
    country: str
    contact_name: str | None
    contact_phone: str | None

    @classmethod
    def from_json(cls, a: dict[str, Any] | None) -> Address | None:
        """From the stored JSON form (camelCase keys)."""
        if not a:
            return None
        return cls(
            line1=a["line1"],
            line2=a.get("line2"),
            city=a["city"],
            postal_code=a["postalCode"],
            region=a.get("region"),
            country=a["country"],
            contact_name=a.get("contactName"),
            contact_phone=a.get("contactPhone"),
        )


@strawberry.type(description="How offers are scored; the weights sum to 1.")
class EvaluationWeights:
    price: Decimal
    lead_time: Decimal
    coverage: Decimal
    supplier_score: Decimal


@strawberry.type
class Specification:
    key: str
    value: str


@strawberry.type
class RfqLine(Node):
    position: int
    description: str
    quantity: Decimal
    unit: str
    specifications: list[Specification]
    need_by: date | None
    _model: strawberry.Private[RfqLineModel]
    _currency: strawberry.Private[str]

    @classmethod
    def from_model(cls, m: RfqLineModel, currency: str) -> RfqLine:
        assert m.id is not None
        return cls(
            id=global_id("RfqLine", m.id),
            position=m.position,
            description=m.description,
            quantity=m.quantity,
            unit=m.unit,
            specifications=[
                Specification(key=s["key"], value=s["value"]) for s in m.specifications
            ],
            need_by=m.need_by,
            _model=m,
            _currency=currency,
        )

    @strawberry.field(description="The buyer's indicative unit price, in the RFQ currency.")
    def target_unit_price(self) -> Money | None:
        p = self._model.target_unit_price
        return Money(amount=p, currency=self._currency) if p is not None else None

    @strawberry.field
    async def category(self, info: Info) -> Category | None:
        if self._model.category_id is None:
            return None
        m = await _ctx(info).loaders.category.load(self._model.category_id)
        return Category.from_model(m) if m else None


@strawberry.type
class RfqInvitation:
    invited_at: datetime
    _supplier_id: strawberry.Private[int]

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        m = await _ctx(info).loaders.organization.load(self._supplier_id)
        assert m is not None
        return Organization.from_model(m)


@sided
@strawberry.type(
    description="A supplier's clarification question; the asker is shown to the buyer only."
)
class RfqQuestion(Node):
    question: str
    answer: str | None
    asked_at: datetime
    answered_at: datetime | None
    mine: bool = strawberry.field(description="Asked by your organisation.")
    _model: strawberry.Private[RfqQuestionModel]
    _buyer_org_id: strawberry.Private[int | None]

    @classmethod
    def from_model(
        cls, m: RfqQuestionModel, viewer_org: int | None, buyer_org_id: int | None
    ) -> RfqQuestion:
        assert m.id is not None and m.asked_at is not None
        return cls(
            id=global_id("RfqQuestion", m.id),
            question=m.question,
            answer=m.answer,
            asked_at=m.asked_at,
            answered_at=m.answered_at,
            mine=viewer_org is not None and viewer_org == m.supplier_org_id,
            _model=m,
            _buyer_org_id=buyer_org_id,
        )

    def owners(self) -> Owners:
        return Owners(buyer=self._buyer_org_id)

    @strawberry.field
    async def asked_by(self, info: Info) -> Organization | None:
        if self._model.supplier_org_id is None:
            return None
        m = await _ctx(info).loaders.organization.load(self._model.supplier_org_id)
        return Organization.from_model(m) if m else None


#: one value per action of the RFQ table, in its order
RfqAction = strawberry.enum(  # type: ignore[call-overload]  # functional Enum
    Enum("RfqAction", {name.upper(): name.upper() for name in RFQ.actions}),
    description="What a viewer may do with an RFQ now.",
)


@sided
@strawberry.type(description="A request for quotation.")
class Rfq(Node):
    number: str
    title: str
    description: str | None
    currency: str
    need_by: date | None
    deadline: datetime
    visibility: Visibility  # type: ignore[valid-type]  # strawberry.enum value as a type
    sealed: bool
    status: RfqStatus  # type: ignore[valid-type]  # strawberry.enum value as a type
    version: int
    created_at: datetime
    published_at: datetime | None
    closed_at: datetime | None
    cancel_reason: str | None
    _model: strawberry.Private[RfqModel]

    @classmethod
    def from_model(cls, m: RfqModel, info: Info) -> Rfq:
        assert m.id is not None and m.created_at is not None
        return cls(
            id=global_id("Rfq", m.id),
            number=m.number,
            title=m.title,
            description=m.description,
            currency=m.currency,
            need_by=m.need_by,
            deadline=m.deadline,
            visibility=Visibility(m.visibility),
            sealed=m.sealed,
            status=RfqStatus(effective_status(m, app_now()).value),
            version=m.version,
            created_at=m.created_at,
            published_at=m.published_at,
            closed_at=m.closed_at,
            cancel_reason=m.cancel_reason,
            _model=m,
        )

    def owners(self) -> Owners:
        return Owners(buyer=self._model.buyer_org_id)

    @strawberry.field(description="What you may do with this RFQ now.")
    def available_actions(self, info: Info) -> list[RfqAction]:  # type: ignore[valid-type]  # strawberry.enum value as a type
        actions = rfq_actions(_ctx(info).viewer, self._model, app_now())
        return [RfqAction(a.upper()) for a in actions]

    @strawberry.field
    def delivery_address(self) -> Address | None:
        return Address.from_json(self._model.delivery_address)

    @strawberry.field
    def evaluation_weights(self) -> EvaluationWeights:
        w = rfq_weights(self._model)
        return EvaluationWeights(
            price=w.price,
            lead_time=w.lead_time,
            coverage=w.coverage,
            supplier_score=w.supplier_score,
        )

    @strawberry.field(
        description="The buying organisation's own reference (its ERP's); buyer only."
    )
    def external_reference(self) -> str | None:
        return self._model.external_reference

    @strawberry.field
    async def category(self, info: Info) -> Category | None:
        if self._model.category_id is None:
            return None
        m = await _ctx(info).loaders.category.load(self._model.category_id)
        return Category.from_model(m) if m else None

    @strawberry.field
    async def buyer(self, info: Info) -> Organization:
        assert self._model.buyer_org_id is not None
        m = await _ctx(info).loaders.organization.load(self._model.buyer_org_id)
        assert m is not None
        return Organization.from_model(m)

    @strawberry.field(description="Buyer only.")
    async def created_by(self, info: Info) -> User | None:
        if self._model.created_by_id is None:
            return None
        m = await _ctx(info).loaders.user.load(self._model.created_by_id)
        return User.from_model(m) if m else None

    @strawberry.field
    async def lines(self, info: Info) -> list[RfqLine]:
        assert self._model.id is not None
        rows = await _ctx(info).loaders.rfq_lines.load(self._model.id)
        return [RfqLine.from_model(r, self._model.currency) for r in rows]

    @strawberry.field(description="Invited suppliers; buyer only.")
    async def invitations(self, info: Info) -> list[RfqInvitation] | None:
        assert self._model.id is not None
        rows = await _ctx(info).loaders.rfq_invitations.load(self._model.id)
        return [
            RfqInvitation(invited_at=r.invited_at, _supplier_id=r.supplier_org_id)
            for r in rows
            if r.invited_at is not None
        ]

    def _quote_key(self, info: Info) -> tuple[int, int | None]:
        assert self._model.id is not None
        return (self._model.id, supplier_scope(_ctx(info).viewer, self._model))

    @strawberry.field(
        description="To the buyer: every submitted quote (prices null while "
        "sealed). To a supplier: its own quotes only."
    )
    async def quotes(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[QuoteRef]:
        from graphql_schema.sourcing.quote_types import Quote, quote_connection

        rows = await _ctx(info).loaders.rfq_quotes.load(self._quote_key(info))
        return quote_connection(
            rows, first, after, lambda q: Quote.from_model(q, self._model, info)
        )

    @strawberry.field(description="Submitted quotes (buyer only).")
    async def quote_count(self, info: Info) -> int | None:
        rows = await _ctx(info).loaders.rfq_quotes.load(self._quote_key(info))
        return sum(1 for q in rows if counted_quote(q))

    @strawberry.field(description="True while a sealed RFQ hides quote prices from you.")
    def prices_sealed(self, info: Info) -> bool:
        return rfq_prices_sealed_for(_ctx(info).viewer, self._model)

    @strawberry.field(description="Your organisation's live quote on this RFQ, if any.")
    async def my_quote(self, info: Info) -> QuoteRef | None:
        from graphql_schema.sourcing.quote_types import Quote

        org = supplier_scope(_ctx(info).viewer, self._model)
        if org is None:
            return None
        assert self._model.id is not None
        rows = await _ctx(info).loaders.rfq_quotes.load((self._model.id, org))
        live = live_quote(rows)
        return Quote.from_model(live, self._model, info) if live else None

    @strawberry.field(description="Whether your organisation has submitted a quote.")
    async def already_quoted(self, info: Info) -> bool:
        org = supplier_scope(_ctx(info).viewer, self._model)
        if org is None:
            return False
        assert self._model.id is not None
        rows = await _ctx(info).loaders.rfq_quotes.load((self._model.id, org))
        return has_submitted(rows)

    @strawberry.field(
        description="The buying organisation's comparison of the live quotes; refused while "
        "prices are sealed."
    )
    async def comparison(
        self, info: Info, input: ComparisonInputRef | None = None
    ) -> ComparisonRef | None:
        from graphql_schema.comparison.resolvers import resolve_comparison

        return await resolve_comparison(self._model, info, input)

    @strawberry.field(
        description="The buyer sees every question; suppliers see answered ones and their own."
    )
    async def questions(self, info: Info) -> list[RfqQuestion]:
        assert self._model.id is not None
        viewer = _ctx(info).viewer
        org = supplier_scope(viewer, self._model)
        rows = await _ctx(info).loaders.rfq_questions.load((self._model.id, org))
        viewer_org = viewer.organization_id if viewer else None
        return [RfqQuestion.from_model(q, viewer_org, self._model.buyer_org_id) for q in rows]
