"""Benchmark: the default (candidate) split against the exact one on random large RFQs.

No database: random RFQs of 200 quotes x 50 lines (as ``bench/comparison.py``) under
several price and shipping regimes.  For each it prints the time of the default split
(over candidates, two rounds), of the exact split (every offer line, proven), and how
much dearer the default split is.

    python bench/split_quality.py [--seeds 2] [--quotes 200] [--lines 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from procurement.comparison.model import Context, Offer, OfferLine, RequestLine
from procurement.comparison.split import suggest_split

CNY_TO_EUR = Decimal("0.1278")


@dataclass(frozen=True)
class Regime:
    name: str
    #: unit price range in hundredths of the quote's currency
    prices: tuple[int, int] = (100, 2000)
    #: shipping range in the quote's currency
    shipping: tuple[int, int] = (0, 2000)
    #: half the quotes in CNY (cheaper once converted), as in bench/comparison.py
    mixed_currencies: bool = True


REGIMES = (
    Regime("as bench/comparison.py"),
    Regime("light shipping", shipping=(0, 50)),
    Regime("narrow prices", prices=(900, 1100)),
    Regime("heavy shipping", shipping=(0, 20000)),
    Regime("narrow prices, heavy shipping", (900, 1100), (0, 20000), False),
)


def rfq(seed: int, regime: Regime, n_quotes: int, n_lines: int) -> tuple[list[Offer], Context]:
    rng = random.Random(seed)
    lines = tuple(
        RequestLine(i + 1, i + 1, Decimal(rng.choice([100, 500, 1000, 5000])))
        for i in range(n_lines)
    )
    offers = []
    for q in range(n_quotes):
        rate = CNY_TO_EUR if regime.mixed_currencies and rng.random() < 0.5 else Decimal(1)
        quoted = {}
        for r in lines:
            price = Decimal(rng.randint(*regime.prices)) / 100 * rate
            quoted[r.id] = OfferLine(
                quote_line_id=q * 1000 + r.id,
                rfq_line_id=r.id,
                quantity=Decimal(rng.choice([100, 500, 1000, 5000])),
                unit_price=price,
                moq=Decimal(rng.choice([50, 100])) if rng.random() < 0.3 else None,
                breaks=((Decimal(1000), price * Decimal("0.9")),) if rng.random() < 0.3 else (),
            )
        offers.append(
            Offer(
                quote_id=q + 1,
                supplier_id=q + 1,
                submitted_at=datetime(2026, 11, 1, tzinfo=UTC),
                lead_time_days=10,
                shipping=Decimal(rng.randint(*regime.shipping)) * rate,
                supplier_score=Decimal("0.5"),
                lines=quoted,
            )
        )
    return offers, Context(lines, None, date(2026, 11, 24))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--quotes", type=int, default=200)
    ap.add_argument("--lines", type=int, default=50)
    args = ap.parse_args()
    gaps, default_ms, exact_ms = [], [], []
    for regime in REGIMES:
        for seed in range(args.seeds):
            offers, ctx = rfq(seed, regime, args.quotes, args.lines)
            t = time.perf_counter()
            default = suggest_split(offers, ctx)
            d_ms = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            exact = suggest_split(offers, ctx, exact=True)
            e_ms = (time.perf_counter() - t) * 1000
            gap = (default.total - exact.total) / exact.total * 100
            gaps.append(gap)
            default_ms.append(d_ms)
            exact_ms.append(e_ms)
            print(
                f"{regime.name}, seed {seed}: default {d_ms:.0f} ms, {default.total:.2f} EUR "
                f"(candidates {default.candidate_limit}); exact {e_ms:.0f} ms, "
                f"{exact.total:.2f} EUR, proven {exact.optimal}; default dearer by {gap:.3f}%"
            )
    print(
        f"default: median {statistics.median(default_ms):.0f} ms, max {max(default_ms):.0f} "
        f"ms; exact: median {statistics.median(exact_ms):.0f} ms, max {max(exact_ms):.0f} "
        f"ms; default dearer by at most {max(gaps):.3f}% (median {statistics.median(gaps):.3f}%)"
    )


if __name__ == "__main__":
    main()
