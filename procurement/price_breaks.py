"""Volume prices: the unit price a quantity earns from a base price and price breaks.

Quote lines (price breaks) and listings (tiers) store the same shape
(``[{"min_quantity": ..., "unit_price": ...}]``) and apply the same all-units rule, and
ordering reprices change orders by it; so the rule sits below all three domains.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal


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
