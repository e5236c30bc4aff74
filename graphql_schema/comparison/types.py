"""GraphQL types of ``rfq.comparison``: ranked offers with their explanation, per-line
rankings and the suggested split."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from graphql_schema.ids import global_id
from graphql_schema.parties.types import Organization
from graphql_schema.scalars import Money
from graphql_schema.sourcing.quote_types import Quote
from graphql_schema.sourcing.types import EvaluationWeights, RfqLine
from procurement.comparison.model import Weights
from procurement.comparison.ranking import SIX, LineOffer, RankedOffer
from procurement.comparison.service import Comparison as ComparisonModel
from procurement.comparison.split import (
    CANDIDATES_PER_LINE,
    EXACT_TIME_LIMIT_SECONDS,
    FULL_MODEL_LINES,
    Split,
)
from procurement.money.fx import Conversion


@strawberry.enum
class Criterion(Enum):
    PRICE = "PRICE"
    LEAD_TIME = "LEAD_TIME"
    COVERAGE = "COVERAGE"
    SUPPLIER_SCORE = "SUPPLIER_SCORE"


@strawberry.input
class ComparisonWeightsInput:
    price: Decimal
    lead_time: Decimal
    coverage: Decimal
    supplier_score: Decimal


@strawberry.input
class ComparisonInput:
    currency: str | None = strawberry.field(
        default=None, description="Target currency; the RFQ's by default."
    )
    weights: ComparisonWeightsInput | None = strawberry.field(
        default=None, description="The RFQ's evaluation weights by default."
    )
    max_suppliers: int | None = strawberry.field(
        default=None, description="At most this many suppliers in the suggested split."
    )
    include_expired: bool = strawberry.field(
        default=False, description="Include quotes whose validity has ended."
    )
    exact_split: bool = strawberry.field(
        default=False,
        description="Solve the suggested split over every offer line "
        f"(up to {EXACT_TIME_LIMIT_SECONDS:g} s) so that it is proven optimal. By default "
        f"a comparison of more than {FULL_MODEL_LINES:,} offer lines is solved over "
        f"candidates: the {CANDIDATES_PER_LINE} cheapest offers of each line, then every "
        "line of the suppliers those chose.",
    )

    def weights_domain(self) -> Weights | None:
        w = self.weights
        return Weights(w.price, w.lead_time, w.coverage, w.supplier_score) if w else None


@strawberry.type(description="A table rate used for a conversion.")
class FxRateUsed:
    base: str
    quote: str
    rate: Decimal
    as_of: date


@strawberry.type
class CurrencyConversion:
    from_currency: str
    to_currency: str
    rate: Decimal
    rates_used: list[FxRateUsed]


def _conversion(c: Conversion) -> CurrencyConversion:
    return CurrencyConversion(
        from_currency=c.base,
        to_currency=c.quote,
        rate=c.rate,
        rates_used=[
            FxRateUsed(base=r.base, quote=r.quote, rate=r.rate, as_of=r.as_of) for r in c.legs
        ],
    )


async def _supplier(info: Info, supplier_id: int) -> Organization:
    """The supplying organisation, through the request's loader."""
    m = await info.context.loaders.organization.load(supplier_id)
    return Organization.from_model(m)


@strawberry.type
class CriterionScore:
    criterion: Criterion
    raw_value: Decimal = strawberry.field(
        description="PRICE: landed cost for full coverage "
        "in the target currency; LEAD_TIME: days; "
        "COVERAGE and SUPPLIER_SCORE: 0..1."
    )
    normalized_value: Decimal
    weight: Decimal
    contribution: Decimal


@strawberry.type
class LineCoverage:
    rfq_line_id: strawberry.ID
    coverage: Decimal


@strawberry.type
class SupplierScore:
    value: Decimal
    explanation: str


@strawberry.type(description="One live quote, ranked.")
class RankedOfferType:
    rank: int
    score: Decimal
    landed_cost: Money
    coverage: Decimal
    lead_time_days: int
    meets_need_by: bool | None
    supplier_score: SupplierScore
    breakdown: list[CriterionScore]
    conversion: CurrencyConversion
    quote: Quote
    _supplier_id: strawberry.Private[int]
    _line_coverage: strawberry.Private[dict[int, Decimal]]

    @strawberry.field
    def line_coverage(self) -> list[LineCoverage]:
        return [
            LineCoverage(rfq_line_id=global_id("RfqLine", lid), coverage=cov.quantize(SIX))
            for lid, cov in self._line_coverage.items()
        ]

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        return await _supplier(info, self._supplier_id)


