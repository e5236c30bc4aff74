"""Fulfilment: what shipments, receipts, invoices and returns share.

Per line the order keeps ordered, shipped, accepted, rejected, invoiced and returned
quantities; every write in ``shipments``, ``receipts``, ``invoices`` and ``returns``
locks the order row first, so two receipts (or a shipment and a cancellation) never
interleave.  Here: the line checks, the audit event every fulfilment record emits, the
lookup of a record through the order it belongs to, and the rule that closes a
settled order (received, invoiced, nothing in review), which receipts, invoices and
returns all apply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.audit.service import record
from procurement.errors import Collector, ErrorCode, not_found
from procurement.ordering.access import load_for, move
from procurement.ordering.models import (
    Invoice,
    InvoiceStatus,
    PoStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    ReturnRequest,
)
from procurement.ordering.queries import visible_orders
from procurement.parties.models import Organization
from procurement.viewer import Viewer, require_viewer

ZERO = Decimal(0)

# The records reached through their order (``child_for``).
Child = TypeVar("Child", Invoice, ReturnRequest)


@dataclass(frozen=True)
class QuantityLine:
    line_id: int
    quantity: Decimal


async def buyer_settings(session: AsyncSession, po: PurchaseOrder) -> Organization:
    return (
        await session.execute(select(Organization).where(col(Organization.id) == po.buyer_org_id))
    ).scalar_one()


def check_lines(
    c: Collector,
    lines: Sequence[Any],
    by_id: dict[int | None, PurchaseOrderLine],
    field: str = "lines",
) -> None:
    if not lines:
        c.add(ErrorCode.REQUIRED, "Give at least one line", field)
    seen: set[int] = set()
    for i, ln in enumerate(lines):
        if ln.line_id not in by_id:
            c.add(ErrorCode.NOT_FOUND, "Not a line of this order", f"{field}[{i}].lineId")
        elif ln.line_id in seen:
            c.add(ErrorCode.DUPLICATE, "Give each line once", f"{field}[{i}].lineId")
        seen.add(ln.line_id)


async def record_event(
    session: AsyncSession,
    v: Viewer,
    po: PurchaseOrder,
    action: str,
    entity: Any,
    before: dict[str, Any] | None = None,
) -> None:
    await record(
        session,
        v,
        action=action,
        entity=entity,
        organization_id=po.buyer_org_id,
        before=before,
        event_payload={
            "purchase_order_id": po.id,
            "number": po.number,
            "status": po.status,
            "buyer_org_id": po.buyer_org_id,
            "supplier_org_id": po.supplier_org_id,
            "id": entity.id,
        },
    )


async def settled(
    session: AsyncSession, po: PurchaseOrder, current: Sequence[PurchaseOrderLine]
) -> bool:
    """Every accepted (and not returned) quantity invoiced, nothing waiting for review."""
    open_review = (
        await session.execute(
            select(col(Invoice.id)).where(
                col(Invoice.purchase_order_id) == po.id,
                col(Invoice.status) == InvoiceStatus.NEEDS_REVIEW.value,
            )
        )
    ).first()
    return open_review is None and all(
        ln.invoiced_quantity >= ln.accepted_quantity - ln.returned_quantity for ln in current
    )


async def close_if_settled(
    session: AsyncSession, po: PurchaseOrder, action: str, current: Sequence[PurchaseOrderLine]
) -> None:
    """A RECEIVED order that is settled becomes CLOSED."""
    if po.status == PoStatus.RECEIVED.value and await settled(session, po, current):
        move(po, action, PoStatus.CLOSED)


async def child_for(
    session: AsyncSession,
    viewer: Viewer | None,
    model: type[Child],
    child_id: int,
    action: str,
    what: str,
    expected_version: int | None,
) -> tuple[Viewer, PurchaseOrder, Child]:
    """An invoice or return of an order the viewer sees, then the order checked for
    ``action`` and locked (``load_for``), then the record itself locked.  An anonymous
    caller is told to sign in before anything is looked up, as everywhere else."""
    require_viewer(viewer)
    found = (
        await session.execute(
            select(col(model.purchase_order_id))
            .join(PurchaseOrder, col(PurchaseOrder.id) == col(model.purchase_order_id))
            .where(col(model.id) == child_id, visible_orders(viewer))
        )
    ).scalar_one_or_none()
    if found is None:
        raise not_found(what)
    v, po = await load_for(session, viewer, found, action, expected_version)
    child = (
        await session.execute(select(model).where(col(model.id) == child_id).with_for_update())
    ).scalar_one()
    return v, po, child
