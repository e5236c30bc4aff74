"""Reads of purchase orders: each side sees its own orders."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.ordering.models import PurchaseOrder, PurchaseOrderLine
from procurement.pagination import Page, paginate
from procurement.viewer import Viewer, require_viewer


def visible_orders(viewer: Viewer | None) -> ColumnElement[bool]:
    if viewer is None:
        return false()
    if viewer.is_platform_admin:
        return true()
    return or_(
        PurchaseOrder.buyer_org_id == viewer.organization_id,
        PurchaseOrder.supplier_org_id == viewer.organization_id,
    )


async def get_order(
    session: AsyncSession, viewer: Viewer | None, po_id: int
) -> PurchaseOrder | None:
    return (
        await session.execute(
            select(PurchaseOrder).where(PurchaseOrder.id == po_id, visible_orders(viewer))
        )
    ).scalar_one_or_none()


async def list_orders(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    rfq_id: int | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Page[PurchaseOrder]:
    v = require_viewer(viewer)
    stmt = select(PurchaseOrder).where(visible_orders(v))
    if rfq_id is not None:
        stmt = stmt.where(PurchaseOrder.rfq_id == rfq_id)
    return await paginate(
        session, stmt, order_by=[(PurchaseOrder.id, "desc")], first=first, after=after
    )


async def lines_by_order(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, list[PurchaseOrderLine]]:
    rows = (
        await session.execute(
            select(PurchaseOrderLine)
            .where(PurchaseOrderLine.purchase_order_id.in_(ids))  # type: ignore[union-attr]
            .order_by(PurchaseOrderLine.position)
        )
    ).scalars()
    out: dict[int, list[PurchaseOrderLine]] = defaultdict(list)
    for ln in rows:
        assert ln.purchase_order_id is not None
        out[ln.purchase_order_id].append(ln)
    return out
