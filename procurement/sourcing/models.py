"""Tables of the sourcing domain."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from procurement.base import created_at_field, fk_field, id_field, updated_at_field


class RfqStatus(StrEnum):
    DRAFT = "DRAFT"
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    AWARDED = "AWARDED"
    CANCELLED = "CANCELLED"


class Visibility(StrEnum):
    PUBLIC = "PUBLIC"
    INVITED = "INVITED"


class QuoteStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    WITHDRAWN = "WITHDRAWN"
    AWARDED = "AWARDED"
    REJECTED = "REJECTED"


#: a supplier has at most one of these per RFQ (partial unique index below)
LIVE_QUOTE_STATUSES = (QuoteStatus.DRAFT, QuoteStatus.SUBMITTED, QuoteStatus.AWARDED)


class Incoterm(StrEnum):
    """Incoterms 2020."""

    EXW = "EXW"
    FCA = "FCA"
    CPT = "CPT"
    CIP = "CIP"
    DAP = "DAP"
    DPU = "DPU"
    DDP = "DDP"
    FAS = "FAS"
    FOB = "FOB"
    CFR = "CFR"
    CIF = "CIF"


def _money() -> Any:
    return Column(Numeric(18, 6), nullable=True)


class Rfq(SQLModel, table=True):
    __tablename__ = "rfq"

    id: int | None = id_field()
    number: str = Field(sa_column=Column(String(20), nullable=False))
    buyer_org_id: int | None = fk_field("organization.id")
    created_by_id: int | None = fk_field("app_user.id", nullable=True, index=False)
    title: str = Field(sa_column=Column(String(200), nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    category_id: int | None = fk_field("category.id", nullable=True)
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    delivery_address: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSONB, nullable=True)
    )
    need_by: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    deadline: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    visibility: str = Field(sa_column=Column(String(10), nullable=False))
    sealed: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    weights: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    status: str = Field(sa_column=Column(String(12), nullable=False))
    external_reference: str | None = Field(default=None, sa_column=Column(String(100)))
    cancel_reason: str | None = Field(default=None, sa_column=Column(String(2000)))
    published_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    closed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    version: int = Field(default=1)
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()

    __table_args__ = (
        UniqueConstraint("buyer_org_id", "number", name="uq_rfq_number"),
        UniqueConstraint("buyer_org_id", "external_reference", name="uq_rfq_external_reference"),
        Index("ix_rfq_open_deadline", "status", "deadline"),
    )


class RfqLine(SQLModel, table=True):
    __tablename__ = "rfq_line"

    id: int | None = id_field()
    rfq_id: int | None = fk_field("rfq.id", ondelete="CASCADE")
    position: int = Field(sa_column=Column(Integer, nullable=False))
    description: str = Field(sa_column=Column(String(1000), nullable=False))
    category_id: int | None = fk_field("category.id", nullable=True, index=False)
    quantity: Decimal = Field(sa_column=Column(Numeric(18, 4), nullable=False))
    unit: str = Field(sa_column=Column(String(10), nullable=False))
    target_unit_price: Decimal | None = Field(default=None, sa_column=_money())
    specifications: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False)
    )
    need_by: date | None = Field(default=None, sa_column=Column(Date, nullable=True))


class RfqInvitation(SQLModel, table=True):
    __tablename__ = "rfq_invitation"

    rfq_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("rfq.id", ondelete="CASCADE"), primary_key=True)
    )
    supplier_org_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("organization.id"), primary_key=True, index=True)
    )
    invited_at: datetime | None = created_at_field()


class Quote(SQLModel, table=True):
    __tablename__ = "quote"

    id: int | None = id_field()
    rfq_id: int | None = fk_field("rfq.id")
    supplier_org_id: int | None = fk_field("organization.id")
    created_by_id: int | None = fk_field("app_user.id", nullable=True, index=False)
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    valid_until: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    incoterm: str | None = Field(default=None, sa_column=Column(String(3), nullable=True))
    payment_terms: str | None = Field(default=None, sa_column=Column(String(200)))
    lead_time_days: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    shipping_cost: Decimal = Field(
        default=Decimal(0), sa_column=Column(Numeric(18, 6), nullable=False)
    )
    notes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(sa_column=Column(String(12), nullable=False))
    revision: int = Field(default=0)
    #: set at the award: every offered line taken in full (True) or only some (False)
    awarded_fully: bool | None = Field(default=None, sa_column=Column(Boolean, nullable=True))
    submitted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    version: int = Field(default=1)
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()

    __table_args__ = (
        Index(
            "uq_quote_live_per_supplier",
            "rfq_id",
            "supplier_org_id",
            unique=True,
            postgresql_where=text("status IN ('DRAFT', 'SUBMITTED', 'AWARDED')"),
        ),
    )


class QuoteLine(SQLModel, table=True):
    __tablename__ = "quote_line"

    id: int | None = id_field()
    quote_id: int | None = fk_field("quote.id", ondelete="CASCADE")
    rfq_line_id: int | None = fk_field("rfq_line.id", index=False)
    unit_price: Decimal = Field(sa_column=Column(Numeric(18, 6), nullable=False))
    quantity: Decimal = Field(sa_column=Column(Numeric(18, 4), nullable=False))
    moq: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 4), nullable=True))
    #: [{"min_quantity": "100", "unit_price": "1.20"}, ...] ascending by min_quantity
    price_breaks: list[dict[str, str]] = Field(
        default_factory=list, sa_column=Column(JSONB, nullable=False)
    )
    notes: str | None = Field(default=None, sa_column=Column(String(1000)))

    __table_args__ = (UniqueConstraint("quote_id", "rfq_line_id", name="uq_quote_line_rfq_line"),)


class QuoteRevision(SQLModel, table=True):
    """A submitted state of a quote, kept when it is revised (revision 1, 2, ...)."""

    __tablename__ = "quote_revision"

    id: int | None = id_field()
    quote_id: int | None = fk_field("quote.id", ondelete="CASCADE")
    revision: int = Field(sa_column=Column(Integer, nullable=False))
    snapshot: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    submitted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=False)
    )

    __table_args__ = (UniqueConstraint("quote_id", "revision", name="uq_quote_revision"),)


class RfqQuestion(SQLModel, table=True):
    """A supplier's clarification question and the buyer's answer."""

    __tablename__ = "rfq_question"

    id: int | None = id_field()
    rfq_id: int | None = fk_field("rfq.id", ondelete="CASCADE")
    supplier_org_id: int | None = fk_field("organization.id", index=False)
    asked_by_id: int | None = fk_field("app_user.id", nullable=True, index=False)
    question: str = Field(sa_column=Column(Text, nullable=False))
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    answered_by_id: int | None = fk_field("app_user.id", nullable=True, index=False)
    asked_at: datetime | None = created_at_field()
    answered_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
