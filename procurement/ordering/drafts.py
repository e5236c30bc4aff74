"""The one builder of DRAFT purchase orders.

Orders are made from listings (catalog) and from an award (quotes); both hand this
builder a header and priced lines, so numbering, positions, totals and the
``purchase_order.created`` audit entry are decided once, here.  Callers have already
checked and priced everything (their rules differ); the builder only writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from procurement.audit.service import record
from procurement.numbering import next_number
from procurement.ordering.models import PoStatus, PurchaseOrder, PurchaseOrderLine
from procurement.viewer import Viewer


@dataclass(frozen=True)
class DraftLine:
    """A priced line and where it came from (a listing, or an RFQ line's quote line)."""

    description: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    listing_id: int | None = None
    rfq_line_id: int | None = None
    quote_line_id: int | None = None


@dataclass(frozen=True)
class DraftOrder:
    """The header of a draft order; the total is the lines' subtotal plus shipping."""

    buyer_org_id: int
    supplier_org_id: int
    currency: str
    delivery_address: dict[str, Any] | None
    need_by: date | None
    shipping_cost: Decimal = Decimal(0)
    rfq_id: int | None = None
    quote_id: int | None = None
    incoterm: str | None = None
    payment_terms: str | None = None
    note: str | None = None
    listing_order: bool = False
    external_reference: str | None = None


async def create_draft_order(
    session: AsyncSession, viewer: Viewer, order: DraftOrder, lines: Sequence[DraftLine]
) -> PurchaseOrder:
    """A DRAFT order numbered in the viewer's organisation, its lines in the given order
    (positions from 1), audited as created by the viewer."""
    po = PurchaseOrder(
        number=await next_number(session, viewer.organization_id, "PO"),
        buyer_org_id=order.buyer_org_id,
        supplier_org_id=order.supplier_org_id,
        created_by_id=viewer.user_id,
        rfq_id=order.rfq_id,
        quote_id=order.quote_id,
        status=PoStatus.DRAFT.value,
        currency=order.currency,
        subtotal=Decimal(0),
        shipping_cost=order.shipping_cost,
        total=Decimal(0),
        delivery_address=order.delivery_address,
        need_by=order.need_by,
        incoterm=order.incoterm,
        payment_terms=order.payment_terms,
        note=order.note,
        listing_order=order.listing_order,
        external_reference=order.external_reference,
    )
    session.add(po)
    await session.flush()
    subtotal = Decimal(0)
    for pos, ln in enumerate(lines, start=1):
        total = ln.unit_price * ln.quantity
        subtotal += total
        session.add(
            PurchaseOrderLine(
                purchase_order_id=po.id,
                position=pos,
                listing_id=ln.listing_id,
                rfq_line_id=ln.rfq_line_id,
                quote_line_id=ln.quote_line_id,
                description=ln.description,
                unit=ln.unit,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                line_total=total,
            )
        )
    po.subtotal = subtotal
    po.total = subtotal + po.shipping_cost
    await record(
        session,
        viewer,
        action="purchase_order.created",
        entity=po,
        organization_id=order.buyer_org_id,
    )
    return po
