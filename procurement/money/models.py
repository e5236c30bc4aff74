"""FX rates: how many units of ``quote`` one unit of ``base`` buys on a date."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Date, Numeric, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from procurement.base import created_at_field, id_field


class FxRate(SQLModel, table=True):
    __tablename__ = "fx_rate"

    id: int | None = id_field()
    base: str = Field(sa_column=Column(String(3), nullable=False))
    quote: str = Field(sa_column=Column(String(3), nullable=False))
    rate: Decimal = Field(sa_column=Column(Numeric(24, 10), nullable=False))
    as_of: date = Field(sa_column=Column(Date, nullable=False))
    created_at: datetime | None = created_at_field()

    __table_args__ = (UniqueConstraint("base", "quote", "as_of", name="uq_fx_rate_pair_day"),)
