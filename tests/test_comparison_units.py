"""Ranking, normalisation, price-break costing, FX conversion and the split's
optimality (against brute force on small random instances)."""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pytest

from procurement.comparison.model import Context, Offer, OfferLine, RequestLine, Weights
from procurement.comparison.ranking import (
    bought_quantity,
    landed_cost,
    line_cost,
    line_facts,
    rank_lines,
    rank_offers,
)
from procurement.comparison.split import best_single_supplier, suggest_split
from procurement.errors import DomainError, ErrorCode
from procurement.money.fx import FxTable
from procurement.money.models import FxRate

T0 = datetime(2026, 11, 1, 9, 0)
EQUAL = Weights(D(1), D(1), D(1), D(1))


def offer(
    qid: int,
    lines: dict[int, OfferLine],
    *,
    lead: int = 10,
    shipping: str = "0",
    score: str = "0.5",
    submitted: int = 0,
) -> Offer:
    return Offer(
        quote_id=qid,
        supplier_id=qid * 10,
        submitted_at=T0 + timedelta(minutes=submitted),
        lead_time_days=lead,
        shipping=D(shipping),
        supplier_score=D(score),
        lines=lines,
    )


def ol(
    qlid: int,
    rfq_line: int,
    qty: str,
    price: str,
    moq: str | None = None,
    breaks: tuple[tuple[str, str], ...] = (),
) -> OfferLine:
    return OfferLine(
        quote_line_id=qlid,
        rfq_line_id=rfq_line,
        quantity=D(qty),
        unit_price=D(price),
        moq=D(moq) if moq else None,
        breaks=tuple((D(a), D(b)) for a, b in breaks),
    )


# --- price breaks and landed cost -----------------------------------------------------


def test_price_break_applies_from_its_minimum_quantity() -> None:
    line = ol(1, 1, "1000", "2.00", breaks=(("100", "1.80"), ("500", "1.50")))
    assert [line.price_at(D(q)) for q in ("1", "99", "100", "499", "500", "1000")] == [
        D("2.00"),
        D("2.00"),
        D("1.80"),
        D("1.80"),
        D("1.50"),
        D("1.50"),
    ]


def test_bought_quantity_caps_by_offer_and_raises_to_moq() -> None:
    assert bought_quantity(ol(1, 1, "60", "1"), D(100)) == D(60)
    assert bought_quantity(ol(1, 1, "500", "1", moq="200"), D(100)) == D(200)
    # the MOQ pushes the quantity into a cheaper break
    assert line_cost(ol(1, 1, "500", "1", moq="200", breaks=(("200", "0.9"),)), D(100)) == D(180)


def test_landed_cost_adds_shipping_once() -> None:
    lines = (RequestLine(1, 1, D(100)), RequestLine(2, 2, D(10)))
    o = offer(
        1,
        {1: ol(1, 1, "100", "2", breaks=(("100", "1.5"),)), 2: ol(2, 2, "10", "3")},
        shipping="25",
    )
    assert landed_cost(o, lines) == D(150) + D(30) + D(25)


