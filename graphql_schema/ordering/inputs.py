"""GraphQL input types of the ordering mutations (purchase orders, approvals,
fulfilment).  Shapes only: every value is checked by the services in
``procurement/ordering``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry

from graphql_schema.input_guard import column
from graphql_schema.sourcing.inputs import AddressInput
from procurement.ordering import models as m
from procurement.ordering.models import PurchaseOrder as PurchaseOrderModel
from procurement.ordering.models import PurchaseOrderLine as Line


@strawberry.input
class PurchaseOrderLineOrderInput:
    listing_id: strawberry.ID
    quantity: Decimal = column(Line.quantity)


@strawberry.input
class PurchaseOrderCreateInput:
    lines: list[PurchaseOrderLineOrderInput]
    delivery_address: AddressInput | None = None
    need_by: date | None = None
    external_reference: str | None = column(PurchaseOrderModel.external_reference, default=None)


@strawberry.input
class PurchaseOrderActionInput:
    id: strawberry.ID
    expected_version: int | None = None


@strawberry.input
class PurchaseOrderApproveInput:
    id: strawberry.ID
    comment: str | None = column(m.Approval.comment, default=None)
    expected_version: int | None = None


@strawberry.input
class PurchaseOrderReasonInput:
    id: strawberry.ID
    reason: str = column(PurchaseOrderModel.status_reason)
    expected_version: int | None = None


@strawberry.input
class PurchaseOrderAcknowledgeInput:
    id: strawberry.ID
    delivery_date: date | None = strawberry.field(
        default=None, description="The date the supplier confirms."
    )
    expected_version: int | None = None


@strawberry.input
class LineQuantityInput:
    line_id: strawberry.ID
    quantity: Decimal = column(Line.quantity)


@strawberry.input
class PurchaseOrderChangeInput:
    id: strawberry.ID
    expected_version: int = strawberry.field(description="Changes are refused on a stale version.")
    delivery_address: AddressInput | None = strawberry.UNSET
    need_by: date | None = strawberry.UNSET
    lines: list[LineQuantityInput] | None = None
    external_reference: str | None = column(
        PurchaseOrderModel.external_reference,
        default=strawberry.UNSET,
        description="Your ERP's key for the order (unique).",
    )


@strawberry.input
class ShipmentCreateInput:
    purchase_order_id: strawberry.ID
    lines: list[LineQuantityInput]
    carrier: str | None = column(m.Shipment.carrier, default=None)
    tracking_number: str | None = column(m.Shipment.tracking_number, default=None)
    shipped_at: datetime | None = None
    expected_version: int | None = None


@strawberry.input
class ReceiptLineInput:
    line_id: strawberry.ID
    accepted: Decimal = column(Line.accepted_quantity)
    rejected: Decimal = column(Line.rejected_quantity, default=Decimal(0))


@strawberry.input
class GoodsReceiptCreateInput:
    purchase_order_id: strawberry.ID
    lines: list[ReceiptLineInput]
    note: str | None = column(m.GoodsReceipt.note, default=None)
    expected_version: int | None = None


@strawberry.input
class InvoiceLineInput:
    line_id: strawberry.ID
    quantity: Decimal = column(Line.invoiced_quantity)
    unit_price: Decimal = column(Line.unit_price)


@strawberry.input
class InvoiceSubmitInput:
    purchase_order_id: strawberry.ID
    number: str = column(m.Invoice.number)
    lines: list[InvoiceLineInput]
    tax: Decimal = column(m.Invoice.tax, default=Decimal(0))
    expected_version: int | None = None


@strawberry.input
class InvoiceDecisionInput:
    id: strawberry.ID
    note: str | None = column(m.Invoice.resolution_note, default=None)
    expected_version: int | None = strawberry.field(
        default=None, description="The order's version."
    )


@strawberry.input
class InvoiceDisputeInput:
    id: strawberry.ID
    reason: str = column(m.Invoice.resolution_note)
    expected_version: int | None = strawberry.field(
        default=None, description="The order's version."
    )


@strawberry.input
class ReturnRequestCreateInput:
    purchase_order_id: strawberry.ID
    lines: list[LineQuantityInput]
    reason: str = column(m.ReturnRequest.reason)
    evidence: str | None = column(m.ReturnRequest.evidence, default=None)
    expected_version: int | None = None


@strawberry.input
class ReturnDecisionInput:
    id: strawberry.ID
    note: str | None = column(m.ReturnRequest.decision_note, default=None)
    expected_version: int | None = strawberry.field(
        default=None, description="The order's version."
    )


@strawberry.input
class ReturnReceiveInput:
    id: strawberry.ID
    credit_amount: Decimal = column(m.ReturnRequest.credit_amount)
    expected_version: int | None = strawberry.field(
        default=None, description="The order's version."
    )


@strawberry.input
class ApprovalBandInput:
    up_to: Decimal | None = column(
        PurchaseOrderModel.total,
        description="Upper bound in the organisation's base currency; null: no bound.",
    )
    approvals_required: int


@strawberry.input
class ApprovalPolicySetInput:
    bands: list[ApprovalBandInput]
