"""Goods receipts: the buyer accepts and rejects quantities of what was shipped.

When every line's accepted quantity reaches the ordered one, the order is RECEIVED
(and CLOSED at once if it is already settled).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from procurement.amounts import check_positive
from procurement.errors import Collector, ErrorCode
from procurement.ordering.access import load_for, move
from procurement.ordering.fulfilment import (
    check_lines,
    record_event,
    settled,
)
from procurement.ordering.models import (
    GoodsReceipt,
    PoStatus,
)
from procurement.ordering.orders import order_lines
from procurement.viewer import Viewer


@dataclass(frozen=True)
class ReceiptLine:
    line_id: int
    accepted: Decimal
    rejected: Decimal


async def create_receipt(
    session: AsyncSession,
    viewer: Viewer | None,
    po_id: int,
    *,
    lines: Sequence[ReceiptLine],
    note: str | None = None,
    expected_version: int | None = None,
) -> GoodsReceipt:
    v, po = await load_for(session, viewer, po_id, "RECEIVE", expected_version, "purchaseOrderId")
    current = await order_lines(session, po_id)
    by_id = {ln.id: ln for ln in current}
    c = Collector()
    check_lines(c, lines, by_id)
    for i, ln in enumerate(lines):
        check_positive(c, ln.accepted, f"lines[{i}].accepted", zero_ok=True)
        check_positive(c, ln.rejected, f"lines[{i}].rejected", zero_ok=True)
        line = by_id.get(ln.line_id)
        if line is None or not (ln.accepted.is_finite() and ln.rejected.is_finite()):
            continue
        if ln.accepted + ln.rejected == 0:
            c.add(ErrorCode.NOT_POSITIVE, "Accept or reject something", f"lines[{i}]")
        received = line.accepted_quantity + line.rejected_quantity + ln.accepted + ln.rejected
        if received > line.shipped_quantity:
            c.add(
                ErrorCode.INVALID,
                f"Only {line.shipped_quantity:f} shipped; {received:f} would be received",
                f"lines[{i}]",
            )
    c.raise_if_any()
    for ln in lines:
        by_id[ln.line_id].accepted_quantity += ln.accepted
        by_id[ln.line_id].rejected_quantity += ln.rejected
    receipt = GoodsReceipt(
        purchase_order_id=po.id,
        received_by_id=v.user_id,
        note=note,
        lines=[
            {"line_id": ln.line_id, "accepted": str(ln.accepted), "rejected": str(ln.rejected)}
            for ln in lines
        ],
    )
    session.add(receipt)
    await session.flush()
    done = all(ln.accepted_quantity >= ln.quantity for ln in current)
    if not done:
        move(po, "RECEIVE", PoStatus.IN_FULFILMENT)
    elif await settled(session, po, current):  # invoiced ahead of this last receipt
        move(po, "RECEIVE", PoStatus.CLOSED)
    else:
        move(po, "RECEIVE", PoStatus.RECEIVED)
    po.version += 1
    await record_event(session, v, po, "goods_receipt.created", receipt)  # record() flushes
    return receipt
