"""Shipments: the supplier ships quantities of the order's lines.

Shipping beyond the ordered quantity is refused past the buying organisation's
over-shipment tolerance (default 0).  The first shipment moves the order to
IN_FULFILMENT.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from procurement.amounts import check_positive
from procurement.errors import Collector, ErrorCode
from procurement.ordering.access import load_for, move
from procurement.ordering.fulfilment import (
    QuantityLine,
    buyer_settings,
    check_lines,
    record_event,
)
from procurement.ordering.models import (
    PoStatus,
    Shipment,
)
from procurement.ordering.orders import order_lines
from procurement.viewer import Viewer


async def create_shipment(
    session: AsyncSession,
    viewer: Viewer | None,
    po_id: int,
    *,
    lines: Sequence[QuantityLine],
    carrier: str | None,
    tracking_number: str | None,
    shipped_at: datetime | None,
    expected_version: int | None = None,
) -> Shipment:
    v, po = await load_for(session, viewer, po_id, "SHIP", expected_version, "purchaseOrderId")
    current = await order_lines(session, po_id)
    by_id = {ln.id: ln for ln in current}
    tolerance = (await buyer_settings(session, po)).over_shipment_tolerance
    c = Collector()
    check_lines(c, lines, by_id)
    for i, ln in enumerate(lines):
        check_positive(c, ln.quantity, f"lines[{i}].quantity")
        line = by_id.get(ln.line_id)
        if line is None or not ln.quantity.is_finite():
            continue
        # rejected goods may be replaced: they do not count against the ordered quantity
        limit = line.quantity * (1 + tolerance) + line.rejected_quantity
        if line.shipped_quantity + ln.quantity > limit:
            c.add(
                ErrorCode.OVER_SHIPMENT,
                f"Ships {line.shipped_quantity + ln.quantity:f} of {line.quantity:f} ordered "
                f"(tolerance {tolerance * 100:.2f} %)",
                f"lines[{i}].quantity",
            )
    c.raise_if_any()
    for ln in lines:
        by_id[ln.line_id].shipped_quantity += ln.quantity
    shipment = Shipment(
        purchase_order_id=po.id,
        carrier=carrier,
        tracking_number=tracking_number,
        shipped_at=shipped_at,
        lines=[{"line_id": ln.line_id, "quantity": str(ln.quantity)} for ln in lines],
    )
    session.add(shipment)
    move(po, "SHIP", PoStatus.IN_FULFILMENT)
    po.version += 1
    await session.flush()
    await record_event(session, v, po, "shipment.created", shipment)
    return shipment
