"""Purchase order lifecycle: submit, approve, reject, send, acknowledge, decline, cancel
(change: ``change_orders.py``); and the actions a viewer may take now.

Every transition locks the order row and checks the version (``access.load_for``), so
of two conflicting actions exactly one wins and the other sees the new state.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.audit.service import snapshot
from procurement.clock import db_now
from procurement.errors import DomainError, ErrorCode
from procurement.ordering.access import load_for, move, side_of
from procurement.ordering.approvals import (
    amount_in_base,
    approvals_needed,
    approver_problem,
    base_currency,
    fx_table_loader,
    round_requesters,
    total_in_base,
)
from procurement.ordering.models import (
    Approval,
    PoStatus,
    PurchaseOrder,
    PurchaseOrderLine,
)
from procurement.ordering.queries import children_by_order
from procurement.ordering.states import MACHINE, ApprovalContext
from procurement.viewer import Role, Viewer


async def order_lines(session: AsyncSession, po_id: int) -> list[PurchaseOrderLine]:
    return list(
        (
            await session.execute(
                select(PurchaseOrderLine)
                .where(col(PurchaseOrderLine.purchase_order_id) == po_id)
                .order_by(col(PurchaseOrderLine.position))
                .with_for_update()
            )
        ).scalars()
    )


def order_snapshot(po: PurchaseOrder, lines: Sequence[PurchaseOrderLine]) -> dict[str, Any]:
    data = snapshot(po) or {}
    data["lines"] = [snapshot(ln) for ln in lines]
    return data


async def _audit(
    session: AsyncSession,
    v: Viewer,
    po: PurchaseOrder,
    action: str,
    before: dict[str, Any] | None,
    **extra: Any,
) -> None:
    await MACHINE.record_change(
        session,
        v,
        po,
        audit_action=f"purchase_order.{action}",
        organization_id=po.buyer_org_id,
        before=before,
        event_payload=lambda: {
            "purchase_order_id": po.id,
            "number": po.number,
            "status": po.status,
            "version": po.version,
            "buyer_org_id": po.buyer_org_id,
            "supplier_org_id": po.supplier_org_id,
            **extra,
        },
    )


async def enter_approval(
    session: AsyncSession, po: PurchaseOrder, action: str, requesters: list[int]
) -> None:
    """Start a new approval round, asked for by ``requesters`` (who may not approve it):
    approved at once if the policy asks for none.

    On a change that needs no approval, an order already sent stays SENT (an acknowledged
    one goes back to SENT, to be acknowledged again) and a pending one becomes APPROVED.
    """
    po.approval_round += 1
    po.round_requester_ids = requesters
    po.approvals_required = await approvals_needed(session, po)
    if po.approvals_required > 0:
        move(po, action, PoStatus.PENDING_APPROVAL)
        return
    po.approved_total = po.total
    status = PoStatus(po.status)
    if action != "CHANGE" or status in (PoStatus.PENDING_APPROVAL, PoStatus.APPROVED):
        move(po, action, PoStatus.APPROVED)
    elif status is PoStatus.ACKNOWLEDGED:
        move(po, action, PoStatus.SENT)


async def submit(
    session: AsyncSession, viewer: Viewer | None, po_id: int, expected_version: int | None = None
) -> PurchaseOrder:
    v, po = await load_for(session, viewer, po_id, "SUBMIT", expected_version)
    before = snapshot(po)
    po.submitted_by_id = v.user_id
    po.submitted_by_api_key_id = v.api_key_id
    po.status_reason = None
    await enter_approval(session, po, "SUBMIT", await round_requesters(session, v))
    await _audit(session, v, po, "submitted", before, approvals_required=po.approvals_required)
    return po


async def _approvals(session: AsyncSession, po: PurchaseOrder) -> list[Approval]:
    return list(
        (
            await session.execute(
                select(Approval).where(
                    col(Approval.purchase_order_id) == po.id,
                    col(Approval.round) == po.approval_round,
                    col(Approval.decision) == "APPROVED",
                )
            )
        ).scalars()
    )


async def _check_approver(session: AsyncSession, v: Viewer, po: PurchaseOrder) -> list[Approval]:
    """The round's approvals so far, after checking ``v`` may add one."""
    amount, base = await total_in_base(session, po)
    existing = await _approvals(session, po)
    MACHINE.check_guards("APPROVE", v, ApprovalContext(po, existing, amount, base))
    return existing


async def approve(
    session: AsyncSession,
    viewer: Viewer | None,
    po_id: int,
    comment: str | None = None,
    expected_version: int | None = None,
) -> PurchaseOrder:
    v, po = await load_for(session, viewer, po_id, "APPROVE", expected_version)
    existing = await _check_approver(session, v, po)
    before = snapshot(po)
    session.add(
        Approval(
            purchase_order_id=po.id,
            round=po.approval_round,
            approver_id=v.user_id,
            decision="APPROVED",
            comment=comment,
        )
    )
    await session.flush()
    count = len(existing) + 1  # the order is locked: no other approval came in meanwhile
    if count >= po.approvals_required:
        move(po, "APPROVE", PoStatus.APPROVED)
        po.approved_total = po.total
    await _audit(
        session,
        v,
        po,
        "approved",
        before,
        approvals=count,
        approvals_required=po.approvals_required,
    )
    return po


