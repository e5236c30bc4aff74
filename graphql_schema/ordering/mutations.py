"""Purchase order mutations: input -> service call -> payload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from graphql_schema.errors import UserError, in_transaction
from graphql_schema.ids import decode_id
from graphql_schema.ordering.fulfilment_types import (
    GoodsReceipt,
    Invoice,
    ReturnRequest,
    Shipment,
)
from graphql_schema.ordering.inputs import (
    ApprovalPolicySetInput,
    GoodsReceiptCreateInput,
    InvoiceDecisionInput,
    InvoiceDisputeInput,
    InvoiceSubmitInput,
    PurchaseOrderAcknowledgeInput,
    PurchaseOrderActionInput,
    PurchaseOrderApproveInput,
    PurchaseOrderChangeInput,
    PurchaseOrderCreateInput,
    PurchaseOrderReasonInput,
    ReturnDecisionInput,
    ReturnReceiveInput,
    ReturnRequestCreateInput,
    ShipmentCreateInput,
)
from graphql_schema.ordering.payloads import (
    ApprovalPolicyPayload,
    GoodsReceiptPayload,
    InvoicePayload,
    PurchaseOrderCreatePayload,
    PurchaseOrderPayload,
    ReturnRequestPayload,
    ShipmentPayload,
)
from graphql_schema.ordering.types import ApprovalBand, PurchaseOrder
from graphql_schema.partial import given
from procurement.catalog.service import OrderLineInput, order_from_listings
from procurement.ordering import (
    approvals,
    change_orders,
    fulfilment,
    invoices,
    orders,
    receipts,
    returns,
    shipments,
)
from procurement.ordering.models import PurchaseOrder as PurchaseOrderModel
from procurement.viewer import Viewer

Act = Callable[[AsyncSession, Viewer | None], Awaitable[Any]]


def _po(value: strawberry.ID, field: str = "id") -> int:
    return decode_id(value, "PurchaseOrder", field)


def _line(value: strawberry.ID, field: str) -> int:
    return decode_id(value, "PurchaseOrderLine", field)


async def _order(info: Info, act: Act) -> PurchaseOrderPayload:
    result, errors = await in_transaction(info, act)
    if result is None:
        return PurchaseOrderPayload(errors=errors)
    return PurchaseOrderPayload(purchase_order=PurchaseOrder.from_model(result), errors=[])


async def _with_order(info: Info, act: Act) -> tuple[Any, PurchaseOrder | None, list[UserError]]:
    """A fulfilment record and its (reloaded) order."""

    async def both(s: AsyncSession, v: Viewer | None) -> tuple[Any, PurchaseOrderModel]:
        thing = await act(s, v)
        po = await s.get(PurchaseOrderModel, thing.purchase_order_id)
        assert po is not None
        return thing, po

    result, errors = await in_transaction(info, both)
    if result is None:
        return None, None, errors
    thing, po = result
    return thing, PurchaseOrder.from_model(po), []


@strawberry.type
class OrderingMutation:
    @strawberry.mutation(
        description="Buyers: order from catalog listings; one DRAFT order "
        "per supplier, tier prices, MOQ enforced."
    )
    async def purchase_order_create(
        self, info: Info, input: PurchaseOrderCreateInput
    ) -> PurchaseOrderCreatePayload:
        result, errors = await in_transaction(
            info,
            lambda s, v: order_from_listings(
                s,
                v,
                lines=[
                    OrderLineInput(
                        decode_id(ln.listing_id, "Listing", f"lines[{i}].listingId"), ln.quantity
                    )
                    for i, ln in enumerate(input.lines)
                ],
                delivery_address=input.delivery_address.to_domain()
                if input.delivery_address
                else None,
                need_by=input.need_by,
                external_reference=input.external_reference,
            ),
        )
        return PurchaseOrderCreatePayload(
            purchase_orders=[PurchaseOrder.from_model(o) for o in result or []], errors=errors
        )

    @strawberry.mutation(
        description="DRAFT -> PENDING_APPROVAL, or APPROVED when the policy needs no approval."
    )
    async def purchase_order_submit(
        self, info: Info, input: PurchaseOrderActionInput
    ) -> PurchaseOrderPayload:
        return await _order(
            info, lambda s, v: orders.submit(s, v, _po(input.id), input.expected_version)
        )

    @strawberry.mutation
    async def purchase_order_approve(
        self, info: Info, input: PurchaseOrderApproveInput
    ) -> PurchaseOrderPayload:
        return await _order(
            info,
            lambda s, v: orders.approve(s, v, _po(input.id), input.comment, input.expected_version),
        )

    @strawberry.mutation(description="Back to DRAFT with the reason.")
    async def purchase_order_reject(
        self, info: Info, input: PurchaseOrderReasonInput
    ) -> PurchaseOrderPayload:
        return await _order(
            info,
            lambda s, v: orders.reject(s, v, _po(input.id), input.reason, input.expected_version),
        )

    @strawberry.mutation
    async def purchase_order_send(
        self, info: Info, input: PurchaseOrderActionInput
    ) -> PurchaseOrderPayload:
        return await _order(
            info, lambda s, v: orders.send(s, v, _po(input.id), input.expected_version)
        )

    @strawberry.mutation(
        description="Suppliers: accept the order, optionally confirming a delivery date."
    )
    async def purchase_order_acknowledge(
        self, info: Info, input: PurchaseOrderAcknowledgeInput
    ) -> PurchaseOrderPayload:
        return await _order(
            info,
            lambda s, v: orders.acknowledge(
                s, v, _po(input.id), input.delivery_date, input.expected_version
            ),
        )

    @strawberry.mutation
    async def purchase_order_decline(
        self, info: Info, input: PurchaseOrderReasonInput
    ) -> PurchaseOrderPayload:
        return await _order(
            info,
            lambda s, v: orders.decline(s, v, _po(input.id), input.reason, input.expected_version),
        )

    @strawberry.mutation
    async def purchase_order_cancel(
        self, info: Info, input: PurchaseOrderReasonInput
    ) -> PurchaseOrderPayload:
        return await _order(
            info,
            lambda s, v: orders.cancel(s, v, _po(input.id), input.reason, input.expected_version),
        )

    @strawberry.mutation(
        description="Change delivery address, need-by date or quantities before the first shipment."
    )
    async def purchase_order_change(
        self, info: Info, input: PurchaseOrderChangeInput
    ) -> PurchaseOrderPayload:
        return await _order(
            info,
            lambda s, v: change_orders.change(
                s,
                v,
                _po(input.id),
                expected_version=input.expected_version,
                delivery_address=given(input.delivery_address, lambda a: a.to_domain()),
                need_by=given(input.need_by),
                external_reference=given(input.external_reference),
                lines=[
                    change_orders.LineChange(_line(ln.line_id, f"lines[{i}].lineId"), ln.quantity)
                    for i, ln in enumerate(input.lines or [])
                ],
            ),
        )

    @strawberry.mutation(description="Suppliers: ship some or all of the order.")
    async def shipment_create(self, info: Info, input: ShipmentCreateInput) -> ShipmentPayload:
        thing, po, errors = await _with_order(
            info,
            lambda s, v: shipments.create_shipment(
                s,
                v,
                _po(input.purchase_order_id, "purchaseOrderId"),
                lines=[
                    fulfilment.QuantityLine(_line(ln.line_id, f"lines[{i}].lineId"), ln.quantity)
                    for i, ln in enumerate(input.lines)
                ],
                carrier=input.carrier,
                tracking_number=input.tracking_number,
                shipped_at=input.shipped_at,
                expected_version=input.expected_version,
            ),
        )
        return ShipmentPayload(
            shipment=Shipment.from_model(thing) if thing else None, purchase_order=po, errors=errors
        )

    @strawberry.mutation(description="Buyers: record goods accepted and rejected.")
    async def goods_receipt_create(
        self, info: Info, input: GoodsReceiptCreateInput
    ) -> GoodsReceiptPayload:
        thing, po, errors = await _with_order(
            info,
            lambda s, v: receipts.create_receipt(
                s,
                v,
                _po(input.purchase_order_id, "purchaseOrderId"),
                lines=[
                    receipts.ReceiptLine(
                        _line(ln.line_id, f"lines[{i}].lineId"), ln.accepted, ln.rejected
                    )
                    for i, ln in enumerate(input.lines)
                ],
                note=input.note,
                expected_version=input.expected_version,
            ),
        )
        return GoodsReceiptPayload(
            receipt=GoodsReceipt.from_model(thing) if thing else None,
            purchase_order=po,
            errors=errors,
        )

    @strawberry.mutation(
        description="Suppliers: invoice; matched three ways against order and receipts."
    )
    async def invoice_submit(self, info: Info, input: InvoiceSubmitInput) -> InvoicePayload:
        return await _invoice(
            info,
            lambda s, v: invoices.submit_invoice(
                s,
                v,
                _po(input.purchase_order_id, "purchaseOrderId"),
                number=input.number,
                lines=[
                    invoices.InvoiceLine(
                        _line(ln.line_id, f"lines[{i}].lineId"), ln.quantity, ln.unit_price
                    )
                    for i, ln in enumerate(input.lines)
                ],
                tax=input.tax,
                expected_version=input.expected_version,
            ),
        )

    @strawberry.mutation(description="Buyers: accept an invoice held for review.")
    async def invoice_accept(self, info: Info, input: InvoiceDecisionInput) -> InvoicePayload:
        return await _invoice(
            info,
            lambda s, v: invoices.accept_invoice(
                s, v, decode_id(input.id, "Invoice"), input.note, input.expected_version
            ),
        )

    @strawberry.mutation(description="Buyers: dispute an invoice (reason).")
    async def invoice_dispute(self, info: Info, input: InvoiceDisputeInput) -> InvoicePayload:
        return await _invoice(
            info,
            lambda s, v: invoices.dispute_invoice(
                s, v, decode_id(input.id, "Invoice"), input.reason, input.expected_version
            ),
        )

    @strawberry.mutation(description="Buyers: ask to return accepted goods.")
    async def return_request_create(
        self, info: Info, input: ReturnRequestCreateInput
    ) -> ReturnRequestPayload:
        return await _return(
            info,
            lambda s, v: returns.request_return(
                s,
                v,
                _po(input.purchase_order_id, "purchaseOrderId"),
                lines=[
                    fulfilment.QuantityLine(_line(ln.line_id, f"lines[{i}].lineId"), ln.quantity)
                    for i, ln in enumerate(input.lines)
                ],
                reason=input.reason,
                evidence=input.evidence,
                expected_version=input.expected_version,
            ),
        )

    @strawberry.mutation
    async def return_request_approve(
        self, info: Info, input: ReturnDecisionInput
    ) -> ReturnRequestPayload:
        return await _return(
            info,
            lambda s, v: returns.decide_return(
                s,
                v,
                decode_id(input.id, "ReturnRequest"),
                approve=True,
                note=input.note,
                expected_version=input.expected_version,
            ),
        )

    @strawberry.mutation
    async def return_request_reject(
        self, info: Info, input: ReturnDecisionInput
    ) -> ReturnRequestPayload:
        return await _return(
            info,
            lambda s, v: returns.decide_return(
                s,
                v,
                decode_id(input.id, "ReturnRequest"),
                approve=False,
                note=input.note,
                expected_version=input.expected_version,
            ),
        )

    @strawberry.mutation(description="Suppliers: the goods came back; record the credit or refund.")
    async def return_receive(self, info: Info, input: ReturnReceiveInput) -> ReturnRequestPayload:
        return await _return(
            info,
            lambda s, v: returns.receive_return(
                s,
                v,
                decode_id(input.id, "ReturnRequest"),
                credit_amount=input.credit_amount,
                expected_version=input.expected_version,
            ),
        )

    @strawberry.mutation(
        description="ORG_ADMIN: amount bands (base currency) and the approvals each needs."
    )
    async def approval_policy_set(
        self, info: Info, input: ApprovalPolicySetInput
    ) -> ApprovalPolicyPayload:
        result, errors = await in_transaction(
            info,
            lambda s, v: approvals.set_policy(
                s, v, [approvals.Band(b.up_to, b.approvals_required) for b in input.bands]
            ),
        )
        if result is None:
            return ApprovalPolicyPayload(errors=errors)
        return ApprovalPolicyPayload(
            bands=[
                ApprovalBand(up_to=b.up_to, approvals_required=b.approvals_required)
                for b in approvals.bands_of(result)
            ],
            errors=[],
        )


async def _invoice(info: Info, act: Act) -> InvoicePayload:
    thing, po, errors = await _with_order(info, act)
    return InvoicePayload(
        invoice=Invoice.from_model(thing, po._model) if thing and po else None,
        purchase_order=po,
        errors=errors,
    )


async def _return(info: Info, act: Act) -> ReturnRequestPayload:
    thing, po, errors = await _with_order(info, act)
    return ReturnRequestPayload(
        return_request=ReturnRequest.from_model(thing, po._model) if thing and po else None,
        purchase_order=po,
        errors=errors,
    )
