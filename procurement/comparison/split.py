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
``optimal = False``.  The programme itself is built in ``split_model.py``; this module
chooses what enters it and reads the answer.

Large comparisons (more than ``FULL_MODEL_LINES`` offer lines) are solved in two rounds
over candidates.  First, per RFQ line, the ``CANDIDATES_PER_LINE`` offers with the
lowest unit price at the quantity they could supply (more if that is needed to cover the
line).  Then the suppliers that round chose, with every line they quote: their shipping
is paid, so one may take over another's lines and save that one's shipping.  With
``max_suppliers`` set nothing is left out: few suppliers must each cover much, and the
cheapest offers per line are the wrong candidates for that.

Measured (``bench/split_quality.py``: 15 random RFQs of 200 quotes x 50 lines, light to
heavy shipping): the full model takes HiGHS 0.3 to 2 s to prove (median 0.7 s); the two
rounds take 0.1 to 0.5 s (median 0.18 s) and came within 0.5% of the optimum (median
0%, and equal to it on ``bench/comparison.py``).  The first round alone was up to 6%
dearer where shipping is heavy.  A split
over candidates is reported with ``optimal = False`` (not proven over all offers) and
with ``candidate_limit`` set; ``exact=True`` solves the full model with a longer bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ParamSpec

import numpy as np

from procurement.comparison.model import Context, Offer, OfferLine
from procurement.comparison.ranking import ZERO, Facts, line_facts
from procurement.comparison.split_model import SplitModel, Tier

TIME_LIMIT_SECONDS = 2.0


#: the bound when the caller asks for the exact split of a large comparison
EXACT_TIME_LIMIT_SECONDS = 10.0


#: up to this many offer lines the whole model is solved (under 0.25 s on 2 cores)
FULL_MODEL_LINES = 2000


#: beyond it, the cheapest offers per RFQ line that are candidates
CANDIDATES_PER_LINE = 15


_QUANT = Decimal("0.0001")


P = ParamSpec("P")


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
    #: None when every offer line was considered; else the candidates kept per line
    candidate_limit: int | None = None

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


def best_single_supplier(
    offers: Sequence[Offer], ctx: Context, facts: Facts | None = None
) -> SingleSupplierAward | None:
    """The whole award to one supplier: most coverage, then least landed cost.  A line
    whose MOQ exceeds the requested quantity cannot be bought.  The ranking's line facts,
    when given, already hold each line's quantity, cost and coverage."""
    facts = facts if facts is not None else line_facts(offers, ctx)
    req = {r.id: r.quantity for r in ctx.lines}
    best: tuple[Decimal, Decimal, int, Offer] | None = None
    for o in offers:
        covered, total = ZERO, o.shipping
        for lid, f in facts[o.quote_id].items():
            if f.quantity > f.line.quantity or f.quantity > req[lid]:
                continue  # raised to its MOQ: more than offered or requested
            covered += f.coverage
            total += f.cost
        coverage = covered / len(ctx.lines)
        key = (-coverage, total, o.quote_id, o)
        if best is None or key[:3] < best[:3]:
            best = key
    if best is None:
        return None
    return SingleSupplierAward(best[3], best[1], -best[0])


_Pair = tuple[Offer, OfferLine]


def _most(ol: OfferLine, req: dict[int, Decimal]) -> Decimal:
    """The most of its RFQ line's request this offer line can supply."""
    r = req[ol.rfq_line_id]
    return ol.quantity if ol.quantity < r else r


def _usable_price(ol: OfferLine, req: dict[int, Decimal]) -> Decimal | None:
    """The unit price at the most it can supply; None when its MOQ is above that, so no
    band of it can be bought."""
    most = _most(ol, req)
    return ol.price_at(most) if ol.moq is None or ol.moq <= most else None


def _candidates(
    pairs: list[_Pair], req: dict[int, Decimal], per_line: int, facts: Facts | None
) -> list[_Pair]:
    """The offer lines a large split is solved over (see the module's docstring): per RFQ
    line the cheapest usable ones, so every line some offer can supply keeps one.  The
    ranking's line facts, when given, already hold the prices."""
    by_line: dict[int, list[tuple[Decimal, int, _Pair]]] = {}
    for o, ol in pairs:
        if facts is not None:  # a usable line is bought at the most it can supply
            fact = facts[o.quote_id][ol.rfq_line_id]
            price = fact.unit_price if _most(ol, req) >= fact.quantity else None
        else:
            price = _usable_price(ol, req)
        if price is not None:
            by_line.setdefault(ol.rfq_line_id, []).append((price, o.quote_id, (o, ol)))
    keep: list[_Pair] = []
    for lid, entries in by_line.items():
        entries.sort(key=lambda e: (e[0], e[1]))
        covered = ZERO
        for i, (_, _, pair) in enumerate(entries):
            if i >= per_line and covered >= req[lid]:
                break
            keep.append(pair)
            covered += min(pair[1].quantity, req[lid])
    return keep


