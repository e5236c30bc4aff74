"""The terms an order line made from an award is held to when its quantity changes:
its quote line (not above the quantity offered, not below the MOQ, priced by its
breaks), read for ordering's repricing, which cannot import sourcing (it sits below it).
Quote lines do not change after the award."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.ordering.repricing import Terms, register_terms_source
from procurement.sourcing.models import QuoteLine


async def quote_line_terms(session: AsyncSession, ids: set[int]) -> dict[int, Terms]:
    rows = (await session.execute(select(QuoteLine).where(col(QuoteLine.id).in_(ids)))).scalars()
    return {x.id or 0: Terms(x.moq, x.quantity, x.unit_price, x.price_breaks) for x in rows}


register_terms_source("quote_line_id", quote_line_terms)
