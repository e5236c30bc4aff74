"""A change order's new quantities, checked and priced as the order was when it was made.

An order from a listing was held to the listing's minimum order quantity and priced by
its tiers; an order from an award was held to the quote: not above the quantity offered,
not below the line's MOQ, priced by its price breaks.  A change of quantity meets the
same checks, and the unit price follows the tier or break the new quantity reaches, so
a change order can neither undercut a minimum nor keep a volume price it no longer
earns.  Listings are read as they stand now (the supplier's current offer); quote lines
do not change after the award.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.catalog.models import Listing
from procurement.errors import Collector, ErrorCode
from procurement.ordering.models import PurchaseOrderLine
from procurement.price_breaks import break_price
from procurement.sourcing.models import QuoteLine


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


async def terms_of(session: AsyncSession, lines: Sequence[PurchaseOrderLine]) -> dict[int, Terms]:
    """The terms of each line made from a listing or a quote line, by order line id (one
    query per source)."""
    listing_ids = {ln.listing_id for ln in lines if ln.listing_id is not None}
    quote_line_ids = {ln.quote_line_id for ln in lines if ln.quote_line_id is not None}
    listings = (
        {
            x.id: x
            for x in (
                await session.execute(select(Listing).where(Listing.id.in_(listing_ids)))  # type: ignore[union-attr]
            ).scalars()
        }
        if listing_ids
        else {}
    )
    offers = (
        {
            x.id: x
            for x in (
                await session.execute(select(QuoteLine).where(QuoteLine.id.in_(quote_line_ids)))  # type: ignore[union-attr]
            ).scalars()
        }
        if quote_line_ids
        else {}
    )
    out: dict[int, Terms] = {}
    for ln in lines:
        if ln.listing_id in listings:
            li = listings[ln.listing_id]
            out[ln.id or 0] = Terms(li.moq, None, li.unit_price, li.tiers)
        elif ln.quote_line_id in offers:
            ql = offers[ln.quote_line_id]
            out[ln.id or 0] = Terms(ql.moq, ql.quantity, ql.unit_price, ql.price_breaks)
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
