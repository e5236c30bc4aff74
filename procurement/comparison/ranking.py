"""Ranking offers: landed cost, coverage, lead time and supplier score, normalised to
0..1 and combined by the weights, with a breakdown per criterion.

- *Landed cost*: per quoted line, the quantity bought (the requested quantity, capped by
  the quantity offered and raised to the MOQ) at the price break that quantity reaches,
  plus shipping; all in the target currency.
- *Price* compares what the whole requirement would cost at the offer's prices: the
  landed cost divided by coverage, so a quote for half the quantity is not rewarded for
  being half the size.  Normalised min-max over the offers (cheapest 1, dearest 0).
- *Coverage*: per line the share of the requested quantity offered (at most 1); overall
  the mean over all RFQ lines (a line not quoted counts 0).  Used as it is (0..1).
- *Lead time*: days; min-max normalised (fastest 1).  ``meets_need_by`` tells whether
  the comparison date plus the lead time reaches the need-by date.
- *Supplier score*: 0..1 from the supplier-score service, used as it is.
Ties: higher score, then lower landed cost, then earlier submission, then quote id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from procurement.comparison.model import Context, Offer, OfferLine, RequestLine, Weights

SIX = Decimal("0.000001")
ONE = Decimal(1)
ZERO = Decimal(0)


def bought_quantity(line: OfferLine, requested: Decimal) -> Decimal:
    q = min(requested, line.quantity)
    if line.moq is not None and q < line.moq:
        q = line.moq
    return q


def line_cost(line: OfferLine, requested: Decimal) -> Decimal:
    q = bought_quantity(line, requested)
    return line.price_at(q) * q


@dataclass(frozen=True)
class Criterion:
    name: str
    raw: Decimal
    normalised: Decimal
    weight: Decimal

    @property
    def contribution(self) -> Decimal:
        return (self.normalised * self.weight).quantize(SIX)


@dataclass(slots=True)
class RankedOffer:
    offer: Offer
    rank: int
    score: Decimal
    landed_cost: Decimal
    coverage: Decimal
    line_coverage: dict[int, Decimal]
    meets_need_by: bool | None
    criteria: tuple[Criterion, ...]


def _minmax(values: Sequence[Decimal]) -> Callable[[Decimal], Decimal]:
    """Min-max normalisation over ``values``, lowest 1: the bounds found once, not per
    offer (that was quadratic in the number of offers)."""
    lo, hi = min(values), max(values)
    if hi == lo:
        return lambda x: ONE
    span = hi - lo
    return lambda x: ((hi - x) / span).quantize(SIX)


def landed_cost(offer: Offer, lines: Sequence[RequestLine]) -> Decimal:
    total = offer.shipping
    for req in lines:
        ol = offer.lines.get(req.id)
        if ol is not None:
            total += line_cost(ol, req.quantity)
    return total


@dataclass(slots=True)
class LineFact:
    """One offer line against its RFQ line: what would be bought, at what price."""

    line: OfferLine
    quantity: Decimal
    unit_price: Decimal
    cost: Decimal
    coverage: Decimal


#: per quote id, per RFQ line id
Facts = dict[int, dict[int, LineFact]]


def line_facts(offers: Sequence[Offer], ctx: Context) -> Facts:
    """Computed once and shared by the offer and the line rankings (10,000 offer lines
    on the benchmark: costing them twice was a fifth of the comparison's time).  The
    rules of ``bought_quantity`` and ``price_at`` (so ``line_cost``), inlined, plus the
    line's coverage: the share of the requested quantity offered, at most 1."""
    out: Facts = {}
    for o in offers:
        per: dict[int, LineFact] = {}
        for r in ctx.lines:
            ol = o.lines.get(r.id)
            if ol is None:
                continue
            requested, offered = r.quantity, ol.quantity
            q = requested if requested <= offered else offered
            if ol.moq is not None and q < ol.moq:
                q = ol.moq
            price = ol.price_at(q) if ol.breaks else ol.unit_price
            coverage = ONE if offered >= requested else offered / requested
            per[r.id] = LineFact(ol, q, price, price * q, coverage)
        out[o.quote_id] = per
    return out


def rank_offers(
    offers: Sequence[Offer], ctx: Context, weights: Weights, facts: Facts | None = None
) -> list[RankedOffer]:
    if not offers:
        return []
    facts = facts if facts is not None else line_facts(offers, ctx)
    w = weights.normalised()
    n = len(ctx.lines)
    rows = []
    for o in offers:
        per = facts[o.quote_id]
        coverage = (sum((f.coverage for f in per.values()), ZERO) / n).quantize(SIX)
        cost = o.shipping + sum((f.cost for f in per.values()), ZERO)
        comparable = cost / coverage if coverage > 0 else cost * 10**6
        rows.append((o, cost, coverage, comparable))
    price_norm = _minmax([r[3] for r in rows])
    lead_norm = _minmax([Decimal(r[0].lead_time_days) for r in rows])
    ranked = []
    for o, cost, coverage, comparable in rows:
        per = facts[o.quote_id]
        criteria = (
            Criterion("PRICE", comparable.quantize(SIX), price_norm(comparable), w.price),
            Criterion(
                "LEAD_TIME",
                Decimal(o.lead_time_days),
                lead_norm(Decimal(o.lead_time_days)),
                w.lead_time,
            ),
            Criterion("COVERAGE", coverage, coverage, w.coverage),
            Criterion("SUPPLIER_SCORE", o.supplier_score, o.supplier_score, w.supplier_score),
        )
        score = sum((c.contribution for c in criteria), ZERO).quantize(SIX)
        meets = None
        if ctx.need_by is not None:
            meets = ctx.on + timedelta(days=o.lead_time_days) <= ctx.need_by
        line_cov = {r.id: per[r.id].coverage if r.id in per else ZERO for r in ctx.lines}
        ranked.append(RankedOffer(o, 0, score, cost, coverage, line_cov, meets, criteria))
    ranked.sort(key=lambda r: (-r.score, r.landed_cost, r.offer.submitted_at, r.offer.quote_id))
    for i, r in enumerate(ranked):
        r.rank = i + 1
    return ranked


@dataclass(slots=True)
class LineOffer:
    offer: Offer
    line: OfferLine
    rank: int
    quantity: Decimal
    unit_price: Decimal
    unit_landed_cost: Decimal
    coverage: Decimal


def rank_lines(
    offers: Sequence[Offer], ctx: Context, facts: Facts | None = None
) -> dict[int, list[LineOffer]]:
    """Per RFQ line, the offers for it by unit landed cost: the unit price at the quantity
    bought plus the line's share of shipping (pro rata to the value of the quote's lines)."""
    facts = facts if facts is not None else line_facts(offers, ctx)
    out: dict[int, list[LineOffer]] = {r.id: [] for r in ctx.lines}
    for o in offers:
        per = facts[o.quote_id]
        value = sum((f.cost for f in per.values()), ZERO)
        # a line's share of shipping per unit is shipping * price * q / value / q
        markup = ONE + o.shipping / value if value > 0 else ONE
        for lid, f in per.items():
            unit = (f.unit_price * markup).quantize(SIX)
            out[lid].append(LineOffer(o, f.line, 0, f.quantity, f.unit_price, unit, f.coverage))
    for entries in out.values():
        entries.sort(
            key=lambda e: (e.unit_landed_cost, -e.coverage, e.offer.submitted_at, e.offer.quote_id)
        )
        for i, e in enumerate(entries):
            e.rank = i + 1
    return out
