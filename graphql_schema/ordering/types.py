"""GraphQL types of purchase orders: the order, its lines, approvals and changes (its
fulfilment records: ``fulfilment_types.py``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from graphql_schema.field_sides import sided
from graphql_schema.ids import global_id
from graphql_schema.node import Node
from graphql_schema.ordering.fulfilment_types import (
    GoodsReceipt,
    Invoice,
    ReturnRequest,
    Shipment,
)
from graphql_schema.parties.types import Organization, User
from graphql_schema.scalars import Money
from graphql_schema.sourcing.types import Address, Incoterm, Rfq
from procurement.field_sides import Audience, Owners, may_read
from procurement.ordering.approvals import amount_in_base
from procurement.ordering.changes import shared_changes, shared_status_reason
from procurement.ordering.models import PoStatus as DomainPoStatus
from procurement.ordering.models import PurchaseOrder as PurchaseOrderModel
from procurement.ordering.models import PurchaseOrderLine as PurchaseOrderLineModel
from procurement.ordering.orders import available_actions
from procurement.ordering.states import ACTIONS

if TYPE_CHECKING:
    from graphql_schema.context import Context


PurchaseOrderStatus = strawberry.enum(DomainPoStatus, name="PurchaseOrderStatus")


@strawberry.enum
class OrderSource(Enum):
    RFQ = "RFQ"
    CATALOG = "CATALOG"


#: one value per action of the lifecycle table, in its order
PurchaseOrderAction = strawberry.enum(  # type: ignore[call-overload]  # a functional Enum from the action table is no class to mypy
    Enum("PurchaseOrderAction", {name: name for name in ACTIONS}),
    description="What a viewer may do with an order now.",
)


@strawberry.type
class ApprovalBand:
    up_to: Decimal | None
    approvals_required: int


@strawberry.type
class ApprovalRecord:
    round: int
    decision: str
    comment: str | None
    created_at: datetime
    _approver_id: strawberry.Private[int | None]

    @strawberry.field
    async def approver(self, info: Info) -> User | None:
        if self._approver_id is None:
            return None
        m = await _ctx(info).loaders.user.load(self._approver_id)
        return User.from_model(m) if m else None


@strawberry.type
class PurchaseOrderRevision:
    version: int
    before: JSON
    after: JSON
    created_at: datetime
    _changed_by_id: strawberry.Private[int | None]

    @strawberry.field
    async def changed_by(self, info: Info) -> User | None:
        if self._changed_by_id is None:
            return None
        m = await _ctx(info).loaders.user.load(self._changed_by_id)
        return User.from_model(m) if m else None


@strawberry.type(description="One shared field a change altered (`lineId`: of that line).")
class PurchaseOrderFieldChange:
    field: str = strawberry.field(
        description="needBy, deliveryAddress, shippingCost, subtotal, total; for a line: "
        "quantity, unitPrice, lineTotal"
    )
    line_id: strawberry.ID | None
    before: JSON | None
    after: JSON | None


@strawberry.type(description="A change made after the order was sent, as both sides see it.")
class PurchaseOrderChange:
    version: int
    created_at: datetime
    fields: list[PurchaseOrderFieldChange]


_CHANGE_FIELD_NAMES = {
    "need_by": "needBy",
    "delivery_address": "deliveryAddress",
    "shipping_cost": "shippingCost",
    "unit_price": "unitPrice",
    "line_total": "lineTotal",
}


def _ctx(info: Info) -> Context:
    ctx: Context = info.context
    return ctx


@strawberry.type
class PurchaseOrderLine(Node):
    position: int
    description: str
    unit: str
    quantity: Decimal
    unit_price: Money
    line_total: Money
    quote_line_id: strawberry.ID | None
    rfq_line_id: strawberry.ID | None
    listing_id: strawberry.ID | None
    shipped_quantity: Decimal
    accepted_quantity: Decimal
    rejected_quantity: Decimal
    invoiced_quantity: Decimal
    returned_quantity: Decimal

    @classmethod
    def from_model(cls, m: PurchaseOrderLineModel, currency: str) -> PurchaseOrderLine:
        assert m.id is not None
        return cls(
            id=global_id("PurchaseOrderLine", m.id),
            position=m.position,
            description=m.description,
            unit=m.unit,
            quantity=m.quantity,
            unit_price=Money(amount=m.unit_price, currency=currency),
            line_total=Money.of(m.line_total, currency),
            quote_line_id=global_id("QuoteLine", m.quote_line_id) if m.quote_line_id else None,
            rfq_line_id=global_id("RfqLine", m.rfq_line_id) if m.rfq_line_id else None,
            listing_id=global_id("Listing", m.listing_id) if m.listing_id else None,
            shipped_quantity=m.shipped_quantity,
            accepted_quantity=m.accepted_quantity,
            rejected_quantity=m.rejected_quantity,
            invoiced_quantity=m.invoiced_quantity,
            returned_quantity=m.returned_quantity,
        )


@sided
@strawberry.type
class PurchaseOrder(Node):
    number: str
    status: PurchaseOrderStatus  # type: ignore[valid-type]  # a strawberry.enum(...) result is a variable to mypy
    currency: str
    subtotal: Money
    shipping_cost: Money
    total: Money
    need_by: date | None
    incoterm: Incoterm | None  # type: ignore[valid-type]  # a strawberry.enum(...) result is a variable to mypy
    payment_terms: str | None
    note: str | None
    external_reference: str | None = strawberry.field(
        description="Your ERP's key for the order; buyer only."
    )
    version: int
    created_at: datetime
    confirmed_delivery_date: date | None
    approvals_required: int | None = strawberry.field(description="Buyer only.")
    approval_round: int | None = strawberry.field(description="Buyer only.")
    approved_total: Money | None = strawberry.field(description="Buyer only.")
    source: OrderSource
    _model: strawberry.Private[PurchaseOrderModel]

    @classmethod
    def from_model(cls, m: PurchaseOrderModel) -> PurchaseOrder:
        assert m.id is not None and m.created_at is not None
        cur = m.currency
        return cls(
            id=global_id("PurchaseOrder", m.id),
            number=m.number,
            status=PurchaseOrderStatus(m.status),
            currency=cur,
            subtotal=Money.of(m.subtotal, cur),
            shipping_cost=Money.of(m.shipping_cost, cur),
            total=Money.of(m.total, cur),
            need_by=m.need_by,
            incoterm=Incoterm(m.incoterm) if m.incoterm else None,
            payment_terms=m.payment_terms,
            note=m.note,
            external_reference=m.external_reference,
            version=m.version,
            created_at=m.created_at,
            confirmed_delivery_date=m.confirmed_delivery_date,
            approvals_required=m.approvals_required,
            approval_round=m.approval_round,
            approved_total=Money.of(m.approved_total, cur)
            if m.approved_total is not None
            else None,
            source=OrderSource.CATALOG if m.listing_order else OrderSource.RFQ,
            _model=m,
        )

    def owners(self) -> Owners:
        return Owners(buyer=self._model.buyer_org_id, supplier=self._model.supplier_org_id)

    @strawberry.field
    def delivery_address(self) -> Address | None:
        return Address.from_json(self._model.delivery_address)

    @strawberry.field(
        description="Why it was declined or cancelled (the latest); why it was rejected, "
        "to the buyer only."
    )
    def status_reason(self, info: Info) -> str | None:
        buyer_side = may_read(_ctx(info).viewer, self.owners(), Audience.BUYER)
        return shared_status_reason(self._model, buyer_side)

    @strawberry.field
    async def buyer(self, info: Info) -> Organization:
        m = await _ctx(info).loaders.organization.load(self._model.buyer_org_id or 0)
        assert m is not None
        return Organization.from_model(m)

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        m = await _ctx(info).loaders.organization.load(self._model.supplier_org_id or 0)
        assert m is not None
        return Organization.from_model(m)

    @strawberry.field(description="The RFQ this order was awarded from.")
    async def rfq(self, info: Info) -> Rfq | None:
        if self._model.rfq_id is None:
            return None
        m = await _ctx(info).loaders.rfq.load(self._model.rfq_id)
        return Rfq.from_model(m, info) if m else None

    @strawberry.field
    async def lines(self, info: Info) -> list[PurchaseOrderLine]:
        rows = await _ctx(info).loaders.purchase_order_lines.load(self._model.id or 0)
        return [PurchaseOrderLine.from_model(r, self._model.currency) for r in rows]

    async def _children(self, info: Info, kind: str) -> list[Any]:
        return await _ctx(info).loaders.po_children[kind].load(self._model.id or 0)

    @strawberry.field(description="Every approval decision, all rounds, oldest first; buyer only.")
    async def approvals(self, info: Info) -> list[ApprovalRecord] | None:
        return [
            ApprovalRecord(
                round=a.round,
                decision=a.decision,
                comment=a.comment,
                created_at=a.created_at,
                _approver_id=a.approver_id,
            )
            for a in await self._children(info, "approvals")
        ]

    @strawberry.field(description="Each change: the order before and after; buyer only.")
    async def revisions(self, info: Info) -> list[PurchaseOrderRevision] | None:
        return [
            PurchaseOrderRevision(
                version=r.version,
                before=r.before,
                after=r.after,
                created_at=r.created_at,
                _changed_by_id=r.changed_by_id,
            )
            for r in await self._children(info, "revisions")
        ]

    @strawberry.field(
        description="Changes made after the order was sent: what the supplier was asked to "
        "deliver and charge, before and after."
    )
    async def changes(self, info: Info) -> list[PurchaseOrderChange]:
        revisions = await self._children(info, "revisions")
        return [
            PurchaseOrderChange(
                version=c.version,
                created_at=c.created_at,
                fields=[
                    PurchaseOrderFieldChange(
                        field=_CHANGE_FIELD_NAMES.get(f.field, f.field),
                        line_id=global_id("PurchaseOrderLine", f.line_id)
                        if f.line_id is not None
                        else None,
                        before=f.before,
                        after=f.after,
                    )
                    for f in c.fields
                ],
            )
            for c in shared_changes(self._model, revisions)
        ]

    @strawberry.field
    async def shipments(self, info: Info) -> list[Shipment]:
        return [Shipment.from_model(x) for x in await self._children(info, "shipments")]

    @strawberry.field
    async def receipts(self, info: Info) -> list[GoodsReceipt]:
        return [GoodsReceipt.from_model(x) for x in await self._children(info, "receipts")]

    @strawberry.field
    async def invoices(self, info: Info) -> list[Invoice]:
        return [Invoice.from_model(x, self._model) for x in await self._children(info, "invoices")]

    @strawberry.field
    async def returns(self, info: Info) -> list[ReturnRequest]:
        return [
            ReturnRequest.from_model(x, self._model) for x in await self._children(info, "returns")
        ]

    @strawberry.field(description="What you may do with this order now.")
    async def available_actions(self, info: Info) -> list[PurchaseOrderAction]:  # type: ignore[valid-type]  # a strawberry.enum(...) result is a variable to mypy
        ctx = _ctx(info)
        m = self._model
        approvals = await self._children(info, "approvals")
        buyer = await ctx.loaders.organization.load(m.buyer_org_id or 0)
        assert buyer is not None
        base = buyer.base_currency
        amount = await amount_in_base(m, base, ctx.fx_table)
        actions = available_actions(ctx.viewer, m, approvals, amount, base)
        return [PurchaseOrderAction(a) for a in actions]
