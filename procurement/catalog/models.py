"""Catalog listings: a supplier's standing offer with MOQ and volume price tiers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Index, Integer, Numeric, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from procurement.base import (
    StrEnumType,
    created_at_field,
    fk_field,
    id_field,
    updated_at_field,
)


class StockStatus(StrEnum):
    IN_STOCK = "IN_STOCK"
    MADE_TO_ORDER = "MADE_TO_ORDER"


class ListingStatus(StrEnum):
    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class Listing(SQLModel, table=True):
    __tablename__ = "listing"

    id: int | None = id_field()
    supplier_org_id: int | None = fk_field("organization.id")
    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text))
    category_id: int | None = fk_field("category.id", nullable=True)
    unit: str = Field(sa_column=Column(String(10), nullable=False))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    #: the price below the first tier
    unit_price: Decimal = Field(sa_column=Column(Numeric(18, 6), nullable=False))
    moq: Decimal = Field(sa_column=Column(Numeric(18, 4), nullable=False))
    #: [{"min_quantity": "100", "unit_price": "1.10"}] ascending (all-units)
    tiers: list[dict[str, Any]] = Field(sa_column=Column(JSONB, nullable=False))
    lead_time_days: int = Field(sa_column=Column(Integer, nullable=False))
    stock_status: StockStatus = Field(
        sa_column=Column(StrEnumType(StockStatus, 15), nullable=False)
    )
    status: ListingStatus = Field(sa_column=Column(StrEnumType(ListingStatus, 10), nullable=False))
    version: int = Field(default=1)
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()

    __table_args__ = (Index("ix_listing_status_category", "status", "category_id"),)
