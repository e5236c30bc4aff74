"""GraphQL types of purchase orders (as created by the award)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import strawberry
from strawberry.types import Info

from graphql_schema.ids import to_global_id
from graphql_schema.node import Node
from graphql_schema.parties.types import Organization
from graphql_schema.scalars import Money
from graphql_schema.sourcing.types import Address, Incoterm, Rfq
from procurement.ordering.models import PoStatus as DomainPoStatus
from procurement.ordering.models import PurchaseOrder as PurchaseOrderModel
from procurement.ordering.models import PurchaseOrderLine as PurchaseOrderLineModel

if TYPE_CHECKING:
    from graphql_schema.context import Context

PurchaseOrderStatus = strawberry.enum(DomainPoStatus, name="PurchaseOrderStatus")


def _ctx(info: Info) -> Context:
    return info.context  # type: ignore[no-any-return]


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

    @classmethod
    def from_model(cls, m: PurchaseOrderLineModel, currency: str) -> PurchaseOrderLine:
        assert m.id is not None
        return cls(
            id=strawberry.ID(to_global_id("PurchaseOrderLine", m.id)),
            position=m.position,
            description=m.description,
            unit=m.unit,
            quantity=m.quantity,
            unit_price=Money(amount=m.unit_price, currency=currency),
            line_total=Money.of(m.line_total, currency),
            quote_line_id=strawberry.ID(to_global_id("QuoteLine", m.quote_line_id))
            if m.quote_line_id
            else None,
            rfq_line_id=strawberry.ID(to_global_id("RfqLine", m.rfq_line_id))
            if m.rfq_line_id
            else None,
        )


@strawberry.type
class PurchaseOrder(Node):
    number: str
    status: PurchaseOrderStatus  # type: ignore[valid-type]
    currency: str
    subtotal: Money
    shipping_cost: Money
    total: Money
    need_by: date | None
    incoterm: Incoterm | None  # type: ignore[valid-type]
    payment_terms: str | None
    note: str | None
    external_reference: str | None
    version: int
    created_at: datetime
    _model: strawberry.Private[PurchaseOrderModel]

    @classmethod
    def from_model(cls, m: PurchaseOrderModel) -> PurchaseOrder:
        assert m.id is not None and m.created_at is not None
        cur = m.currency
        return cls(
            id=strawberry.ID(to_global_id("PurchaseOrder", m.id)),
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
            _model=m,
        )

    @strawberry.field
    def delivery_address(self) -> Address | None:
        return Address.from_json(self._model.delivery_address)

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