@pytest.mark.parametrize("seed", range(20))
def test_line_facts_agree_with_the_reference_costing(seed: int) -> None:
    """``line_facts`` inlines ``bought_quantity`` and ``price_at`` for speed: on random
    offers (price breaks, MOQs below and above the request, partial quantities) it must
    buy, price and cost every line exactly as ``bought_quantity``/``line_cost`` do, and
    add up to ``landed_cost``."""
    rng = random.Random(seed)
    lines = tuple(
        RequestLine(i + 1, i + 1, D(rng.randint(1, 200)) / rng.choice([1, 1, 4]))
        for i in range(rng.randint(1, 5))
    )
    ctx = Context(lines, None, date(2026, 11, 20))
    offers = []
    for s in range(rng.randint(1, 6)):
        quoted = {}
        for r in lines:
            if rng.random() < 0.25:
                continue  # not quoted
            qty = r.quantity * rng.choice([D("0.25"), D("0.5"), D(1), D(1), D(2)])
            moq = rng.choice([None, r.quantity / 2, r.quantity, r.quantity * 3])
            price = D(rng.randint(100, 2000)) / 100
            n_breaks = rng.randint(0, 3)
            mins = sorted(rng.sample(range(1, 400), n_breaks))
            breaks = tuple(
                (D(m), (price * (1 - D(i + 1) / 10)).quantize(D("0.01")))
                for i, m in enumerate(mins)
            )
            quoted[r.id] = OfferLine(100 * (s + 1) + r.id, r.id, qty, price, moq, breaks)
        offers.append(offer(s + 1, quoted, shipping=str(rng.choice([0, 5, 12.5]))))
    facts = line_facts(offers, ctx)
    for o in offers:
        per = facts[o.quote_id]
        assert set(per) == {r.id for r in lines if r.id in o.lines}
        for r in lines:
            if r.id not in per:
                continue
            f, ref = per[r.id], o.lines[r.id]
            q = bought_quantity(ref, r.quantity)
            assert f.line is ref
            assert f.quantity == q
            assert f.unit_price == ref.price_at(q)
            assert f.cost == line_cost(ref, r.quantity)
            assert f.coverage == min(D(1), ref.quantity / r.quantity)
        assert o.shipping + sum((f.cost for f in per.values()), D(0)) == landed_cost(o, lines)


# --- ranking --------------------------------------------------------------------------


def test_ranking_breakdown_and_normalisation() -> None:
    ctx = Context(
        (RequestLine(1, 1, D(100)), RequestLine(2, 2, D(100))),
        date(2026, 12, 1),
        date(2026, 11, 20),
    )
    cheap = offer(1, {1: ol(1, 1, "100", "1"), 2: ol(2, 2, "100", "1")}, lead=30, score="0.4")
    fast = offer(2, {1: ol(3, 1, "100", "2"), 2: ol(4, 2, "100", "2")}, lead=5, score="0.8")
    half = offer(3, {1: ol(5, 1, "100", "1.5")}, lead=10, score="0.6")
    ranked = rank_offers([cheap, fast, half], ctx, EQUAL)
    by_id = {r.offer.quote_id: r for r in ranked}
    # price criterion: landed cost per full coverage: 200, 400, 150/0.5 = 300
    assert [c.raw for c in by_id[3].criteria][:1] == [D("300.000000")]
    assert by_id[1].criteria[0].normalised == D(1) and by_id[2].criteria[0].normalised == D(0)
    assert by_id[3].criteria[0].normalised == D("0.5")
    assert by_id[2].criteria[1].normalised == D(1) and by_id[1].criteria[1].normalised == D(0)
    assert by_id[3].coverage == D("0.5") and by_id[3].line_coverage == {1: D(1), 2: D(0)}
    for r in ranked:
        assert sum(c.weight for c in r.criteria) == D(1)
        assert r.score == sum(c.contribution for c in r.criteria)
        assert D(0) <= r.score <= D(1)
    assert by_id[1].meets_need_by is False and by_id[2].meets_need_by is True
    assert [r.rank for r in ranked] == [1, 2, 3]
    assert ranked[0].score >= ranked[1].score >= ranked[2].score


def test_ties_break_on_landed_cost_then_submission_then_id() -> None:
    ctx = Context((RequestLine(1, 1, D(10)),), None, date(2026, 11, 20))
    a = offer(5, {1: ol(1, 1, "10", "1")}, submitted=2)
    b = offer(4, {1: ol(2, 1, "10", "1")}, submitted=1)
    c = offer(3, {1: ol(3, 1, "10", "1")}, submitted=1)
    ranked = rank_offers([a, b, c], ctx, Weights(D(0), D(0), D(1), D(0)))
    assert [r.offer.quote_id for r in ranked] == [3, 4, 5]
    assert ranked[0].meets_need_by is None


