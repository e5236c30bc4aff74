"""Change orders: the buyer changes an order's need-by date, delivery address, reference
or line quantities.

New quantities are held to what the order was held to when made and repriced at the
tier they reach (``repricing``).  A change to an order pending approval, or one that
raises the total above what was approved, starts a new approval round (four eyes); a
change to an acknowledged order needs acknowledging again.  Each change keeps a
revision (the whole order before and after) and is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from procurement.addresses import Address, check_address
from procurement.amounts import check_positive
from procurement.audit.service import record
from procurement.clock import db_now
from procurement.errors import Collector, ErrorCode
from procurement.ordering.access import load_for, move
from procurement.ordering.approvals import (
    round_requesters,
)
from procurement.ordering.models import (
    PoRevision,
    PoStatus,
    PurchaseOrder,
)
from procurement.ordering.orders import enter_approval, order_lines, order_snapshot
from procurement.ordering.queries import reference_taken
from procurement.ordering.repricing import check_quantity, terms_of
from procurement.unset import UNSET, Unset
from procurement.viewer import Viewer


@dataclass(frozen=True)
class LineChange:
    line_id: int
    quantity: Decimal


async def change(
    session: AsyncSession,
    viewer: Viewer | None,
    po_id: int,
    *,
    expected_version: int | None,
    delivery_address: Address | Unset | None = UNSET,
    need_by: date | Unset | None = UNSET,
    lines: Sequence[LineChange] = (),
    external_reference: str | Unset | None = UNSET,
) -> PurchaseOrder:
    """A change order, until the first shipment.  Each change bumps the version and keeps
    a revision (before and after).  A total above the amount already approved goes back
    through approval; a change to an acknowledged order needs acknowledging again."""

    v, po = await load_for(session, viewer, po_id, "CHANGE", expected_version)
    current = await order_lines(session, po_id)
    before = order_snapshot(po, current)
    c = Collector()
    if delivery_address is not UNSET:
        po.delivery_address = check_address(c, delivery_address) if delivery_address else None
    if need_by is not UNSET:
        if need_by is not None and need_by < (await db_now(session)).date():
            c.add(ErrorCode.INVALID, "The need-by date is in the past", "needBy")
        po.need_by = need_by
    if external_reference is not UNSET:
        ref = (external_reference or "").strip() or None
        if ref is not None and await reference_taken(
            session, po.buyer_org_id, ref, exclude_id=po.id
        ):
            c.add(
                ErrorCode.DUPLICATE,
                "Another order of yours has this external reference",
                "externalReference",
            )
        po.external_reference = ref
    by_id = {ln.id: ln for ln in current}
    terms = await terms_of(session, current) if lines else {}
    for i, ch in enumerate(lines):
        ln = by_id.get(ch.line_id)
        if ln is None:
            c.add(ErrorCode.NOT_FOUND, "Not a line of this order", f"lines[{i}].lineId")
            continue
        check_positive(c, ch.quantity, f"lines[{i}].quantity")
        line_terms = terms.get(ch.line_id)
        positive = ch.quantity.is_finite() and ch.quantity > 0
        if line_terms is not None and positive and ch.quantity != ln.quantity:
            # held to what the order was held to when made, priced at the new tier
            check_quantity(c, line_terms, ch.quantity, f"lines[{i}].quantity")
            if ch.quantity.is_finite():
                ln.unit_price = line_terms.price_at(ch.quantity)
        ln.quantity = ch.quantity
        ln.line_total = ln.unit_price * ch.quantity
    c.raise_if_any()
    po.subtotal = sum((ln.line_total for ln in current), Decimal(0))
    po.total = po.subtotal + po.shipping_cost
    status = PoStatus(po.status)
    # approvers saw other numbers (pending), or approved less than the new total: a new
    # round, asked for by whoever made the change (four eyes)
    if status is PoStatus.PENDING_APPROVAL or (
        status is not PoStatus.DRAFT
        and po.approved_total is not None
        and po.total > po.approved_total
    ):
        await enter_approval(session, po, "CHANGE", await round_requesters(session, v))
    elif status is PoStatus.ACKNOWLEDGED:
        move(po, "CHANGE", PoStatus.SENT)
    po.version += 1
    after = order_snapshot(po, current)
    session.add(
        PoRevision(
            purchase_order_id=po.id,
            version=po.version,
            changed_by_id=v.user_id,
            before=before,
            after=after,
        )
    )
    await record(
        session,
        v,
        action="purchase_order.changed",
        entity=po,
        organization_id=po.buyer_org_id,
        before=before,
        after=after,
    )
    return po
