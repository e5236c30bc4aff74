"""Returns: the buyer requests one (reason, evidence) for accepted goods; the supplier
approves or rejects it, then records receipt of the goods with the credit or refund.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.amounts import check_positive
from procurement.audit.service import snapshot
from procurement.errors import Collector, DomainError, ErrorCode
from procurement.ordering.access import load_for
from procurement.ordering.document_states import RETURN
from procurement.ordering.fulfilment import (
    ZERO,
    QuantityLine,
    check_lines,
    child_for,
    close_if_settled,
    record_event,
)
from procurement.ordering.models import (
    ReturnRequest,
    ReturnStatus,
)
from procurement.ordering.orders import order_lines
from procurement.viewer import Viewer


async def request_return(
    session: AsyncSession,
    viewer: Viewer | None,
    po_id: int,
    *,
    lines: Sequence[QuantityLine],
    reason: str,
    evidence: str | None,
    expected_version: int | None = None,
) -> ReturnRequest:
    v, po = await load_for(
        session, viewer, po_id, "REQUEST_RETURN", expected_version, "purchaseOrderId"
    )
    current = await order_lines(session, po_id)
    by_id = {ln.id: ln for ln in current}
    pending: dict[int, Decimal] = {}
    for rr in (
        await session.execute(
            select(ReturnRequest).where(
                col(ReturnRequest.purchase_order_id) == po.id,
                col(ReturnRequest.status).in_(
                    [ReturnStatus.REQUESTED.value, ReturnStatus.APPROVED.value]
                ),
            )
        )
    ).scalars():
        for held in rr.lines:
            pending[held["line_id"]] = pending.get(held["line_id"], ZERO) + Decimal(
                held["quantity"]
            )
    c = Collector()
    if not reason.strip():
        c.add(ErrorCode.REQUIRED, "Give a reason", "reason")
    check_lines(c, lines, by_id)
    for i, ln in enumerate(lines):
        check_positive(c, ln.quantity, f"lines[{i}].quantity")
        line = by_id.get(ln.line_id)
        if line is None or not ln.quantity.is_finite():
            continue
        returnable = line.accepted_quantity - line.returned_quantity - pending.get(ln.line_id, ZERO)
        if ln.quantity > returnable:
            c.add(
                ErrorCode.INVALID,
                f"Only {returnable:f} accepted and not yet returned",
                f"lines[{i}].quantity",
            )
    c.raise_if_any()
    rr = ReturnRequest(
        purchase_order_id=po.id,
        status=ReturnStatus.REQUESTED.value,
        reason=reason.strip(),
        evidence=evidence,
        lines=[{"line_id": ln.line_id, "quantity": str(ln.quantity)} for ln in lines],
    )
    session.add(rr)
    po.version += 1
    await session.flush()
    await record_event(session, v, po, "return_request.created", rr)
    return rr


async def decide_return(
    session: AsyncSession,
    viewer: Viewer | None,
    return_id: int,
    *,
    approve: bool,
    note: str | None = None,
    expected_version: int | None = None,
) -> ReturnRequest:
    v, po, rr = await child_for(
        session,
        viewer,
        ReturnRequest,
        return_id,
        "DECIDE_RETURN",
        "Return request",
        expected_version,
    )
    decision = "APPROVE" if approve else "REJECT"
    RETURN.check(ReturnStatus(rr.status), decision, "id", f"This return is {rr.status}")
    if not approve and not (note or "").strip():
        raise DomainError.of(ErrorCode.REQUIRED, "Give a reason", "note")
    before = snapshot(rr)
    RETURN.move(rr, decision, ReturnStatus.APPROVED if approve else ReturnStatus.REJECTED)
    rr.decision_note = note
    po.version += 1
    await record_event(
        session,
        v,
        po,
        "return_request.approved" if approve else "return_request.rejected",
        rr,
        before,
    )
    return rr


async def receive_return(
    session: AsyncSession,
    viewer: Viewer | None,
    return_id: int,
    *,
    credit_amount: Decimal,
    expected_version: int | None = None,
) -> ReturnRequest:
    v, po, rr = await child_for(
        session,
        viewer,
        ReturnRequest,
        return_id,
        "DECIDE_RETURN",
        "Return request",
        expected_version,
    )
    RETURN.check(ReturnStatus(rr.status), "RECEIVE", "id", f"This return is {rr.status}")
    current = {ln.id: ln for ln in await order_lines(session, po.id or 0)}
    value = sum(
        (current[ln["line_id"]].unit_price * Decimal(ln["quantity"]) for ln in rr.lines), ZERO
    )
    c = Collector()
    check_positive(c, credit_amount, "creditAmount", zero_ok=True)
    if credit_amount.is_finite() and credit_amount > value:
        c.add(
            ErrorCode.INVALID,
            f"Above the value of the returned goods ({value:.2f})",
            "creditAmount",
        )
    c.raise_if_any()
    before = snapshot(rr)
    for ln in rr.lines:
        current[ln["line_id"]].returned_quantity += Decimal(ln["quantity"])
    RETURN.move(rr, "RECEIVE", ReturnStatus.RECEIVED)
    rr.credit_amount = credit_amount
    await close_if_settled(session, po, "DECIDE_RETURN", list(current.values()))
    po.version += 1
    await record_event(session, v, po, "return_request.received", rr, before)
    return rr
