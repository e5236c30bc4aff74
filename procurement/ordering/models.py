"""Purchase order tables, as far as the award needs them."""

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
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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


def _qty() -> Any:
    return Column(Numeric(18, 4), nullable=False, server_default="0")


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
    listing_order: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    #: total at the last full approval; a change above it needs approval again
    approved_total: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 6)))
    #: approvals of earlier rounds (before a rejection or a re-approval) no longer count
    approval_round: int = Field(default=0)
    approvals_required: int = Field(default=0)
    submitted_by_id: int | None = fk_field("app_user.id", nullable=True, index=False)
    #: the API key that submitted the order, when a machine did (its creator is then
    #: one of the round's requesters)
    submitted_by_api_key_id: int | None = fk_field("api_key.id", nullable=True, index=False)
    #: who asked for the current approval round and so may not approve it (four eyes):
    #: the submitter, or the person whose change sent it back to approval, and the
    #: creator of the API key that did either
    round_requester_ids: list[int] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(BigInteger), nullable=False, server_default="{}"),
    )
    #: when the buyer first sent the order: from then on the supplier sees it
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    confirmed_delivery_date: date | None = Field(default=None, sa_column=Column(Date))
    status_reason: str | None = Field(default=None, sa_column=Column(String(2000)))
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
    listing_id: int | None = fk_field("listing.id", nullable=True, index=False)
    shipped_quantity: Decimal = Field(default=Decimal(0), sa_column=_qty())
    accepted_quantity: Decimal = Field(default=Decimal(0), sa_column=_qty())
    rejected_quantity: Decimal = Field(default=Decimal(0), sa_column=_qty())
    invoiced_quantity: Decimal = Field(default=Decimal(0), sa_column=_qty())
    returned_quantity: Decimal = Field(default=Decimal(0), sa_column=_qty())


def _json() -> Any:
    return Column(JSONB, nullable=False)


class Approval(SQLModel, table=True):
    """One approver's decision on one approval round of an order."""

    __tablename__ = "po_approval"

    id: int | None = id_field()
    purchase_order_id: int | None = fk_field("purchase_order.id", ondelete="CASCADE")
    round: int = Field(sa_column=Column(Integer, nullable=False))
    approver_id: int | None = fk_field("app_user.id", index=False)
    decision: str = Field(sa_column=Column(String(10), nullable=False))
    comment: str | None = Field(default=None, sa_column=Column(String(2000)))
    created_at: datetime | None = created_at_field()

    __table_args__ = (
        UniqueConstraint("purchase_order_id", "round", "approver_id", name="uq_po_approval_once"),
    )


class ApprovalPolicy(SQLModel, table=True):
    """Amount bands in the organisation's base currency: [{up_to, approvals_required}],
    ascending; the last band may have no upper bound (``up_to`` null)."""

    __tablename__ = "approval_policy"

    organization_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("organization.id"), primary_key=True)
    )
    bands: list[dict[str, Any]] = Field(sa_column=_json())
    version: int = Field(default=1)
    updated_at: datetime | None = updated_at_field()


class PoRevision(SQLModel, table=True):
    """The order before and after one change."""

    __tablename__ = "po_revision"

    id: int | None = id_field()
    purchase_order_id: int | None = fk_field("purchase_order.id", ondelete="CASCADE")
    version: int = Field(sa_column=Column(Integer, nullable=False))
    changed_by_id: int | None = fk_field("app_user.id", nullable=True, index=False)
    before: dict[str, Any] = Field(sa_column=_json())
    after: dict[str, Any] = Field(sa_column=_json())
    created_at: datetime | None = created_at_field()


class Shipment(SQLModel, table=True):
    __tablename__ = "shipment"

    id: int | None = id_field()
    purchase_order_id: int | None = fk_field("purchase_order.id")
    carrier: str | None = Field(default=None, sa_column=Column(String(100)))
    tracking_number: str | None = Field(default=None, sa_column=Column(String(100)))
    shipped_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    #: [{"line_id": 1, "quantity": "10"}]
    lines: list[dict[str, Any]] = Field(sa_column=_json())
    created_at: datetime | None = created_at_field()


class GoodsReceipt(SQLModel, table=True):
    __tablename__ = "goods_receipt"

    id: int | None = id_field()
    purchase_order_id: int | None = fk_field("purchase_order.id")
    received_by_id: int | None = fk_field("app_user.id", nullable=True, index=False)
    #: [{"line_id": 1, "accepted": "9", "rejected": "1"}]
    lines: list[dict[str, Any]] = Field(sa_column=_json())
    note: str | None = Field(default=None, sa_column=Column(String(2000)))
    created_at: datetime | None = created_at_field()


class InvoiceStatus(StrEnum):
    MATCHED = "MATCHED"
    NEEDS_REVIEW = "NEEDS_REVIEW"
    ACCEPTED = "ACCEPTED"
    DISPUTED = "DISPUTED"


class Invoice(SQLModel, table=True):
    __tablename__ = "invoice"

    id: int | None = id_field()
    purchase_order_id: int | None = fk_field("purchase_order.id")
    number: str = Field(sa_column=Column(String(50), nullable=False))
    status: str = Field(sa_column=Column(String(20), nullable=False))
    currency: str = Field(sa_column=Column(String(3), nullable=False))
    #: [{"line_id": 1, "quantity": "10", "unit_price": "1.20"}]
    lines: list[dict[str, Any]] = Field(sa_column=_json())
    subtotal: Decimal = Field(sa_column=Column(Numeric(18, 6), nullable=False))
    tax: Decimal = Field(sa_column=Column(Numeric(18, 6), nullable=False))
    total: Decimal = Field(sa_column=Column(Numeric(18, 6), nullable=False))
    #: [{"code": "PRICE_MISMATCH", "line_id": 1, "message": "..."}]
    exceptions: list[dict[str, Any]] = Field(sa_column=_json())
    resolution_note: str | None = Field(default=None, sa_column=Column(String(2000)))
    created_at: datetime | None = created_at_field()

    __table_args__ = (UniqueConstraint("purchase_order_id", "number", name="uq_invoice_number"),)


class ReturnStatus(StrEnum):
    REQUESTED = "REQUESTED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    RECEIVED = "RECEIVED"


class ReturnRequest(SQLModel, table=True):
    __tablename__ = "return_request"

    id: int | None = id_field()
    purchase_order_id: int | None = fk_field("purchase_order.id")
    status: str = Field(sa_column=Column(String(12), nullable=False))
    reason: str = Field(sa_column=Column(String(2000), nullable=False))
    evidence: str | None = Field(default=None, sa_column=Column(Text))
    #: [{"line_id": 1, "quantity": "2"}]
    lines: list[dict[str, Any]] = Field(sa_column=_json())
    decision_note: str | None = Field(default=None, sa_column=Column(String(2000)))
    credit_amount: Decimal | None = Field(default=None, sa_column=Column(Numeric(18, 6)))
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()