@strawberry.type
class LineOfferType:
    rank: int
    quote_line_id: strawberry.ID
    quantity: Decimal = strawberry.field(
        description="Quantity this offer would supply "
        "(requested, capped by offered, raised "
        "to MOQ)."
    )
    quantity_offered: Decimal
    moq: Decimal | None
    unit_price: Money
    unit_landed_cost: Money = strawberry.field(
        description="Unit price plus this line's share of shipping."
    )
    coverage: Decimal
    quote: Quote
    _supplier_id: strawberry.Private[int]

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        return await _supplier(info, self._supplier_id)


@strawberry.type
class LineComparison:
    rfq_line: RfqLine
    _offers: strawberry.Private[list[LineOffer]]
    _build: strawberry.Private[Callable[[LineOffer], LineOfferType]]

    @strawberry.field(description="Offers for this line, best unit landed cost first.")
    def offers(self, first: int | None = None) -> list[LineOfferType]:
        chosen = self._offers if first is None else self._offers[: max(first, 0)]
        return [self._build(lo) for lo in chosen]

    @strawberry.field
    def offer_count(self) -> int:
        return len(self._offers)


@strawberry.type
class SplitAllocation:
    quote_line_id: strawberry.ID
    rfq_line_id: strawberry.ID
    quantity: Decimal
    unit_price: Money
    cost: Money
    quote: Quote
    _supplier_id: strawberry.Private[int]

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        return await _supplier(info, self._supplier_id)


@strawberry.type
class UncoveredLine:
    rfq_line_id: strawberry.ID
    quantity: Decimal


@strawberry.type
class SingleSupplierAward:
    quote: Quote
    total: Money
    coverage: Decimal


@strawberry.type(
    description="The allocation minimising total landed cost (most coverage "
    "first), with MOQs, offered quantities and maxSuppliers honoured."
)
class SuggestedSplit:
    allocations: list[SplitAllocation]
    total: Money
    coverage: Decimal
    supplier_count: int
    saving: Money | None = strawberry.field(
        description="Against the best award to a single supplier."
    )
    best_single_supplier: SingleSupplierAward | None
    uncovered_lines: list[UncoveredLine] = strawberry.field(
        description="Requested quantity no combination of offers can supply."
    )
    unquoted_line_ids: list[strawberry.ID] = strawberry.field(
        description="Lines no quote covers at all."
    )
    optimal: bool = strawberry.field(
        description="True when proven optimal over every offer line; false when the "
        "solver's time bound cut the search short or when the split was solved over "
        "candidates (see candidateLimit)."
    )
    candidate_limit: int | None = strawberry.field(
        description="Set when a large comparison was solved over candidates: this many "
        "cheapest offers per line, then the chosen suppliers' other lines. Ask with "
        "exactSplit for a proof over all offers."
    )


