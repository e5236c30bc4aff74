"""The split award as a mixed-integer programme for HiGHS (``highspy``).

One variable per (offer line, price band) (``Tier``): bought not at all or between its
MOQ and its offered quantity, at the band's price (all-units discounts, one band per
offer line); one binary per supplier whose shipping is paid once; no RFQ line above
its requested quantity; at most ``max_suppliers`` suppliers.  ``split.py`` decides
which offer lines enter the model (all, or the candidate rounds) and turns a solution
into a ``Split``; this module only builds and solves.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import highspy
import numpy as np

from procurement.comparison.model import Offer, OfferLine


@dataclass
class Tier:
    offer: Offer
    line: OfferLine
    lo: Decimal
    hi: Decimal
    price: Decimal
    integral: bool
    x: int = -1
    y: int = -1  # the band's binary, when it has one


class SplitModel:
    """The MILP in HiGHS's row-wise form.

    Per price band of an offer line: a quantity ``x``.  An offer line with one band and
    no MOQ links ``x <= hi * z`` to its supplier's "used" binary ``z`` directly; otherwise
    each band has a binary ``y`` (``lo*y <= x <= hi*y``, ``y <= z``, at most one band per
    line).  Per RFQ line: the sum of ``x`` within [floor, requested].
    """

    def __init__(
        self,
        tiers: list[Tier],
        req: dict[int, Decimal],
        max_suppliers: int | None,
        presolve: bool = False,
    ) -> None:
        self.tiers = tiers
        self.presolve = presolve
        self.req = req
        suppliers = sorted({t.offer.quote_id for t in tiers})
        n = 0
        self.z = {}
        for q in suppliers:
            self.z[q] = n
            n += 1
        cols_int: list[bool] = [True] * len(suppliers)
        upper: list[float] = [1.0] * len(suppliers)
        rows_lo: list[float] = []
        rows_hi: list[float] = []
        starts: list[int] = [0]
        idx: list[int] = []
        val: list[float] = []

        def col(ub: float, integer: bool) -> int:
            nonlocal n
            upper.append(ub)
            cols_int.append(integer)
            n += 1
            return n - 1

        def row(lo: float, hi: float, entries: list[tuple[int, float]]) -> None:
            rows_lo.append(lo)
            rows_hi.append(hi)
            for i, v in entries:
                idx.append(i)
                val.append(v)
            starts.append(len(idx))

        inf = highspy.kHighsInf
        bands: dict[int, list[Tier]] = {}
        for t in tiers:
            bands.setdefault(t.line.quote_line_id, []).append(t)
        self.by_line: dict[int, list[int]] = {}
        for group in bands.values():
            z = self.z[group[0].offer.quote_id]
            simple = len(group) == 1 and group[0].lo == 0
            ys = []
            for t in group:
                # x is continuous even for whole-number lines: with the binaries fixed the
                # rest is an interval-bounded transportation problem whose vertices are
                # integral when its bounds are, and the simplex returns vertices
                t.x = col(float(t.hi), False)
                self.by_line.setdefault(t.line.rfq_line_id, []).append(t.x)
                if simple:
                    row(-inf, 0.0, [(t.x, 1.0), (z, -float(t.hi))])
                    continue
                y = t.y = col(1.0, True)
                ys.append(y)
                row(-inf, 0.0, [(t.x, 1.0), (y, -float(t.hi))])
                if t.lo > 0:
                    row(0.0, inf, [(t.x, 1.0), (y, -float(t.lo))])
                row(-inf, 0.0, [(y, 1.0), (z, -1.0)])
            if len(ys) > 1:
                row(-inf, 1.0, [(y, 1.0) for y in ys])
        self.line_rows: dict[int, int] = {}
        for lid, xs in self.by_line.items():
            self.line_rows[lid] = len(rows_lo)
            row(0.0, float(req[lid]), [(x, 1.0) for x in xs])
        if max_suppliers is not None:
            # one live quote per supplier, so counting offers counts suppliers
            row(-inf, float(max_suppliers), [(z, 1.0) for z in self.z.values()])
        self.n = n
        self.cost = np.zeros(n)
        for t in tiers:
            self.cost[t.x] = float(t.price)
        for t in tiers:
            self.cost[self.z[t.offer.quote_id]] = float(t.offer.shipping)
        self.coverage = np.zeros(n)
        for t in tiers:
            self.coverage[t.x] = -1.0 / float(req[t.line.rfq_line_id])
        self.upper = np.array(upper)
        self.integrality = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
            for i in cols_int
        ]
        self.rows_lo = np.array(rows_lo)
        self.rows_hi = np.array(rows_hi)
        self.starts = np.array(starts, dtype=np.int32)
        self.idx = np.array(idx, dtype=np.int32)
        self.val = np.array(val)

    def solve(
        self,
        objective: np.ndarray,
        time_limit: float,
        line_floor: dict[int, float] | None = None,
        min_coverage: float | None = None,
        start: np.ndarray | None = None,
    ) -> tuple[bool, float, np.ndarray | None]:
        """(proven optimal, objective, solution); no solution when infeasible (proven
        optimal then) or when the time bound came first (not proven)."""
        rows_lo = self.rows_lo.copy()
        for lid, floor in (line_floor or {}).items():
            rows_lo[self.line_rows[lid]] = floor
        # highspy's Highs.__init__ lacks its `-> None`, so mypy calls it untyped
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", float(time_limit))
        h.setOptionValue("mip_rel_gap", 1e-9)
        h.setOptionValue("mip_abs_gap", 1e-9)
        # measured: presolve costs more than it saves on full models (0.9 s of 2.4 s on
        # 200 quotes x 50 lines; 148 vs 71 ms on 40 quotes), but saves a quarter on the
        # candidate model, where many suppliers keep only a line or two
        h.setOptionValue("presolve", "on" if self.presolve else "off")
        h.setOptionValue("mip_heuristic_effort", 0.01)
        # these two heuristics found nothing the sub-MIP did not, and took half the time
        # of the 200-quote candidate model (110 -> 55 ms) and of a 40-quote full one
        h.setOptionValue("mip_heuristic_run_root_reduced_cost", False)
        h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
        lp = highspy.HighsLp()
        lp.num_col_ = self.n
        lp.num_row_ = len(rows_lo)
        lp.col_cost_ = objective
        lp.col_lower_ = np.zeros(self.n)
        lp.col_upper_ = self.upper
        lp.row_lower_ = rows_lo
        lp.row_upper_ = self.rows_hi
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = self.starts
        lp.a_matrix_.index_ = self.idx
        lp.a_matrix_.value_ = self.val
        lp.integrality_ = self.integrality
        h.passModel(lp)
        if min_coverage is not None:
            xs = np.array([t.x for t in self.tiers], dtype=np.int32)
            h.addRow(min_coverage, highspy.kHighsInf, len(xs), xs, -self.coverage[xs])
        if start is not None:
            given = highspy.HighsSolution()
            given.col_value = start.tolist()
            given.value_valid = True
            h.setSolution(given)
        h.run()
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return True, 0.0, None
        if h.getInfo().primal_solution_status != highspy.SolutionStatus.kSolutionStatusFeasible:
            return False, 0.0, None  # the time bound came before any feasible allocation
        solution = np.array(h.getSolution().col_value)
        return (
            status == highspy.HighsModelStatus.kOptimal,
            h.getInfo().objective_function_value,
            solution,
        )
