"""GraphQL types of an order's fulfilment records: shipments, goods receipts, invoices
(with their three-way-match exceptions) and return requests.  Each is read through
its order (``PurchaseOrder`` in ``types.py``), which checks who may see it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from graphql_schema.ids import global_id
from graphql_schema.node import Node
from graphql_schema.scalars import Money
from procurement.ordering.document_states import (
    INVOICE,
    RETURN,
    invoice_actions,
    return_actions,
)
from procurement.ordering.models import GoodsReceipt as GoodsReceiptModel
from procurement.ordering.models import Invoice as InvoiceModel
from procurement.ordering.models import InvoiceStatus as DomainInvoiceStatus
from procurement.ordering.models import PurchaseOrder as PurchaseOrderModel
from procurement.ordering.models import ReturnRequest as ReturnRequestModel
from procurement.ordering.models import ReturnStatus as DomainReturnStatus
from procurement.ordering.models import Shipment as ShipmentModel

InvoiceStatus = strawberry.enum(DomainInvoiceStatus, name="InvoiceStatus")


ReturnStatus = strawberry.enum(DomainReturnStatus, name="ReturnStatus")


#: one value per action of the invoice and return tables, in their order
InvoiceAction = strawberry.enum(  # type: ignore[call-overload]  # a functional Enum from the action table is no class to mypy
    Enum("InvoiceAction", {name: name for name in INVOICE.actions}),
    description="What a viewer may do with an invoice now.",
)
ReturnRequestAction = strawberry.enum(  # type: ignore[call-overload]  # a functional Enum from the action table is no class to mypy
    Enum("ReturnRequestAction", {name: name for name in RETURN.actions}),
    description="What a viewer may do with a return request now.",
)


@strawberry.type
class QuantityLine:
    line_id: strawberry.ID
    quantity: Decimal


@strawberry.type
class Shipment(Node):
    carrier: str | None
    tracking_number: str | None
    shipped_at: datetime | None
    lines: list[QuantityLine]
    created_at: datetime

    @classmethod
    def from_model(cls, m: ShipmentModel) -> Shipment:
        assert m.id is not None and m.created_at is not None
        return cls(
            id=global_id("Shipment", m.id),
            carrier=m.carrier,
            tracking_number=m.tracking_number,
            shipped_at=m.shipped_at,
            lines=[
                QuantityLine(
                    line_id=global_id("PurchaseOrderLine", ln["line_id"]),
                    quantity=Decimal(ln["quantity"]),
                )
                for ln in m.lines
            ],
            created_at=m.created_at,
        )


@strawberry.type
class ReceiptLine:
    line_id: strawberry.ID
    accepted: Decimal
    rejected: Decimal


@strawberry.type
class GoodsReceipt(Node):
    lines: list[ReceiptLine]
    note: str | None
    created_at: datetime

    @classmethod
    def from_model(cls, m: GoodsReceiptModel) -> GoodsReceipt:
        assert m.id is not None and m.created_at is not None
        return cls(
            id=global_id("GoodsReceipt", m.id),
            note=m.note,
            lines=[
                ReceiptLine(
                    line_id=global_id("PurchaseOrderLine", ln["line_id"]),
                    accepted=Decimal(ln["accepted"]),
                    rejected=Decimal(ln["rejected"]),
                )
                for ln in m.lines
            ],
            created_at=m.created_at,
        )


@strawberry.type
class InvoiceLine:
    line_id: strawberry.ID
    quantity: Decimal
    unit_price: Money


@strawberry.type(description="A three-way-match finding that holds the invoice for review.")
class InvoiceException:
    code: str = strawberry.field(description="QUANTITY_EXCEEDS_RECEIVED or PRICE_MISMATCH")
    line_id: strawberry.ID
    message: str


@strawberry.type
class Invoice(Node):
    number: str
    status: InvoiceStatus  # type: ignore[valid-type]  # a strawberry.enum(...) result is a variable to mypy
    currency: str
    lines: list[InvoiceLine]
    subtotal: Money
    tax: Money
    total: Money
    exceptions: list[InvoiceException]
    resolution_note: str | None
    created_at: datetime
    _model: strawberry.Private[InvoiceModel]
    _order: strawberry.Private[PurchaseOrderModel]

    @strawberry.field(description="What you may do with this invoice now.")
    def available_actions(self, info: Info) -> list[InvoiceAction]:  # type: ignore[valid-type]  # a strawberry.enum(...) result is a variable to mypy
        actions = invoice_actions(info.context.viewer, self._order, self._model)
        return [InvoiceAction(a) for a in actions]

    @classmethod
    def from_model(cls, m: InvoiceModel, po: PurchaseOrderModel) -> Invoice:
        assert m.id is not None and m.created_at is not None
        cur = m.currency
        return cls(
            id=global_id("Invoice", m.id),
            number=m.number,
            status=InvoiceStatus(m.status),
            currency=cur,
            lines=[
                InvoiceLine(
                    line_id=global_id("PurchaseOrderLine", ln["line_id"]),
                    quantity=Decimal(ln["quantity"]),
                    unit_price=Money(amount=Decimal(ln["unit_price"]), currency=cur),
                )
                for ln in m.lines
            ],
            subtotal=Money.of(m.subtotal, cur),
            tax=Money.of(m.tax, cur),
            total=Money.of(m.total, cur),
            exceptions=[
                InvoiceException(
                    code=e["code"],
                    line_id=global_id("PurchaseOrderLine", e["line_id"]),
                    message=e["message"],
                )
                for e in m.exceptions
            ],
            resolution_note=m.resolution_note,
            created_at=m.created_at,
            _model=m,
            _order=po,
        )


@strawberry.type
class ReturnRequest(Node):
    status: ReturnStatus  # type: ignore[valid-type]  # a strawberry.enum(...) result is a variable to mypy
    reason: str
    evidence: str | None
    lines: list[QuantityLine]
    decision_note: str | None
    credit_amount: Money | None
    created_at: datetime
    _model: strawberry.Private[ReturnRequestModel]
    _order: strawberry.Private[PurchaseOrderModel]

    @strawberry.field(description="What you may do with this return now.")
    def available_actions(self, info: Info) -> list[ReturnRequestAction]:  # type: ignore[valid-type]  # a strawberry.enum(...) result is a variable to mypy
        actions = return_actions(info.context.viewer, self._order, self._model)
        return [ReturnRequestAction(a) for a in actions]

    @classmethod
    def from_model(cls, m: ReturnRequestModel, po: PurchaseOrderModel) -> ReturnRequest:
        currency = po.currency
        assert m.id is not None and m.created_at is not None
        return cls(
            id=global_id("ReturnRequest", m.id),
            status=ReturnStatus(m.status),
            reason=m.reason,
            evidence=m.evidence,
            lines=[
                QuantityLine(
                    line_id=global_id("PurchaseOrderLine", ln["line_id"]),
                    quantity=Decimal(ln["quantity"]),
                )
                for ln in m.lines
            ],
            decision_note=m.decision_note,
            credit_amount=Money.of(m.credit_amount, currency)
            if m.credit_amount is not None
            else None,
            created_at=m.created_at,
            _model=m,
            _order=po,
        )