@strawberry.type(description="Live quotes of an RFQ compared in one currency.")
class Comparison:
    currency: str
    compared_on: date
    weights: EvaluationWeights
    conversions: list[CurrencyConversion]
    _model: strawberry.Private[ComparisonModel]
    _info: strawberry.Private[Info]
    _quotes: strawberry.Private[dict[int, Quote]]
    _conversions: strawberry.Private[dict[str, CurrencyConversion]]

    @classmethod
    def build(cls, m: ComparisonModel, info: Info) -> Comparison:
        conversions = {cur: _conversion(c) for cur, c in m.conversions.items()}
        w = m.weights
        return cls(
            currency=m.currency,
            compared_on=m.on,
            weights=EvaluationWeights(
                price=w.price.quantize(SIX),
                lead_time=w.lead_time.quantize(SIX),
                coverage=w.coverage.quantize(SIX),
                supplier_score=w.supplier_score.quantize(SIX),
            ),
            conversions=list(conversions.values()),
            _model=m,
            _info=info,
            _quotes={},
            _conversions=conversions,
        )

    def _quote(self, quote_id: int) -> Quote:
        q = self._quotes.get(quote_id)
        if q is None:
            m = self._model
            q = self._quotes[quote_id] = Quote.from_model(m.quotes[quote_id], m.rfq, self._info)
        return q

    def _money(self, amount: Decimal) -> Money:
        return Money.of(amount, self.currency)

    def _unit(self, amount: Decimal) -> Money:
        return Money(amount=amount.quantize(SIX), currency=self.currency)

    @strawberry.field(description="Ranked best first.")
    def offers(self) -> list[RankedOfferType]:
        m = self._model
        return [self._offer(r) for r in m.ranked]

    def _offer(self, r: RankedOffer) -> RankedOfferType:
        m = self._model
        q = m.quotes[r.offer.quote_id]
        score = m.scores[r.offer.supplier_id]
        return RankedOfferType(
            rank=r.rank,
            score=r.score,
            landed_cost=self._money(r.landed_cost),
            coverage=r.coverage,
            lead_time_days=r.offer.lead_time_days,
            meets_need_by=r.meets_need_by,
            supplier_score=SupplierScore(value=score.value, explanation=score.explanation),
            breakdown=[
                CriterionScore(
                    criterion=Criterion(c.name),
                    raw_value=c.raw,
                    normalized_value=c.normalised,
                    weight=c.weight.quantize(SIX),
                    contribution=c.contribution,
                )
                for c in r.criteria
            ],
            conversion=self._conversions[q.currency],
            quote=self._quote(r.offer.quote_id),
            _supplier_id=r.offer.supplier_id,
            _line_coverage=r.line_coverage,
        )

    @strawberry.field(description="Per RFQ line, the offers ranked by unit landed cost.")
    def lines(self) -> list[LineComparison]:
        m = self._model
        return [
            LineComparison(
                rfq_line=RfqLine.from_model(ln, m.rfq.currency),
                _offers=m.lines.get(ln.id or 0, []),
                _build=self._line_offer,
            )
            for ln in m.rfq_lines
        ]

    def _line_offer(self, lo: LineOffer) -> LineOfferType:
        return LineOfferType(
            rank=lo.rank,
            quote_line_id=global_id("QuoteLine", lo.line.quote_line_id),
            quantity=lo.quantity,
            quantity_offered=lo.line.quantity,
            moq=lo.line.moq,
            unit_price=self._unit(lo.unit_price),
            unit_landed_cost=self._unit(lo.unit_landed_cost),
            coverage=lo.coverage.quantize(SIX),
            quote=self._quote(lo.offer.quote_id),
            _supplier_id=lo.offer.supplier_id,
        )

    @strawberry.field
    async def suggested_split(self) -> SuggestedSplit:
        # solved in a worker thread (started early by the resolver when it is selected)
        s: Split = await self._model.split()
        best = s.best_single
        return SuggestedSplit(
            allocations=[
                SplitAllocation(
                    quote_line_id=global_id("QuoteLine", a.line.quote_line_id),
                    rfq_line_id=global_id("RfqLine", a.line.rfq_line_id),
                    quantity=a.quantity,
                    unit_price=self._unit(a.unit_price),
                    cost=self._money(a.cost),
                    quote=self._quote(a.offer.quote_id),
                    _supplier_id=a.offer.supplier_id,
                )
                for a in s.allocations
            ],
            total=self._money(s.total),
            coverage=s.coverage.quantize(SIX),
            supplier_count=len(s.suppliers),
            saving=self._money(s.saving) if s.saving is not None else None,
            best_single_supplier=SingleSupplierAward(
                quote=self._quote(best.offer.quote_id),
                total=self._money(best.total),
                coverage=best.coverage.quantize(SIX),
            )
            if best
            else None,
            uncovered_lines=[
                UncoveredLine(rfq_line_id=global_id("RfqLine", lid), quantity=q)
                for lid, q in s.uncovered.items()
            ],
            unquoted_line_ids=[global_id("RfqLine", lid) for lid in s.unquoted_lines],
            optimal=s.optimal,
            candidate_limit=s.candidate_limit,
        )