def test_weights_change_the_winner() -> None:
    ctx = Context((RequestLine(1, 1, D(10)),), None, date(2026, 11, 20))
    cheap = offer(1, {1: ol(1, 1, "10", "1")}, lead=30)
    fast = offer(2, {1: ol(2, 1, "10", "5")}, lead=2)
    assert rank_offers([cheap, fast], ctx, Weights(D(1), D(0), D(0), D(0)))[0].offer is cheap
    assert rank_offers([cheap, fast], ctx, Weights(D(0), D(1), D(0), D(0)))[0].offer is fast


def test_line_ranking_by_unit_landed_cost_with_shipping_share() -> None:
    ctx = Context((RequestLine(1, 1, D(100)),), None, date(2026, 11, 20))
    a = offer(1, {1: ol(1, 1, "100", "1.00")}, shipping="50")  # 1.50 landed
    b = offer(2, {1: ol(2, 1, "100", "1.20")}, shipping="0")  # 1.20 landed
    ranked = rank_lines([a, b], ctx)[1]
    assert [(x.offer.quote_id, x.unit_landed_cost) for x in ranked] == [
        (2, D("1.200000")),
        (1, D("1.500000")),
    ]


# --- FX -------------------------------------------------------------------------------


def _rate(base: str, quote: str, rate: str, day: int) -> FxRate:
    return FxRate(base=base, quote=quote, rate=D(rate), as_of=date(2026, 11, day))


def test_fx_direct_inverse_cross_and_latest() -> None:
    table = FxTable(
        [
            _rate("USD", "EUR", "0.90", 1),
            _rate("USD", "EUR", "0.92", 10),
            _rate("USD", "CNY", "7.20", 10),
        ],
        date(2026, 11, 20),
    )
    assert table.conversion("USD", "EUR").rate == D("0.92")
    assert table.conversion("EUR", "USD").rate == (D(1) / D("0.92")).quantize(D("1e-10"))
    cross = table.conversion("CNY", "EUR")
    assert cross.rate == (D(1) / D("7.20") * D("0.92")).quantize(D("1e-10"))
    assert [(r.base, r.quote, r.as_of) for r in cross.legs] == [
        ("USD", "CNY", date(2026, 11, 10)),
        ("USD", "EUR", date(2026, 11, 10)),
    ]
    assert table.conversion("EUR", "EUR").rate == D(1)


def test_fx_missing_rate_names_the_pair() -> None:
    table = FxTable([_rate("USD", "EUR", "0.92", 10)], date(2026, 11, 20))
    with pytest.raises(DomainError) as exc:
        table.conversion("GBP", "EUR")
    assert exc.value.code is ErrorCode.FX_RATE_MISSING
    assert "GBP->EUR" in str(exc.value) and "2026-11-20" in str(exc.value)


# --- the split ------------------------------------------------------------------------


def test_split_beats_single_supplier_and_respects_moq() -> None:
    lines = (RequestLine(1, 1, D(100)), RequestLine(2, 2, D(50)))
    ctx = Context(lines, None, date(2026, 11, 20))
    o1 = offer(1, {1: ol(11, 1, "100", "2"), 2: ol(12, 2, "50", "5")}, shipping="20")
    o2 = offer(
        2, {1: ol(21, 1, "60", "1.5", moq="30"), 2: ol(22, 2, "50", "6", breaks=(("40", "4"),))}
    )
    split = suggest_split([o1, o2], ctx)
    got = sorted((a.line.quote_line_id, a.quantity) for a in split.allocations)
    assert got == [(11, D(40)), (21, D(60)), (22, D(50))]
    assert split.total == D(390) and split.optimal and split.coverage == D(1)
    assert split.best_single is not None and split.best_single.total == D(470)
    assert split.saving == D(80)
    single = suggest_split([o1, o2], ctx, max_suppliers=1)
    assert len(single.suppliers) == 1 and single.total == D(470)


def test_split_reports_uncoverable_lines() -> None:
    lines = (RequestLine(1, 1, D(100)), RequestLine(2, 2, D(10)))
    ctx = Context(lines, None, date(2026, 11, 20))
    split = suggest_split([offer(1, {1: ol(11, 1, "80", "1")})], ctx)
    assert split.unquoted_lines == (2,)
    assert split.uncovered == {1: D(20), 2: D(10)}


