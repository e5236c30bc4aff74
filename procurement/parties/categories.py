"""The category tree (UNSPSC-style segments and families): public reference data."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.parties.models import Category


async def list_categories(
    session: AsyncSession, *, parent_id: int | None = None, roots_only: bool = False
) -> list[Category]:
    stmt = select(Category).order_by(Category.code)
    if parent_id is not None:
        stmt = stmt.where(col(Category.parent_id) == parent_id)
    elif roots_only:
        stmt = stmt.where(col(Category.parent_id).is_(None))
    return list((await session.execute(stmt)).scalars())


async def categories_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Category]:
    rows = (await session.execute(select(Category).where(col(Category.id).in_(ids)))).scalars()
    return {c.id: c for c in rows if c.id is not None}


async def children_by_parent(
    session: AsyncSession, parent_ids: Sequence[int]
) -> dict[int, list[Category]]:
    rows = (
        await session.execute(
            select(Category)
            .where(col(Category.parent_id).in_(parent_ids))
            .order_by(col(Category.code))
        )
    ).scalars()
    out: dict[int, list[Category]] = {pid: [] for pid in parent_ids}
    for c in rows:
        if c.parent_id is not None:
            out[c.parent_id].append(c)
    return out
