"""Quote arithmetic: the unit price that applies to a quantity, and totals.

A quote line has a base unit price and optional quantity price breaks
(``min_quantity`` -> ``unit_price``): the break with the largest ``min_quantity`` not
above the quantity applies, else the base price.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from procurement.sourcing.models import QuoteLine


def break_price(base: Decimal, breaks: Sequence[dict[str, str]], quantity: Decimal) -> Decimal:
    """All-units discount: the break with the largest minimum not above ``quantity``
    (stored form: ``[{"min_quantity": ..., "unit_price": ...}]``), else ``base``."""
    price, best_min = base, Decimal(0)
    for brk in breaks:
        min_q = Decimal(brk["min_quantity"])
        if best_min <= min_q <= quantity:
            best_min = min_q
            price = Decimal(brk["unit_price"])
    return price


def unit_price_at(line: QuoteLine, quantity: Decimal) -> Decimal:
    return break_price(line.unit_price, line.price_breaks, quantity)


def line_total(line: QuoteLine) -> Decimal:
    """The offered quantity at its applicable price."""
    return unit_price_at(line, line.quantity) * line.quantity


def quote_total(lines: Iterable[QuoteLine], shipping_cost: Decimal) -> Decimal:
    return sum((line_total(x) for x in lines), Decimal(0)) + shipping_cost


def normalise_breaks(breaks: Sequence[tuple[Decimal, Decimal]]) -> list[dict[str, str]]:
    """Stored form: ascending by minimum quantity, as strings (exact decimals in JSON)."""
    return [
        {"min_quantity": str(q), "unit_price": str(p)}
        for q, p in sorted(breaks, key=lambda b: b[0])
    ]