def _tiers(pairs: Sequence[_Pair], req: dict[int, Decimal]) -> list[Tier]:
    """The usable price bands of the offer lines, capped at the requested quantities."""
    tiers: list[Tier] = []
    for o, ol in pairs:
        r = req[ol.rfq_line_id]
        integral = _integral(r, ol.quantity, ol.moq, *(b for b, _ in ol.breaks))
        for lo, hi, price in ol.tiers():
            hi = min(hi, r)
            if lo <= hi and hi > 0:
                tiers.append(Tier(o, ol, lo, hi, price, integral))
    return tiers


def _may_close(
    bought: list[tuple[Tier, float]], pairs: list[_Pair], req: dict[int, Decimal]
) -> bool:
    """Whether some chosen supplier's shipping exceeds the least it would cost to buy its
    quantities from the other chosen suppliers instead (their lowest prices, capacity
    and MOQ aside: a bound).  If none does, no chosen supplier can be dropped, and a
    line outside the cheapest (dearer than every candidate) cannot pay on its own."""
    lowest: dict[int, list[tuple[float, int]]] = {}  # per RFQ line: (price, quote id)
    for o, ol in pairs:
        price = _usable_price(ol, req)
        if price is not None:
            lowest.setdefault(ol.rfq_line_id, []).append((float(price), o.quote_id))
    extra: dict[int, float] = {}
    shipping: dict[int, float] = {}
    for t, q in bought:
        qid = t.offer.quote_id
        shipping[qid] = float(t.offer.shipping)
        others = [p for p, other in lowest.get(t.line.rfq_line_id, []) if other != qid]
        if not others:
            extra[qid] = float("inf")
            continue
        extra[qid] = extra.get(qid, 0.0) + q * max(0.0, min(others) - float(t.price))
    return any(shipping[qid] > cost + 1e-6 for qid, cost in extra.items())


def _worse(
    model: SplitModel, solution: np.ndarray, other: SplitModel, other_solution: np.ndarray
) -> bool:
    """Whether ``solution`` covers less than ``other_solution`` or, covering as much,
    costs more (both in the target currency; shares and amounts, so 1e-6 is noise)."""
    covered = -float(model.coverage @ solution)
    other_covered = -float(other.coverage @ other_solution)
    if abs(covered - other_covered) > 1e-6:
        return covered < other_covered
    return float(model.cost @ solution) > float(other.cost @ other_solution) + 1e-6


@dataclass
class PreparedSplit:
    """The model built, not yet solved: ``prepare_split`` runs where the offers are
    (holding the GIL), ``solve`` is mostly HiGHS, which releases it, so a caller can run
    it in a worker thread alongside other work."""

    offers: Sequence[Offer]
    ctx: Context
    req: dict[int, Decimal]
    unquoted: tuple[int, ...]
    tiers: list[Tier]
    model: SplitModel | None
    ceiling: dict[int, float]
    time_limit: float
    candidate_limit: int | None
    #: the ranking's line facts, when the caller has them
    facts: Facts | None = None

    def solve(self) -> Split:
        deadline = time.monotonic() + self.time_limit
        tiers, solution, optimal = self.tiers, np.zeros(0), True
        if self.model is not None:
            solution, optimal = self._run(self.model, deadline)
            if self.candidate_limit is not None:
                tiers, solution, optimal = self._widen(solution, deadline)
        return self._split(tiers, solution, optimal)

    def _widen(self, solution: np.ndarray, deadline: float) -> tuple[list[Tier], np.ndarray, bool]:
        """The second round of a candidate split: the suppliers the first round chose,
        with every line they quote.  Their shipping is paid, so one of them may take over
        another's lines at a price outside the cheapest and save that one's shipping (on
        random RFQs with heavy shipping the first round alone was up to 6% dearer than
        the optimum; after this round, within 0.5%).  It starts from the first round's
        allocation, so it can only improve on it, and it is skipped when no chosen
        supplier's shipping exceeds what moving its lines elsewhere would cost at least.
        """
        bought = [(t, solution[t.x]) for t in self.tiers if solution[t.x] > 1e-6]
        chosen = {t.offer.quote_id: t.offer for t, _ in bought}
        pairs = [(o, ol) for o in chosen.values() for ol in o.lines.values()]
        pairs = [(o, ol) for o, ol in pairs if ol.rfq_line_id in self.req]
        have = {t.line.quote_line_id for t in self.tiers}
        if all(ol.quote_line_id in have for _, ol in pairs) or not _may_close(
            bought, pairs, self.req
        ):
            return self.tiers, solution, False
        tiers = _tiers(pairs, self.req)
        model = SplitModel(tiers, self.req, None)
        first = {(t.line.quote_line_id, t.lo): value for t, value in bought}
        start = np.zeros(model.n)
        for t in tiers:
            value = first.get((t.line.quote_line_id, t.lo), 0.0)
            if value > 0:
                start[t.x] = value
                if t.y >= 0:
                    start[t.y] = 1.0
                start[model.z[t.offer.quote_id]] = 1.0
        ceiling = {lid: self.ceiling[lid] for lid in model.by_line}
        widened, optimal = self._run(model, deadline, ceiling, start)
        assert self.model is not None
        if _worse(model, widened, self.model, solution):  # the time bound cut it short
            return self.tiers, solution, False
        return tiers, widened, optimal

    def _run(
        self,
        model: SplitModel,
        deadline: float,
        ceiling: dict[int, float] | None = None,
        start: np.ndarray | None = None,
    ) -> tuple[np.ndarray, bool]:
        def remaining() -> float:
            return max(deadline - time.monotonic(), 0.01)

        # Coverage can never beat every line getting min(requested, all offered).  Try
        # that first, cheapest: usually it is reachable and one solve settles it.
        # Otherwise find the best coverage (phase 1), then the cheapest allocation at it
        # (phase 2).
        floor = self.ceiling if ceiling is None else ceiling
        optimal, _, solution = model.solve(model.cost, remaining(), floor, start=start)
        if solution is None:
            ok1, best, cover = model.solve(model.coverage, remaining(), start=start)
            ok2, _, solution = model.solve(
                model.cost, remaining(), min_coverage=-best - 1e-7, start=start
            )
            if solution is None:  # out of time: the best coverage found is still an answer
                ok2, solution = False, cover if cover is not None else np.zeros(model.n)
            optimal = ok1 and ok2
        return solution, optimal

    def _split(self, tiers: list[Tier], solution: np.ndarray, optimal: bool) -> Split:
        req, ctx = self.req, self.ctx
        allocations = []
        covered: dict[int, Decimal] = dict.fromkeys(req, ZERO)
        used: set[int] = set()
        for t in tiers:
            value = solution[t.x]
            if value <= 1e-6:
                continue
            q = Decimal(round(value)) if t.integral else Decimal(str(value)).quantize(_QUANT)
            if q <= 0:
                continue
            allocations.append(Allocation(t.offer, t.line, q, t.line.price_at(q)))
            covered[t.line.rfq_line_id] += q
            used.add(t.offer.quote_id)
        total = sum((a.cost for a in allocations), ZERO)
        total += sum((o.shipping for o in self.offers if o.quote_id in used), ZERO)
        coverage = sum((covered[r.id] / r.quantity for r in ctx.lines), ZERO) / len(ctx.lines)
        uncovered = {lid: req[lid] - c for lid, c in covered.items() if req[lid] - c > 0}
        allocations.sort(key=lambda a: (a.line.rfq_line_id, a.offer.quote_id))
        return Split(
            tuple(allocations),
            total,
            coverage,
            uncovered,
            self.unquoted,
            optimal and self.candidate_limit is None,
            best_single_supplier(self.offers, ctx, self.facts),
            self.candidate_limit,
        )


