"""A change order's new quantities, checked and priced as the order was when it was made.

An order from a listing was held to the listing's minimum order quantity and priced by
its tiers; an order from an award was held to the quote: not above the quantity offered,
not below the line's MOQ, priced by its price breaks.  A change of quantity meets the
same checks, and the unit price follows the tier or break the new quantity reaches, so
a change order can neither undercut a minimum nor keep a volume price it no longer
earns.  Listings are read as they stand now (the supplier's current offer); quote lines
do not change after the award.

Ordering sits below the catalog and sourcing (they hand it draft orders), so it does not
read their tables: each source of order lines registers how to read its terms
(``register_terms_source``, from ``procurement/catalog/terms.py`` and
``procurement/sourcing/terms.py``, imported by their packages).  A line whose source has
no registered reader is an error, never a silently unchecked change.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from procurement.errors import Collector, ErrorCode
from procurement.ordering.models import PurchaseOrderLine
from procurement.price_breaks import break_price


@dataclass(frozen=True)
class Terms:
    """What a line's quantity is held to: a minimum, a maximum (the quantity offered),
    and the price that applies at a quantity."""

    moq: Decimal | None
    offered: Decimal | None
    base_price: Decimal
    breaks: list[dict[str, str]]

    def price_at(self, quantity: Decimal) -> Decimal:
        return break_price(self.base_price, self.breaks, quantity)


#: reads the terms of source rows by id (one query), for the rows that still exist
TermsReader = Callable[[AsyncSession, set[int]], Awaitable[dict[int, Terms]]]

#: the order line's source column -> its reader, in order of precedence
SOURCE_COLUMNS = ("listing_id", "quote_line_id")
_READERS: dict[str, TermsReader] = {}


def register_terms_source(column: str, reader: TermsReader) -> None:
    """Declare how to read the terms of the lines whose ``column`` names their source."""
    if column not in SOURCE_COLUMNS:
        raise ValueError(f"Order lines have no source column {column!r}")
    _READERS[column] = reader


async def terms_of(session: AsyncSession, lines: Sequence[PurchaseOrderLine]) -> dict[int, Terms]:
    """The terms of each line made from a listing or a quote line, by order line id (one
    query per source)."""
    out: dict[int, Terms] = {}
    for column in SOURCE_COLUMNS:
        ids: set[int] = {source for ln in lines if (source := getattr(ln, column)) is not None}
        if not ids:
            continue
        reader = _READERS.get(column)
        if reader is None:
            raise RuntimeError(f"No terms source registered for order lines' {column}")
        found = await reader(session, ids)
        for ln in lines:
            key = ln.id or 0
            if key not in out and getattr(ln, column) in found:
                out[key] = found[getattr(ln, column)]
    return out


def check_quantity(c: Collector, terms: Terms | None, quantity: Decimal, field: str) -> None:
    """The checks the order's making applied to this line (a line of no known source
    is held to nothing more than a positive quantity, checked by the caller)."""
    if terms is None or not quantity.is_finite():
        return
    if terms.moq is not None and quantity < terms.moq:
        c.add(
            ErrorCode.BELOW_MOQ,
            f"Below the minimum order quantity ({terms.moq.normalize():f})",
            field,
        )
    if terms.offered is not None and quantity > terms.offered:
        c.add(
            ErrorCode.ALLOCATION_INVALID,
            f"Above the quantity offered ({terms.offered.normalize():f})",
            field,
        )
