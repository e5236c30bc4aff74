"""Human-readable document numbers per organisation and year: ``RFQ-2026-000042``.

A counter row per (organisation, kind, year) is bumped with an upsert, which takes a row
lock: concurrent creators get consecutive numbers, never the same one.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, cast, func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col


class DocumentCounter(SQLModel, table=True):
    __tablename__ = "document_counter"

    organization_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    kind: str = Field(sa_column=Column(String(10), primary_key=True))
    year: int = Field(sa_column=Column(Integer, primary_key=True))
    last_value: int = Field(sa_column=Column(Integer, nullable=False))


async def next_number(session: AsyncSession, organization_id: int, kind: str) -> str:
    # the year by the transaction's clock, read in the same statement
    year = cast(func.extract("year", func.now()), Integer)
    stmt = (
        insert(DocumentCounter)
        .values(organization_id=organization_id, kind=kind, year=year, last_value=1)
        .on_conflict_do_update(
            index_elements=["organization_id", "kind", "year"],
            set_={"last_value": DocumentCounter.last_value + 1},
        )
        .returning(col(DocumentCounter.year), col(DocumentCounter.last_value))
    )
    year_value, value = (await session.execute(stmt)).one()
    return f"{kind}-{year_value}-{value:06d}"
