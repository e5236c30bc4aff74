"""The terms an order line made from a listing is held to when its quantity changes:
the listing as it stands now (the supplier's current offer), read for ordering's
repricing, which cannot import the catalog (it sits below it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.catalog.models import Listing
from procurement.ordering.repricing import Terms, register_terms_source


async def listing_terms(session: AsyncSession, ids: set[int]) -> dict[int, Terms]:
    rows = (await session.execute(select(Listing).where(col(Listing.id).in_(ids)))).scalars()
    return {x.id or 0: Terms(x.moq, None, x.unit_price, x.tiers) for x in rows}


register_terms_source("listing_id", listing_terms)
