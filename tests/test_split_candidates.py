"""The split of a large comparison, solved over the cheapest offers per line.

The thresholds are lowered to small instances here (the defaults trip at 2,000 offer
lines), so the candidate model can be checked against the full one."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal as D

import pytest

from procurement.comparison import split as split_mod
from procurement.comparison.model import Context, Offer, RequestLine
from procurement.comparison.split import Split, suggest_split
from tests.test_comparison_units import offer, ol

CTX_DAY = date(2026, 11, 20)


def _check_feasible(split: Split, offers: list[Offer], ctx: Context) -> None:
    """Every allocation within its offer line's bounds, no line above its request, the
    total what the allocations and the used suppliers' shipping cost."""
    req = {r.id: r.quantity for r in ctx.lines}
    per_line: dict[int, D] = {}
    for a in split.allocations:
        assert a.quantity > 0
        assert a.quantity <= a.line.quantity
        assert a.line.moq is None or a.quantity >= a.line.moq
        assert a.unit_price == a.line.price_at(a.quantity)
        per_line[a.line.rfq_line_id] = per_line.get(a.line.rfq_line_id, D(0)) + a.quantity
    assert all(q <= req[lid] for lid, q in per_line.items())
    used = {a.offer.quote_id for a in split.allocations}
    shipping = sum((o.shipping for o in offers if o.quote_id in used), D(0))
    assert split.total == sum((a.cost for a in split.allocations), D(0)) + shipping


def _market(seed: int, n_offers: int, n_lines: int) -> tuple[list[Offer], Context]:
    rng = random.Random(seed)
    lines = tuple(RequestLine(i + 1, i + 1, D(rng.choice([10, 20, 50]))) for i in range(n_lines))
    offers = []
    for s in range(n_offers):
        quoted = {}
        for r in lines:
            if rng.random() < 0.9:
                qty = rng.choice([5, 10, 20, 50])
                price = rng.randint(10, 40)
                moq = str(rng.choice([2, 5])) if rng.random() < 0.3 else None
                brk = (("20", str(price - 2)),) if rng.random() < 0.3 else ()
                quoted[r.id] = ol(100 * (s + 1) + r.id, r.id, str(qty), str(price), moq, brk)
        offers.append(offer(s + 1, quoted, shipping=str(rng.choice([0, 10, 40, 120]))))
    return offers, Context(lines, None, CTX_DAY)


@pytest.mark.parametrize("seed", range(12))
def test_candidate_split_is_feasible_and_never_below_the_exact_optimum(seed: int) -> None:
    offers, ctx = _market(seed, n_offers=8, n_lines=4)
    exact = suggest_split(offers, ctx, exact=True)
    assert exact.optimal and exact.candidate_limit is None
    pruned = suggest_split(offers, ctx, full_model_lines=0, candidates_per_line=2)
    assert pruned.candidate_limit == 2
    assert pruned.optimal is False  # not proven over every offer line
    _check_feasible(pruned, offers, ctx)
    _check_feasible(exact, offers, ctx)
    # the candidates cover what all offers could (the cheapest are taken until each
    # line's request is reached), so coverage comes first as in the full model
    assert pruned.coverage <= exact.coverage
    if pruned.coverage == exact.coverage:
        assert pruned.total >= exact.total


@pytest.mark.parametrize("seed", range(6))
def test_candidate_split_with_room_for_every_offer_is_the_full_model(seed: int) -> None:
    offers, ctx = _market(100 + seed, n_offers=5, n_lines=3)
    full = suggest_split(offers, ctx)
    same = suggest_split(offers, ctx, full_model_lines=0, candidates_per_line=5)
    assert same.candidate_limit is None and same.optimal
    assert (same.total, same.coverage) == (full.total, full.coverage)


def test_candidates_are_the_cheapest_usable_offers_of_each_line() -> None:
    """Line 1 wants 10.  The cheapest offer's MOQ (12) is above the request, so it can't
    be bought and is no candidate; with two candidates per line the next two cheapest
    (2 and 3 per unit, 5 each) are taken and the dearest (4) is left out."""
    ctx = Context((RequestLine(1, 1, D(10)),), None, CTX_DAY)
    offers = [
        offer(1, {1: ol(11, 1, "20", "1", moq="12")}),
        offer(2, {1: ol(21, 1, "5", "2")}),
        offer(3, {1: ol(31, 1, "5", "3")}),
        offer(4, {1: ol(41, 1, "10", "4")}),
    ]
    split = suggest_split(offers, ctx, full_model_lines=0, candidates_per_line=2)
    assert split.candidate_limit == 2
    assert sorted((a.line.quote_line_id, a.quantity) for a in split.allocations) == [
        (21, D(5)),
        (31, D(5)),
    ]
    assert split.total == D(25) and split.coverage == 1


