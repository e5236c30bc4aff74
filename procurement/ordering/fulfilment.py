"""Fulfilment: shipments, goods receipts, invoices with a three-way match, and returns.

Per line the order keeps ordered, shipped, accepted, rejected, invoiced and returned
quantities; every write here locks the order row first, so two receipts (or a shipment
and a cancellation) never interleave.

- Shipping beyond the ordered quantity is refused past the buying organisation's
  over-shipment tolerance (default 0).  The first shipment moves the order to
  IN_FULFILMENT.
- A receipt accepts and rejects quantities of what was shipped; when every line's
  accepted quantity reaches the ordered one, the order is RECEIVED.
- An invoice line may not exceed what was accepted and not yet invoiced
  (QUANTITY_EXCEEDS_RECEIVED), and its unit price must be within the buyer's price
  tolerance of the order's (PRICE_MISMATCH).  A clean invoice is MATCHED; one with
  exceptions waits in NEEDS_REVIEW until the buyer accepts or disputes it.  A RECEIVED
  order whose accepted quantities are all invoiced by MATCHED or ACCEPTED invoices is
  CLOSED.
- Returns: the buyer requests (reason, evidence) for accepted goods; the supplier
  approves or rejects, then records receipt of the goods with the credit or refund.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.amounts import check_positive
from procurement.audit.service import record, snapshot
from procurement.errors import Collector, DomainError, ErrorCode, not_found
from procurement.ordering.access import load_for, move
from procurement.ordering.models import (
    GoodsReceipt,
    Invoice,
    InvoiceStatus,
    PoStatus,
    PurchaseOrder,
    PurchaseOrderLine,
    ReturnRequest,
    ReturnStatus,
    Shipment,
)
from procurement.ordering.orders import order_lines
from procurement.ordering.queries import visible_orders
from procurement.parties.models import Organization
from procurement.viewer import Viewer, require_viewer

ZERO = Decimal(0)


@dataclass(frozen=True)
class QuantityLine:
    line_id: int
    quantity: Decimal


@dataclass(frozen=True)
class ReceiptLine:
    line_id: int
    accepted: Decimal
    rejected: Decimal


@dataclass(frozen=True)
class InvoiceLine:
    line_id: int
    quantity: Decimal
    unit_price: Decimal


async def _buyer_settings(session: AsyncSession, po: PurchaseOrder) -> Organization:
    return (
        await session.execute(select(Organization).where(Organization.id == po.buyer_org_id))
    ).scalar_one()


def _lines_of(
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


async def _event(
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
    tolerance = (await _buyer_settings(session, po)).over_shipment_tolerance
    c = Collector()
    _lines_of(c, lines, by_id)
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
    await _event(session, v, po, "shipment.created", shipment)
    return shipment


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
    _lines_of(c, lines, by_id)
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
    elif await _settled(session, po, current):  # invoiced ahead of this last receipt
        move(po, "RECEIVE", PoStatus.CLOSED)
    else:
        move(po, "RECEIVE", PoStatus.RECEIVED)
    po.version += 1
    await _event(session, v, po, "goods_receipt.created", receipt)  # record() flushes
    return receipt


async def _settled(
    session: AsyncSession, po: PurchaseOrder, current: Sequence[PurchaseOrderLine]
) -> bool:
    """Every accepted (and not returned) quantity invoiced, nothing waiting for review."""
    open_review = (
        await session.execute(
            select(Invoice.id).where(
                Invoice.purchase_order_id == po.id,
                Invoice.status == InvoiceStatus.NEEDS_REVIEW.value,
            )
        )
    ).first()
    return open_review is None and all(
        ln.invoiced_quantity >= ln.accepted_quantity - ln.returned_quantity for ln in current
    )


async def _close_if_settled(
    session: AsyncSession, po: PurchaseOrder, action: str, current: Sequence[PurchaseOrderLine]
) -> None:
    """A RECEIVED order that is settled becomes CLOSED."""
    if po.status == PoStatus.RECEIVED.value and await _settled(session, po, current):
        move(po, action, PoStatus.CLOSED)


async def submit_invoice(
    session: AsyncSession,
    viewer: Viewer | None,
    po_id: int,
    *,
    number: str,
    lines: Sequence[InvoiceLine],
    tax: Decimal,
    expected_version: int | None = None,
) -> Invoice:
    v, po = await load_for(session, viewer, po_id, "INVOICE", expected_version, "purchaseOrderId")
    current = await order_lines(session, po_id)
    by_id = {ln.id: ln for ln in current}
    tolerance = (await _buyer_settings(session, po)).price_tolerance
    c = Collector()
    number = number.strip()
    if not number:
        c.add(ErrorCode.REQUIRED, "Give the invoice number", "number")
    elif (
        await session.execute(
            select(Invoice.id).where(Invoice.purchase_order_id == po.id, Invoice.number == number)
        )
    ).first():
        c.add(ErrorCode.DUPLICATE, "This invoice number was already submitted", "number")
    _lines_of(c, lines, by_id)
    check_positive(c, tax, "tax", zero_ok=True)
    for i, ln in enumerate(lines):
        check_positive(c, ln.quantity, f"lines[{i}].quantity")
        check_positive(c, ln.unit_price, f"lines[{i}].unitPrice")
    c.raise_if_any()
    exceptions: list[dict[str, Any]] = []
    for ln in lines:
        line = by_id[ln.line_id]
        open_qty = line.accepted_quantity - line.invoiced_quantity
        if ln.quantity > open_qty:
            exceptions.append(
                {
                    "code": "QUANTITY_EXCEEDS_RECEIVED",
                    "line_id": ln.line_id,
                    "message": f"Line {line.position}: {ln.quantity:f} invoiced, "
                    f"{open_qty:f} accepted and not yet invoiced",
                }
            )
        if abs(ln.unit_price - line.unit_price) > line.unit_price * tolerance:
            exceptions.append(
                {
                    "code": "PRICE_MISMATCH",
                    "line_id": ln.line_id,
                    "message": f"Line {line.position}: unit price "
                    f"{ln.unit_price:f}, ordered at {line.unit_price:f}",
                }
            )
    for ln in lines:
        by_id[ln.line_id].invoiced_quantity += ln.quantity
    subtotal = sum((ln.quantity * ln.unit_price for ln in lines), ZERO)
    invoice = Invoice(
        purchase_order_id=po.id,
        number=number,
        currency=po.currency,
        status=(InvoiceStatus.NEEDS_REVIEW if exceptions else InvoiceStatus.MATCHED).value,
        lines=[
            {"line_id": ln.line_id, "quantity": str(ln.quantity), "unit_price": str(ln.unit_price)}
            for ln in lines
        ],
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
        exceptions=exceptions,
    )
    session.add(invoice)
    await session.flush()
    await _close_if_settled(session, po, "INVOICE", current)
    po.version += 1
    await _event(session, v, po, "invoice.submitted", invoice)
    return invoice


async def _child_for(
    session: AsyncSession,
    viewer: Viewer | None,
    model: Any,
    child_id: int,
    action: str,
    what: str,
    expected_version: int | None,
) -> tuple[Viewer, PurchaseOrder, Any]:
    """An invoice or return of an order the viewer sees, then the order checked for
    ``action`` and locked (``load_for``), then the record itself locked.  An anonymous
    caller is told to sign in before anything is looked up, as everywhere else."""
    require_viewer(viewer)
    found = (
        await session.execute(
            select(model.purchase_order_id)
            .join(PurchaseOrder, PurchaseOrder.id == model.purchase_order_id)
            .where(model.id == child_id, visible_orders(viewer))
        )
    ).scalar_one_or_none()
    if found is None:
        raise not_found(what)
    v, po = await load_for(session, viewer, found, action, expected_version)
    child = (
        await session.execute(select(model).where(model.id == child_id).with_for_update())
    ).scalar_one()
    return v, po, child


async def accept_invoice(
    session: AsyncSession,
    viewer: Viewer | None,
    invoice_id: int,
    note: str | None = None,
    expected_version: int | None = None,
) -> Invoice:
    v, po, inv = await _child_for(
        session, viewer, Invoice, invoice_id, "RESOLVE_INVOICE", "Invoice", expected_version
    )
    if inv.status != InvoiceStatus.NEEDS_REVIEW.value:
        raise DomainError.of(
            ErrorCode.INVALID_TRANSITION,
            f"Only invoices in review are accepted; this one is {inv.status}",
            "id",
        )
    before = snapshot(inv)
    inv.status = InvoiceStatus.ACCEPTED.value
    inv.resolution_note = note
    await _close_if_settled(session, po, "RESOLVE_INVOICE", await order_lines(session, po.id or 0))
    po.version += 1
    await _event(session, v, po, "invoice.accepted", inv, before)
    return inv


async def dispute_invoice(
    session: AsyncSession,
    viewer: Viewer | None,
    invoice_id: int,
    reason: str,
    expected_version: int | None = None,
) -> Invoice:
    v, po, inv = await _child_for(
        session, viewer, Invoice, invoice_id, "RESOLVE_INVOICE", "Invoice", expected_version
    )
    if inv.status not in (InvoiceStatus.NEEDS_REVIEW.value, InvoiceStatus.MATCHED.value):
        raise DomainError.of(ErrorCode.INVALID_TRANSITION, f"This invoice is {inv.status}", "id")
    if po.status == PoStatus.CLOSED.value:
        raise DomainError.of(ErrorCode.INVALID_TRANSITION, "The order is closed", "id")
    if not reason.strip():
        raise DomainError.of(ErrorCode.REQUIRED, "Give a reason", "reason")
    before = snapshot(inv)
    current = {ln.id: ln for ln in await order_lines(session, po.id or 0)}
    for ln in inv.lines:
        current[ln["line_id"]].invoiced_quantity -= Decimal(ln["quantity"])
    inv.status = InvoiceStatus.DISPUTED.value
    inv.resolution_note = reason.strip()
    po.version += 1
    await _event(session, v, po, "invoice.disputed", inv, before)
    return inv


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
                ReturnRequest.purchase_order_id == po.id,
                ReturnRequest.status.in_(
                    [
                        ReturnStatus.REQUESTED.value,  # type: ignore[attr-defined]
                        ReturnStatus.APPROVED.value,
                    ]
                ),
            )
        )
    ).scalars():
        for ln in rr.lines:
            pending[ln["line_id"]] = pending.get(ln["line_id"], ZERO) + Decimal(ln["quantity"])
    c = Collector()
    if not reason.strip():
        c.add(ErrorCode.REQUIRED, "Give a reason", "reason")
    _lines_of(c, lines, by_id)
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
    await _event(session, v, po, "return_request.created", rr)
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
    v, po, rr = await _child_for(
        session,
        viewer,
        ReturnRequest,
        return_id,
        "DECIDE_RETURN",
        "Return request",
        expected_version,
    )
    if rr.status != ReturnStatus.REQUESTED.value:
        raise DomainError.of(ErrorCode.INVALID_TRANSITION, f"This return is {rr.status}", "id")
    if not approve and not (note or "").strip():
        raise DomainError.of(ErrorCode.REQUIRED, "Give a reason", "note")
    before = snapshot(rr)
    rr.status = (ReturnStatus.APPROVED if approve else ReturnStatus.REJECTED).value
    rr.decision_note = note
    po.version += 1
    await _event(
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
    v, po, rr = await _child_for(
        session,
        viewer,
        ReturnRequest,
        return_id,
        "DECIDE_RETURN",
        "Return request",
        expected_version,
    )
    if rr.status != ReturnStatus.APPROVED.value:
        raise DomainError.of(ErrorCode.INVALID_TRANSITION, f"This return is {rr.status}", "id")
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
    rr.status = ReturnStatus.RECEIVED.value
    rr.credit_amount = credit_amount
    await _close_if_settled(session, po, "DECIDE_RETURN", list(current.values()))
    po.version += 1
    await _event(session, v, po, "return_request.received", rr, before)
    return rr
