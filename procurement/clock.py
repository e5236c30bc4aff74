"""The clocks: the database's, by which every write judges time, and the application's.

Writes judge by the database clock inside their transaction (``db_now``), so every
domain reads one clock; it lives below the domains because ordering, sourcing and
comparison all need it and none of them owns it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def db_now(session: AsyncSession) -> datetime:
    """The transaction's timestamp (PostgreSQL ``now()``)."""
    value: datetime = (await session.execute(select(func.now()))).scalar_one()
    return value


def app_now() -> datetime:
    return datetime.now(UTC)
