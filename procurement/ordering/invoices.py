"""Invoices and the three-way match (order, receipt, invoice).

An invoice line may not exceed what was accepted and not yet invoiced
(QUANTITY_EXCEEDS_RECEIVED), and its unit price must be within the buyer's price
tolerance of the order's (PRICE_MISMATCH).  A clean invoice is MATCHED; one with
exceptions waits in NEEDS_REVIEW until the buyer accepts or disputes it.  A RECEIVED
order whose accepted quantities are all invoiced by MATCHED or ACCEPTED invoices is
CLOSED.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.amounts import check_positive
from procurement.audit.service import snapshot
from procurement.errors import Collector, DomainError, ErrorCode
from procurement.ordering.access import load_for
from procurement.ordering.document_states import INVOICE
from procurement.ordering.fulfilment import (
    ZERO,
    buyer_settings,
    check_lines,
    child_for,
    close_if_settled,
    record_event,
)
from procurement.ordering.models import (
    Invoice,
    InvoiceStatus,
)
from procurement.ordering.orders import order_lines
from procurement.viewer import Viewer


@dataclass(frozen=True)
class InvoiceLine:
    line_id: int
    quantity: Decimal
    unit_price: Decimal


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
    tolerance = (await buyer_settings(session, po)).price_tolerance
    c = Collector()
    number = number.strip()
    if not number:
        c.add(ErrorCode.REQUIRED, "Give the invoice number", "number")
    elif (
        await session.execute(
            select(col(Invoice.id)).where(
                col(Invoice.purchase_order_id) == po.id, col(Invoice.number) == number
            )
        )
    ).first():
        c.add(ErrorCode.DUPLICATE, "This invoice number was already submitted", "number")
    check_lines(c, lines, by_id)
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
    await close_if_settled(session, po, "INVOICE", current)
    po.version += 1
    await record_event(session, v, po, "invoice.submitted", invoice)
    return invoice


async def accept_invoice(
    session: AsyncSession,
    viewer: Viewer | None,
    invoice_id: int,
    note: str | None = None,
    expected_version: int | None = None,
) -> Invoice:
    v, po, inv = await child_for(
        session, viewer, Invoice, invoice_id, "RESOLVE_INVOICE", "Invoice", expected_version
    )
    state = InvoiceStatus(inv.status)
    INVOICE.check(
        state, "ACCEPT", "id", f"Only invoices in review are accepted; this one is {inv.status}"
    )
    before = snapshot(inv)
    INVOICE.move(inv, "ACCEPT", InvoiceStatus.ACCEPTED)
    inv.resolution_note = note
    await close_if_settled(session, po, "RESOLVE_INVOICE", await order_lines(session, po.id or 0))
    po.version += 1
    await record_event(session, v, po, "invoice.accepted", inv, before)
    return inv


async def dispute_invoice(
    session: AsyncSession,
    viewer: Viewer | None,
    invoice_id: int,
    reason: str,
    expected_version: int | None = None,
) -> Invoice:
    v, po, inv = await child_for(
        session, viewer, Invoice, invoice_id, "RESOLVE_INVOICE", "Invoice", expected_version
    )
    INVOICE.check(InvoiceStatus(inv.status), "DISPUTE", "id", f"This invoice is {inv.status}")
    INVOICE.check_guards("DISPUTE", v, po)
    if not reason.strip():
        raise DomainError.of(ErrorCode.REQUIRED, "Give a reason", "reason")
    before = snapshot(inv)
    current = {ln.id: ln for ln in await order_lines(session, po.id or 0)}
    for ln in inv.lines:
        current[ln["line_id"]].invoiced_quantity -= Decimal(ln["quantity"])
    INVOICE.move(inv, "DISPUTE", InvoiceStatus.DISPUTED)
    inv.resolution_note = reason.strip()
    po.version += 1
    await record_event(session, v, po, "invoice.disputed", inv, before)
    return inv