def prepare_split(
    offers: Sequence[Offer],
    ctx: Context,
    max_suppliers: int | None = None,
    time_limit: float | None = None,
    *,
    exact: bool = False,
    full_model_lines: int | None = None,
    candidates_per_line: int | None = None,
    facts: Facts | None = None,
) -> PreparedSplit:
    """Choose the offer lines (all, or candidates) and build the MILP; ``exact`` always
    takes every offer line, with the longer default time bound."""
    full_model_lines = FULL_MODEL_LINES if full_model_lines is None else full_model_lines
    per_line = CANDIDATES_PER_LINE if candidates_per_line is None else candidates_per_line
    if time_limit is None:
        time_limit = EXACT_TIME_LIMIT_SECONDS if exact else TIME_LIMIT_SECONDS
    req = {r.id: r.quantity for r in ctx.lines}
    pairs = [(o, ol) for o in offers for lid, ol in o.lines.items() if lid in req]
    quoted = {ol.rfq_line_id for _, ol in pairs}
    unquoted = tuple(r.id for r in ctx.lines if r.id not in quoted)
    offered: dict[int, Decimal] = {}
    for _, ol in pairs:
        offered[ol.rfq_line_id] = offered.get(ol.rfq_line_id, ZERO) + ol.quantity
    candidate_limit = None
    if not exact and max_suppliers is None and len(pairs) > full_model_lines:
        kept = _candidates(pairs, req, per_line, facts)
        if len(kept) < len(pairs):
            pairs, candidate_limit = kept, per_line
    tiers = _tiers(pairs, req)
    model = None
    ceiling: dict[int, float] = {}
    if tiers:
        model = SplitModel(tiers, req, max_suppliers, presolve=candidate_limit is not None)
        ceiling = {lid: float(min(req[lid], offered[lid])) for lid in model.by_line}
    return PreparedSplit(
        offers, ctx, req, unquoted, tiers, model, ceiling, time_limit, candidate_limit, facts
    )


def _solved(prepare: Callable[P, PreparedSplit]) -> Callable[P, Split]:
    def solve(*args: P.args, **kwargs: P.kwargs) -> Split:
        return prepare(*args, **kwargs).solve()

    solve.__name__ = "suggest_split"
    solve.__doc__ = "The cheapest split, prepared and solved here (see the module's docstring)."
    return solve


suggest_split = _solved(prepare_split)


__all__ = [
    "Allocation",
    "PreparedSplit",
    "Split",
    "best_single_supplier",
    "prepare_split",
    "suggest_split",
]
