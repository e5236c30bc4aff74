"""Reads of purchase orders: each side sees its own orders.

The buying organisation sees its orders in every state.  The supplier sees an order
from the moment it is first sent (``sent_at``) and in every state after that, even one
a later change or cancellation led to: drafts, orders awaiting approval and orders
cancelled before sending are the buyer's internal business.  Reads, counts, writes
(``access.load_for``) and children (invoices, returns) all go through
``visible_orders``, so the rule has one home.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.ordering.models import PoStatus, PurchaseOrder, PurchaseOrderLine
from procurement.pagination import OrderSpec, Page, paginate
from procurement.search import contains_pattern
from procurement.viewer import Viewer, require_viewer


def visible_orders(viewer: Viewer | None) -> ColumnElement[bool]:
    if viewer is None:
        return false()
    if viewer.is_platform_admin:
        return true()
    return or_(
        col(PurchaseOrder.buyer_org_id) == viewer.organization_id,
        and_(
            col(PurchaseOrder.supplier_org_id) == viewer.organization_id,
            col(PurchaseOrder.sent_at).is_not(None),
        ),
    )


async def get_order(
    session: AsyncSession, viewer: Viewer | None, po_id: int
) -> PurchaseOrder | None:
    return (await visible_orders_by_id(session, viewer, [po_id])).get(po_id)


async def visible_orders_by_id(
    session: AsyncSession, viewer: Viewer | None, ids: Sequence[int]
) -> dict[int, PurchaseOrder]:
    """The visible ones among ``ids``, in one statement (``nodes(ids:)``); see get_order."""
    rows = await session.execute(
        select(PurchaseOrder).where(col(PurchaseOrder.id).in_(ids), visible_orders(viewer))
    )
    return {o.id: o for o in rows.scalars() if o.id is not None}


class OrderSort(StrEnum):
    NEWEST = "NEWEST"
    OLDEST = "OLDEST"
    NUMBER = "NUMBER"


_ORDER: dict[OrderSort, OrderSpec] = {
    OrderSort.NEWEST: [(col(PurchaseOrder.id), "desc")],
    OrderSort.OLDEST: [(col(PurchaseOrder.id), "asc")],
    OrderSort.NUMBER: [(col(PurchaseOrder.number), "asc"), (col(PurchaseOrder.id), "asc")],
}


async def get_order_by_reference(
    session: AsyncSession, viewer: Viewer | None, reference: str
) -> PurchaseOrder | None:
    """External references are the buying organisation's own (its ERP's) keys."""
    if viewer is None:
        return None
    return (
        await session.execute(
            select(PurchaseOrder).where(
                col(PurchaseOrder.buyer_org_id) == viewer.organization_id,
                col(PurchaseOrder.external_reference) == reference,
            )
        )
    ).scalar_one_or_none()


async def reference_taken(
    session: AsyncSession,
    buyer_org_id: int | None,
    ref: str,
    exclude_id: int | None = None,
) -> bool:
    """Whether another order of the buying organisation has this external reference."""
    stmt = select(col(PurchaseOrder.id)).where(
        col(PurchaseOrder.buyer_org_id) == buyer_org_id,
        col(PurchaseOrder.external_reference) == ref,
    )
    if exclude_id is not None:
        stmt = stmt.where(col(PurchaseOrder.id) != exclude_id)
    return (await session.execute(stmt)).first() is not None


async def list_orders(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    rfq_id: int | None = None,
    status: PoStatus | None = None,
    counterparty_id: int | None = None,
    created_after: datetime | None = None,
    text: str | None = None,
    ids: Sequence[int] | None = None,
    sort: OrderSort = OrderSort.NEWEST,
    first: int | None = None,
    after: str | None = None,
) -> Page[PurchaseOrder]:
    """Orders the viewer's organisation buys or supplies."""
    v = require_viewer(viewer)
    stmt = select(PurchaseOrder).where(visible_orders(v))
    if rfq_id is not None:
        stmt = stmt.where(col(PurchaseOrder.rfq_id) == rfq_id)
    if status is not None:
        stmt = stmt.where(col(PurchaseOrder.status) == status.value)
    if counterparty_id is not None:
        stmt = stmt.where(
            or_(
                and_(
                    col(PurchaseOrder.buyer_org_id) == v.organization_id,
                    col(PurchaseOrder.supplier_org_id) == counterparty_id,
                ),
                and_(
                    col(PurchaseOrder.supplier_org_id) == v.organization_id,
                    col(PurchaseOrder.buyer_org_id) == counterparty_id,
                ),
            )
        )
    if created_after is not None:
        stmt = stmt.where(col(PurchaseOrder.created_at) > created_after)
    if text and text.strip():
        pattern = contains_pattern(text)
        stmt = stmt.where(
            or_(
                col(PurchaseOrder.number).ilike(pattern),
                col(PurchaseOrder.external_reference).ilike(pattern),
            )
        )
    if ids is not None:
        stmt = stmt.where(col(PurchaseOrder.id).in_(ids))
    return await paginate(session, stmt, order_by=_ORDER[sort], first=first, after=after)


async def lines_by_order(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, list[PurchaseOrderLine]]:
    return await children_by_order(
        session, ids, model=PurchaseOrderLine, order_by=col(PurchaseOrderLine.position)
    )


def _grouped(rows: Any, key: str) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        out[getattr(r, key)].append(r)
    return out


async def children_by_order(
    session: AsyncSession, ids: Sequence[int], *, model: Any, order_by: Any = None
) -> dict[int, list[Any]]:
    """Lines, approvals, revisions, shipments, receipts, invoices or returns of many
    orders, by ``order_by`` (default: id)."""
    rows = (
        await session.execute(
            select(model)
            .where(model.purchase_order_id.in_(ids))
            .order_by(model.id if order_by is None else order_by)
        )
    ).scalars()
    return _grouped(rows, "purchase_order_id")
