"""Loading an order for a write: the right side, the right role, locked, current version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.errors import check_version, not_found
from procurement.ordering.models import PoStatus, PurchaseOrder
from procurement.ordering.queries import visible_orders
from procurement.ordering.states import MACHINE, Side
from procurement.viewer import Viewer, require_viewer


def side_of(viewer: Viewer, po: PurchaseOrder) -> Side | None:
    if viewer.organization_id == po.buyer_org_id:
        return Side.BUYER
    if viewer.organization_id == po.supplier_org_id:
        return Side.SUPPLIER
    return None


async def load_for(
    session: AsyncSession,
    viewer: Viewer | None,
    po_id: int,
    action: str,
    expected_version: int | None = None,
    field: str = "id",
) -> tuple[Viewer, PurchaseOrder]:
    """The order, row-locked, after checking who may take ``action`` on it now.

    Not visible: NOT_FOUND.  Wrong side or role: FORBIDDEN.  Stale ``expected_version``:
    VERSION_CONFLICT naming the current one.  Not allowed in this state:
    INVALID_TRANSITION.
    """
    v = require_viewer(viewer)
    po = (
        await session.execute(
            select(PurchaseOrder)
            .where(col(PurchaseOrder.id) == po_id, visible_orders(v))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if po is None:
        raise not_found("Purchase order", field)
    MACHINE.check_actor(v, side_of(v, po), action)
    check_version("order", po.version, expected_version)
    MACHINE.check(PoStatus(po.status), action, field)
    return v, po


def move(po: PurchaseOrder, action: str, target: PoStatus) -> None:
    """Set the new state, which must be one the table lists for this action."""
    MACHINE.move(po, action, target)
