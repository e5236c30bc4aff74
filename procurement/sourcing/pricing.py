"""Quote arithmetic: the unit price that applies to a quantity, and totals.

A quote line has a base unit price and optional quantity price breaks
(``min_quantity`` -> ``unit_price``): the break with the largest ``min_quantity`` not
above the quantity applies, else the base price.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from procurement.price_breaks import break_price
from procurement.sourcing.models import QuoteLine


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
