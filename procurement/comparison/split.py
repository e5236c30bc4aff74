"""The cheapest split award: how much of each line to buy from which offer.

A mixed-integer programme solved by HiGHS (``highspy``), in two phases:
1. cover as much of the requested quantities as possible (sum over lines of the share
   covered), then
2. at that coverage, minimise the landed cost: quantities at their price-break prices
   (all-units discounts, one band chosen per offer line) plus each chosen supplier's
   shipping once.
Each offer line is bought not at all or between its MOQ and its offered quantity; no
line above its requested quantity; at most ``max_suppliers`` distinct suppliers.
Quantities are integers wherever the line's quantities are whole numbers.  The solver is
given a time bound; past it the best allocation found is returned with
``optimal = False``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import highspy
import numpy as np

from procurement.comparison.model import Context, Offer, OfferLine
from procurement.comparison.ranking import ZERO, bought_quantity, line_cost

TIME_LIMIT_SECONDS = 5.0
_QUANT = Decimal("0.0001")


@dataclass(frozen=True)
class Allocation:
    offer: Offer
    line: OfferLine
    quantity: Decimal
    unit_price: Decimal

    @property
    def cost(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class SingleSupplierAward:
    offer: Offer
    total: Decimal
    coverage: Decimal


@dataclass(frozen=True)
class Split:
    allocations: tuple[Allocation, ...]
    total: Decimal
    coverage: Decimal
    #: requested quantity left uncovered, per RFQ line (only lines with some left)
    uncovered: dict[int, Decimal]
    #: RFQ lines no offer quotes at all
    unquoted_lines: tuple[int, ...]
    optimal: bool
    best_single: SingleSupplierAward | None

    @property
    def saving(self) -> Decimal | None:
        if self.best_single is None:
            return None
        return self.best_single.total - self.total

    @property
    def suppliers(self) -> set[int]:
        return {a.offer.supplier_id for a in self.allocations}


def _integral(*values: Decimal | None) -> bool:
    return all(v is None or v == v.to_integral_value() for v in values)


def best_single_supplier(offers: Sequence[Offer], ctx: Context) -> SingleSupplierAward | None:
    """The whole award to one supplier: most coverage, then least landed cost."""
    best: tuple[Decimal, Decimal, int, Offer] | None = None
    for o in offers:
        covered, total = ZERO, o.shipping
        for r in ctx.lines:
            ol = o.lines.get(r.id)
            if ol is None:
                continue
            q = min(r.quantity, ol.quantity)
            if ol.moq is not None and q < ol.moq:
                continue  # cannot buy this line without exceeding the requested quantity
            covered += q / r.quantity
            total += ol.price_at(q) * q
        coverage = covered / len(ctx.lines)
        key = (-coverage, total, o.quote_id, o)
        if best is None or key[:3] < best[:3]:
            best = key
    if best is None:
        return None
    return SingleSupplierAward(best[3], best[1], -best[0])


@dataclass
class _Var:
    offer: Offer
    line: OfferLine
    lo: Decimal
    hi: Decimal
    price: Decimal
    integral: bool


def suggest_split(
    offers: Sequence[Offer],
    ctx: Context,
    max_suppliers: int | None = None,
    time_limit: float = TIME_LIMIT_SECONDS,
) -> Split:
    req = {r.id: r.quantity for r in ctx.lines}
    quoted = {lid for o in offers for lid in o.lines}
    unquoted = tuple(r.id for r in ctx.lines if r.id not in quoted)
    tiers: list[_Var] = []
    for o in offers:
        for lid, ol in o.lines.items():
            if lid not in req:
                continue
            integral = _integral(req[lid], ol.quantity, ol.moq, *(b for b, _ in ol.breaks))
            for lo, hi, price in ol.tiers():
                hi = min(hi, req[lid])
                if lo <= hi and hi > 0:
                    tiers.append(_Var(o, ol, lo, hi, price, integral))
    suppliers = sorted({t.offer.quote_id for t in tiers})
    if not tiers:
        return Split((), ZERO, ZERO, dict(req), unquoted, True, best_single_supplier(offers, ctx))
    z_index = {q: 2 * len(tiers) + i for i, q in enumerate(suppliers)}
    n = 2 * len(tiers) + len(suppliers)

    lower = np.zeros(n)
    upper = np.ones(n)
    integrality = [highspy.HighsVarType.kInteger] * n
    rows_lo: list[float] = []
    rows_hi: list[float] = []
    starts: list[int] = [0]
    idx: list[int] = []
    val: list[float] = []

    def row(lo: float, hi: float, entries: list[tuple[int, float]]) -> None:
        rows_lo.append(lo)
        rows_hi.append(hi)
        for i, v in entries:
            idx.append(i)
            val.append(v)
        starts.append(len(idx))

    by_line: dict[int, list[int]] = {}
    by_offer_line: dict[int, list[int]] = {}
    for k, t in enumerate(tiers):
        x, y = 2 * k, 2 * k + 1
        upper[x] = float(t.hi)
        integrality[x] = (
            highspy.HighsVarType.kInteger if t.integral else highspy.HighsVarType.kContinuous
        )
        row(-highspy.kHighsInf, 0.0, [(x, 1.0), (y, -float(t.hi))])
        row(0.0, highspy.kHighsInf, [(x, 1.0), (y, -float(t.lo))])
        row(-highspy.kHighsInf, 0.0, [(y, 1.0), (z_index[t.offer.quote_id], -1.0)])
        by_line.setdefault(t.line.rfq_line_id, []).append(x)
        by_offer_line.setdefault(t.line.quote_line_id, []).append(y)
    for ys in by_offer_line.values():
        if len(ys) > 1:
            row(-highspy.kHighsInf, 1.0, [(y, 1.0) for y in ys])
    for lid, xs in by_line.items():
        row(-highspy.kHighsInf, float(req[lid]), [(x, 1.0) for x in xs])
    if max_suppliers is not None:
        # one offer per supplier (the one-live-quote rule), so offers count suppliers
        row(-highspy.kHighsInf, float(max_suppliers), [(z, 1.0) for z in z_index.values()])

    coverage_cost = np.zeros(n)
    for k, t in enumerate(tiers):
        coverage_cost[2 * k] = -1.0 / float(req[t.line.rfq_line_id])

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_rel_gap", 1e-9)
    h.setOptionValue("mip_abs_gap", 1e-9)
    lp = highspy.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = len(rows_lo)
    lp.col_cost_ = coverage_cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = np.array(rows_lo)
    lp.row_upper_ = np.array(rows_hi)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(idx, dtype=np.int32)
    lp.a_matrix_.value_ = np.array(val)
    lp.integrality_ = integrality
    h.passModel(lp)
    h.run()
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    best_coverage = -h.getInfo().objective_function_value

    # phase 2: keep that coverage, minimise landed cost
    cov_idx = [2 * k for k in range(len(tiers))]
    cov_val = [-float(coverage_cost[i]) for i in cov_idx]
    h.addRow(
        best_coverage - 1e-7,
        highspy.kHighsInf,
        len(cov_idx),
        np.array(cov_idx, dtype=np.int32),
        np.array(cov_val),
    )
    costs = np.zeros(n)
    for k, t in enumerate(tiers):
        costs[2 * k] = float(t.price)
    for o in offers:
        if o.quote_id in z_index:
            costs[z_index[o.quote_id]] = float(o.shipping)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), costs)
    h.run()
    optimal = optimal and h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    solution = h.getSolution().col_value

    allocations = []
    covered: dict[int, Decimal] = dict.fromkeys(req, ZERO)
    total = ZERO
    used: set[int] = set()
    for k, t in enumerate(tiers):
        value = solution[2 * k]
        if value <= 1e-6:
            continue
        q = Decimal(round(value)) if t.integral else Decimal(str(value)).quantize(_QUANT)
        if q <= 0:
            continue
        allocations.append(Allocation(t.offer, t.line, q, t.line.price_at(q)))
        covered[t.line.rfq_line_id] += q
        used.add(t.offer.quote_id)
    for a in allocations:
        total += a.cost
    total += sum((o.shipping for o in offers if o.quote_id in used), ZERO)
    coverage = sum((covered[r.id] / r.quantity for r in ctx.lines), ZERO) / len(ctx.lines)
    uncovered = {lid: req[lid] - c for lid, c in covered.items() if req[lid] - c > 0}
    allocations.sort(key=lambda a: (a.line.rfq_line_id, a.offer.quote_id))
    return Split(
        tuple(allocations),
        total,
        coverage,
        uncovered,
        unquoted,
        optimal,
        best_single_supplier(offers, ctx),
    )


__all__ = [
    "Allocation",
    "Split",
    "best_single_supplier",
    "bought_quantity",
    "line_cost",
    "suggest_split",
]