async def reject(
    session: AsyncSession,
    viewer: Viewer | None,
    po_id: int,
    reason: str,
    expected_version: int | None = None,
) -> PurchaseOrder:
    v, po = await load_for(session, viewer, po_id, "REJECT", expected_version)
    MACHINE.check_guards("REJECT", v, ApprovalContext(po))
    if not reason.strip():
        raise DomainError.of(ErrorCode.REQUIRED, "Give a reason", "reason")
    before = snapshot(po)
    session.add(
        Approval(
            purchase_order_id=po.id,
            round=po.approval_round,
            approver_id=v.user_id,
            decision="REJECTED",
            comment=reason.strip(),
        )
    )
    move(po, "REJECT", PoStatus.DRAFT)
    po.status_reason = reason.strip()
    await _audit(session, v, po, "rejected", before, reason=reason.strip())
    return po


async def send(
    session: AsyncSession, viewer: Viewer | None, po_id: int, expected_version: int | None = None
) -> PurchaseOrder:
    v, po = await load_for(session, viewer, po_id, "SEND", expected_version)
    before = snapshot(po)
    move(po, "SEND", PoStatus.SENT)
    if po.sent_at is None:  # the first send shows the order to the supplier
        po.sent_at = await db_now(session)
    await _audit(session, v, po, "sent", before)
    return po


async def acknowledge(
    session: AsyncSession,
    viewer: Viewer | None,
    po_id: int,
    delivery_date: date | None = None,
    expected_version: int | None = None,
) -> PurchaseOrder:
    v, po = await load_for(session, viewer, po_id, "ACKNOWLEDGE", expected_version)
    if delivery_date is not None and delivery_date < (await db_now(session)).date():
        raise DomainError.of(ErrorCode.INVALID, "The delivery date is in the past", "deliveryDate")
    before = snapshot(po)
    move(po, "ACKNOWLEDGE", PoStatus.ACKNOWLEDGED)
    po.confirmed_delivery_date = delivery_date
    po.status_reason = None
    await _audit(session, v, po, "acknowledged", before)
    return po


async def decline(
    session: AsyncSession,
    viewer: Viewer | None,
    po_id: int,
    reason: str,
    expected_version: int | None = None,
) -> PurchaseOrder:
    v, po = await load_for(session, viewer, po_id, "DECLINE", expected_version)
    if not reason.strip():
        raise DomainError.of(ErrorCode.REQUIRED, "Give a reason", "reason")
    before = snapshot(po)
    move(po, "DECLINE", PoStatus.DECLINED)
    po.status_reason = reason.strip()
    await _audit(session, v, po, "declined", before, reason=reason.strip())
    return po


async def cancel(
    session: AsyncSession,
    viewer: Viewer | None,
    po_id: int,
    reason: str,
    expected_version: int | None = None,
) -> PurchaseOrder:
    v, po = await load_for(session, viewer, po_id, "CANCEL", expected_version)
    if not reason.strip():
        raise DomainError.of(ErrorCode.REQUIRED, "Give a reason", "reason")
    before = snapshot(po)
    move(po, "CANCEL", PoStatus.CANCELLED)
    po.status_reason = reason.strip()
    await _audit(session, v, po, "cancelled", before, reason=reason.strip())
    return po


def available_actions(
    viewer: Viewer | None,
    po: PurchaseOrder,
    approvals: Sequence[Approval],
    amount: Decimal,
    base: str,
) -> list[str]:
    """What this viewer may do now, as the checks would judge it (approval specifics too),
    so a client shows exactly the buttons that will work."""
    if viewer is None:
        return []
    context = ApprovalContext(po, approvals, amount, base)
    return MACHINE.available(viewer, side_of(viewer, po), PoStatus(po.status), context)


async def approvals_awaiting(session: AsyncSession, viewer: Viewer | None) -> list[int]:
    """Orders of the viewer's organisation pending approval that the viewer may approve:
    one query for the orders, one for their approvals, the FX table at most once."""
    if viewer is None or Role.APPROVER not in viewer.roles or viewer.user_id is None:
        return []
    pos = list(
        (
            await session.execute(
                select(PurchaseOrder)
                .where(
                    col(PurchaseOrder.buyer_org_id) == viewer.organization_id,
                    col(PurchaseOrder.status) == PoStatus.PENDING_APPROVAL.value,
                )
                .order_by(col(PurchaseOrder.id))
            )
        ).scalars()
    )
    if not pos:
        return []
    approvals = await children_by_order(session, [po.id or 0 for po in pos], model=Approval)
    base = await base_currency(session, viewer.organization_id)
    table = fx_table_loader(session)
    out = []
    for po in pos:
        amount = await amount_in_base(po, base, table)
        if approver_problem(viewer, po, approvals.get(po.id or 0, []), amount, base) is None:
            out.append(po.id or 0)
    return out