def _brute_force(offers: list[Offer], ctx: Context, k: int | None) -> tuple[D, D]:
    """Best (coverage, cost) by enumerating every integer allocation."""
    choices = []
    for o in offers:
        for r in ctx.lines:
            line = o.lines.get(r.id)
            if line is None:
                continue
            lo = int(line.moq or 1)
            options = [0, *range(lo, int(min(line.quantity, r.quantity)) + 1)]
            choices.append((o, r, line, options))
    best: tuple[D, D] | None = None
    for combo in itertools.product(*[c[3] for c in choices]):
        per_line: dict[int, int] = {}
        used: set[int] = set()
        cost = D(0)
        for (o, r, line, _), q in zip(choices, combo, strict=True):
            if q:
                per_line[r.id] = per_line.get(r.id, 0) + q
                used.add(o.quote_id)
                cost += line.price_at(D(q)) * q
        if any(per_line.get(r.id, 0) > r.quantity for r in ctx.lines):
            continue
        if k is not None and len(used) > k:
            continue
        cost += sum((o.shipping for o in offers if o.quote_id in used), D(0))
        coverage = sum((D(per_line.get(r.id, 0)) / r.quantity for r in ctx.lines), D(0))
        key = (-coverage, cost)
        if best is None or key < best:
            best = key
    assert best is not None
    return -best[0], best[1]


@pytest.mark.parametrize("seed", range(25))
def test_split_is_optimal_against_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    n_lines = rng.randint(1, 2)
    lines = tuple(RequestLine(i + 1, i + 1, D(rng.randint(2, 6))) for i in range(n_lines))
    offers = []
    for s in range(rng.randint(2, 3)):
        quoted = {}
        for r in lines:
            if rng.random() < 0.8:
                qty = rng.randint(1, 6)
                moq = rng.choice([None, None, rng.randint(1, qty)])
                price = rng.randint(5, 20)
                brk = (
                    ((str(rng.randint(2, 6)), str(price - rng.randint(1, 4))),)
                    if rng.random() < 0.5
                    else ()
                )
                quoted[r.id] = ol(
                    100 * (s + 1) + r.id, r.id, str(qty), str(price), str(moq) if moq else None, brk
                )
        if quoted:
            offers.append(offer(s + 1, quoted, shipping=str(rng.choice([0, 0, 5, 15]))))
    if not offers:
        return
    ctx = Context(lines, None, date(2026, 11, 20))
    k = rng.choice([None, 1, 2])
    split = suggest_split(offers, ctx, max_suppliers=k)
    coverage, cost = _brute_force(offers, ctx, k)
    assert split.optimal
    assert split.coverage * len(lines) == coverage
    assert split.total == cost, (seed, split.allocations)


def test_best_single_supplier_prefers_coverage() -> None:
    lines = (RequestLine(1, 1, D(10)), RequestLine(2, 2, D(10)))
    ctx = Context(lines, None, date(2026, 11, 20))
    full = offer(1, {1: ol(1, 1, "10", "5"), 2: ol(2, 2, "10", "5")})
    partial = offer(2, {1: ol(3, 1, "10", "1")})
    best = best_single_supplier([full, partial], ctx)
    assert best is not None and best.offer is full and best.total == D(100)


def test_best_single_supplier_skips_a_line_whose_moq_exceeds_the_request() -> None:
    """A's second line has MOQ 20 for a request of 10: it cannot be bought, so A alone
    covers half the RFQ for 10, not all of it for 30 (20 units at 1 raised to the MOQ)."""
    lines = (RequestLine(1, 1, D(10)), RequestLine(2, 2, D(10)))
    ctx = Context(lines, None, date(2026, 11, 20))
    a = offer(1, {1: ol(1, 1, "10", "1"), 2: ol(2, 2, "50", "1", moq="20")})
    b = offer(2, {1: ol(3, 1, "10", "5")})
    best = best_single_supplier([a, b], ctx)
    assert best is not None and best.offer is a
    assert (best.total, best.coverage) == (D(10), D("0.5"))
