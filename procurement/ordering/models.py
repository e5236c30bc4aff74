"""Purchase order tables, as far as the award needs them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Date, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from procurement.base import created_at_field, fk_field, id_field, updated_at_field


class PoStatus(StrEnum):
    DRAFT = "DRAFT"
    PENDING_APPROVAL = "PENDING_APPROVAL"
    APPROVED = "APPROVED"
    SENT = "SENT"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    DECLINED = "DECLINED"
    IN_FULFILMENT = "IN_FULFILMENT"
    RECEIVED = "RECEIVED"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class PurchaseOrder(SQLModel, table=True):
    __tablename__ = "purchase_order"

    id: int | None = id_field()
    number: str = Field(sa_column=Column(String(20), nullable=False))
    buyer_org_id: int | None = fk_field("organization.id")
    supplier_org_id: int | None = fk_field("organization.id")
    created_by_id: int | None = fk_field("app_user.id", nullable=True, index=False)
    rfq_id: int | None = fk_field("rfq.id", nullable=True)
    quote_id: int | None = fk_field("quote.id", nullable=True)
    status: str = Field(sa_column=Column(String(20), nullable=False))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    subtotal: Decimal = Field(sa_column=Column(Numeric(18, 6), nullable=False))
    shipping_cost: Decimal = Field(sa_column=Column(Numeric(18, 6), nullable=False))
    total: Decimal = Field(sa_column=Column(Numeric(18, 6), nullable=False))
    delivery_address: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSONB, nullable=True)
    )
    need_by: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    incoterm: str | None = Field(default=None, sa_column=Column(String(3), nullable=True))
    payment_terms: str | None = Field(default=None, sa_column=Column(String(200)))
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    external_reference: str | None = Field(default=None, sa_column=Column(String(100)))
    version: int = Field(default=1)
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()

    __table_args__ = (
        UniqueConstraint("buyer_org_id", "number", name="uq_purchase_order_number"),
        UniqueConstraint(
            "buyer_org_id", "external_reference", name="uq_purchase_order_external_reference"
        ),
    )


class PurchaseOrderLine(SQLModel, table=True):
    __tablename__ = "purchase_order_line"

    id: int | None = id_field()
    purchase_order_id: int | None = fk_field("purchase_order.id", ondelete="CASCADE")
    position: int = Field(sa_column=Column(Integer, nullable=False))
    rfq_line_id: int | None = fk_field("rfq_line.id", nullable=True, index=False)
    quote_line_id: int | None = fk_field("quote_line.id", nullable=True, index=False)
    description: str = Field(sa_column=Column(String(1000), nullable=False))
    unit: str = Field(sa_column=Column(String(10), nullable=False))
    quantity: Decimal = Field(sa_column=Column(Numeric(18, 4), nullable=False))
    unit_price: Decimal = Field(sa_column=Column(Numeric(18, 6), nullable=False))
    line_total: Decimal = Field(sa_column=Column(Numeric(18, 6), nullable=False))