def test_candidates_extend_until_the_request_is_covered() -> None:
    """One candidate per line would cover 4 of 10: more are taken, cheapest first."""
    ctx = Context((RequestLine(1, 1, D(10)),), None, CTX_DAY)
    offers = [
        offer(1, {1: ol(11, 1, "4", "1")}),
        offer(2, {1: ol(21, 1, "4", "2")}),
        offer(3, {1: ol(31, 1, "4", "3")}),
        offer(4, {1: ol(41, 1, "4", "9")}),
    ]
    split = suggest_split(offers, ctx, full_model_lines=0, candidates_per_line=1)
    assert split.candidate_limit == 1 and split.coverage == 1
    assert sorted((a.line.quote_line_id, a.quantity) for a in split.allocations) == [
        (11, D(4)),
        (21, D(4)),
        (31, D(2)),
    ]


def test_second_round_lets_a_chosen_supplier_take_over_and_save_shipping() -> None:
    """Bolts are cheapest at A and nuts at B, so with one candidate per line the first
    round buys bolts from A and nuts from B: 400 + 200 + 50 + 500.  Both suppliers are
    then chosen, and the second round sees all their lines: A's nuts at 2.1 let B's
    shipping (500) go, for 400 + 210 + 50, the exact optimum."""
    ctx = Context((RequestLine(1, 1, D(100)), RequestLine(2, 2, D(100))), None, CTX_DAY)
    a = offer(1, {1: ol(11, 1, "100", "4"), 2: ol(12, 2, "100", "2.1")}, shipping="50")
    b = offer(2, {1: ol(21, 1, "100", "5"), 2: ol(22, 2, "100", "2")}, shipping="500")
    first_round = split_mod.prepare_split([a, b], ctx, full_model_lines=0, candidates_per_line=1)
    assert sorted(t.line.quote_line_id for t in first_round.tiers) == [11, 22]
    pruned = first_round.solve()
    assert pruned.total == D(400) + D(210) + D(50)
    assert [(x.line.quote_line_id, x.quantity) for x in pruned.allocations] == [
        (11, D(100)),
        (12, D(100)),
    ]
    assert not pruned.optimal and pruned.candidate_limit == 1  # found, not proven
    exact = suggest_split([a, b], ctx, exact=True)
    assert exact.total == pruned.total and exact.optimal and exact.candidate_limit is None


def test_a_supplier_no_round_chose_can_make_the_candidate_split_dearer() -> None:
    """Why a candidate split says optimal = False: A (bolts only) and B (nuts only) are
    each line's cheapest, but their shipping (40 each) makes C, dearer on both lines and
    in no round's candidates, the cheapest alone: 15 + 15 + 10 = 40 against 100."""
    ctx = Context((RequestLine(1, 1, D(10)), RequestLine(2, 2, D(10))), None, CTX_DAY)
    a = offer(1, {1: ol(11, 1, "10", "1")}, shipping="40")
    b = offer(2, {2: ol(22, 2, "10", "1")}, shipping="40")
    c = offer(3, {1: ol(31, 1, "10", "1.5"), 2: ol(32, 2, "10", "1.5")}, shipping="10")
    pruned = suggest_split([a, b, c], ctx, full_model_lines=0, candidates_per_line=1)
    assert pruned.total == D(100) and not pruned.optimal and pruned.candidate_limit == 1
    exact = suggest_split([a, b, c], ctx, full_model_lines=0, candidates_per_line=1, exact=True)
    assert exact.total == D(40) and exact.optimal and exact.candidate_limit is None
    assert {x.offer.quote_id for x in exact.allocations} == {3}


def test_max_suppliers_always_solves_every_offer_line() -> None:
    """Few suppliers must each cover much: the cheapest offers per line are the wrong
    candidates, so with maxSuppliers nothing is left out."""
    offers, ctx = _market(7, n_offers=6, n_lines=3)
    split = suggest_split(offers, ctx, 2, full_model_lines=0, candidates_per_line=1)
    assert split.candidate_limit is None and split.optimal
    assert len(split.suppliers) <= 2


def test_module_thresholds_are_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    offers, ctx = _market(3, n_offers=4, n_lines=2)
    monkeypatch.setattr(split_mod, "FULL_MODEL_LINES", 0)
    monkeypatch.setattr(split_mod, "CANDIDATES_PER_LINE", 1)
    assert suggest_split(offers, ctx).candidate_limit == 1
