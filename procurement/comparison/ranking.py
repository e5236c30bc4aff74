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

from collections.abc import Sequence
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


def line_coverage(line: OfferLine | None, requested: Decimal) -> Decimal:
    if line is None or requested <= 0:
        return ZERO
    return min(ONE, line.quantity / requested)


@dataclass(frozen=True)
class Criterion:
    name: str
    raw: Decimal
    normalised: Decimal
    weight: Decimal

    @property
    def contribution(self) -> Decimal:
        return (self.normalised * self.weight).quantize(SIX)


@dataclass(frozen=True)
class RankedOffer:
    offer: Offer
    rank: int
    score: Decimal
    landed_cost: Decimal
    coverage: Decimal
    line_coverage: dict[int, Decimal]
    meets_need_by: bool | None
    criteria: tuple[Criterion, ...]


def _minmax(values: Sequence[Decimal], x: Decimal) -> Decimal:
    lo, hi = min(values), max(values)
    if hi == lo:
        return ONE
    return ((hi - x) / (hi - lo)).quantize(SIX)


def landed_cost(offer: Offer, lines: Sequence[RequestLine]) -> Decimal:
    total = offer.shipping
    for req in lines:
        ol = offer.lines.get(req.id)
        if ol is not None:
            total += line_cost(ol, req.quantity)
    return total


def rank_offers(offers: Sequence[Offer], ctx: Context, weights: Weights) -> list[RankedOffer]:
    if not offers:
        return []
    w = weights.normalised()
    facts = []
    for o in offers:
        per_line = {r.id: line_coverage(o.lines.get(r.id), r.quantity) for r in ctx.lines}
        coverage = (sum(per_line.values(), ZERO) / len(ctx.lines)).quantize(SIX)
        cost = landed_cost(o, ctx.lines)
        comparable = cost / coverage if coverage > 0 else cost * 10**6
        facts.append((o, cost, coverage, per_line, comparable))
    comparables = [f[4] for f in facts]
    leads = [Decimal(f[0].lead_time_days) for f in facts]
    ranked = []
    for o, cost, coverage, per_line, comparable in facts:
        criteria = (
            Criterion("PRICE", comparable.quantize(SIX), _minmax(comparables, comparable), w.price),
            Criterion(
                "LEAD_TIME",
                Decimal(o.lead_time_days),
                _minmax(leads, Decimal(o.lead_time_days)),
                w.lead_time,
            ),
            Criterion("COVERAGE", coverage, coverage, w.coverage),
            Criterion("SUPPLIER_SCORE", o.supplier_score, o.supplier_score, w.supplier_score),
        )
        score = sum((c.contribution for c in criteria), ZERO).quantize(SIX)
        meets = None
        if ctx.need_by is not None:
            meets = ctx.on + timedelta(days=o.lead_time_days) <= ctx.need_by
        ranked.append(RankedOffer(o, 0, score, cost, coverage, per_line, meets, criteria))
    ranked.sort(key=lambda r: (-r.score, r.landed_cost, r.offer.submitted_at, r.offer.quote_id))
    return [
        RankedOffer(
            r.offer,
            i + 1,
            r.score,
            r.landed_cost,
            r.coverage,
            r.line_coverage,
            r.meets_need_by,
            r.criteria,
        )
        for i, r in enumerate(ranked)
    ]


@dataclass(frozen=True)
class LineOffer:
    offer: Offer
    line: OfferLine
    rank: int
    quantity: Decimal
    unit_price: Decimal
    unit_landed_cost: Decimal
    coverage: Decimal


def rank_lines(offers: Sequence[Offer], ctx: Context) -> dict[int, list[LineOffer]]:
    """Per RFQ line, the offers for it by unit landed cost: the unit price at the quantity
    bought plus the line's share of shipping (pro rata to the value of the quote's lines)."""
    shares: dict[int, dict[int, Decimal]] = {}
    for o in offers:
        costs = {r.id: line_cost(o.lines[r.id], r.quantity) for r in ctx.lines if r.id in o.lines}
        value = sum(costs.values(), ZERO)
        shares[o.quote_id] = {
            lid: (o.shipping * c / value if value > 0 else ZERO) for lid, c in costs.items()
        }
    out: dict[int, list[LineOffer]] = {}
    for r in ctx.lines:
        entries = []
        for o in offers:
            ol = o.lines.get(r.id)
            if ol is None:
                continue
            q = bought_quantity(ol, r.quantity)
            price = ol.price_at(q)
            unit_landed = price + (shares[o.quote_id][r.id] / q if q > 0 else ZERO)
            entries.append(
                (o, ol, q, price, unit_landed.quantize(SIX), line_coverage(ol, r.quantity))
            )
        entries.sort(key=lambda e: (e[4], -e[5], e[0].submitted_at, e[0].quote_id))
        out[r.id] = [
            LineOffer(o, ol, i + 1, q, p, u, cov) for i, (o, ol, q, p, u, cov) in enumerate(entries)
        ]
    return out
