"""The award: quotes (whole, some lines, or the suggested split) become DRAFT purchase
orders, one per supplier, in one transaction.

Allowed from CLOSED, or from OPEN when not sealed (which closes it).  The RFQ row is
locked first, so of two concurrent awards one wins and the other finds it AWARDED.
Quantities are checked against the quote (not above offered, not below MOQ) and the RFQ
(per line, not above requested).  Awarded quotes become AWARDED (``awarded_fully`` says
whether every offered line was taken in full), every other submitted quote REJECTED.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.audit.service import snapshot
from procurement.clock import db_now
from procurement.comparison.service import ComparisonRequest, compare, load_buyer_rfq
from procurement.errors import Collector, DomainError, ErrorCode, forbidden
from procurement.ordering.drafts import DraftLine, DraftOrder, create_draft_order
from procurement.ordering.models import PurchaseOrder
from procurement.sourcing import rfqs
from procurement.sourcing.clock import effective_status
from procurement.sourcing.models import (
    Quote,
    QuoteLine,
    QuoteStatus,
    Rfq,
    RfqStatus,
)
from procurement.sourcing.pricing import unit_price_at
from procurement.sourcing.states import QUOTE, RFQ, RfqAt
from procurement.viewer import Role, Viewer, require_viewer


@dataclass(frozen=True)
class SplitOptions:
    max_suppliers: int | None = None
    exact: bool = False


@dataclass(frozen=True)
class AllocationInput:
    quote_line_id: int
    quantity: Decimal


async def award_rfq(
    session: AsyncSession,
    viewer: Viewer | None,
    rfq_id: int,
    *,
    allocations: Sequence[AllocationInput] | None = None,
    quote_id: int | None = None,
    accept_suggested_split: bool = False,
    split_options: SplitOptions | None = None,
    note: str | None = None,
) -> tuple[Rfq, list[PurchaseOrder]]:
    """``split_options`` go with ``accept_suggested_split``: the options of the comparison
    whose split the buyer saw, so that the same split is awarded."""
    v = require_viewer(viewer)
    modes = sum([allocations is not None, quote_id is not None, accept_suggested_split])
    if modes != 1:
        raise DomainError.of(
            ErrorCode.INVALID,
            "Give exactly one of allocations, quoteId or acceptSuggestedSplit",
            "allocations",
        )
    if split_options is not None and not accept_suggested_split:
        raise DomainError.of(
            ErrorCode.INVALID,
            "maxSuppliers and exactSplit go with acceptSuggestedSplit",
            "acceptSuggestedSplit",
        )
    rfq = await load_buyer_rfq(session, v, rfq_id, lock=True)
    if Role.BUYER not in v.roles:
        raise forbidden("This needs the BUYER role")
    now = await db_now(session)
    status = effective_status(rfq, now)
    awarded = RFQ.target(status, "award")
    RFQ.check_guards("award", v, RfqAt(rfq, now))

    rfq_lines = {ln.id: ln for ln in await rfqs.rfq_lines(session, rfq_id)}
    quotes: dict[int, Quote] = {
        q.id: q
        for q in (
            await session.execute(
                select(Quote)
                .where(
                    col(Quote.rfq_id) == rfq_id, col(Quote.status) == QuoteStatus.SUBMITTED.value
                )
                .with_for_update()
            )
        ).scalars()
        if q.id is not None  # loaded rows always have their primary key
    }
    qlines = (
        {
            ln.id: ln
            for ln in (
                await session.execute(
                    select(QuoteLine).where(col(QuoteLine.quote_id).in_(list(quotes)))
                )
            ).scalars()
        }
        if quotes
        else {}
    )

    if quote_id is not None:
        if quote_id not in quotes:
            raise DomainError.of(
                ErrorCode.NOT_FOUND, "No submitted quote with this id on this RFQ", "quoteId"
            )
        wanted = []
        for ln in qlines.values():
            if ln.quote_id != quote_id:
                continue
            q = min(ln.quantity, rfq_lines[ln.rfq_line_id].quantity)
            if ln.moq is not None and q < ln.moq:
                raise DomainError.of(
                    ErrorCode.ALLOCATION_INVALID,
                    "The quote's MOQ exceeds the requested quantity on a line;"
                    " award by allocations instead",
                    "quoteId",
                )
            wanted.append(AllocationInput(ln.id or 0, q))
    elif accept_suggested_split:
        options = split_options or SplitOptions()
        comparison = await compare(
            session,
            rfq,
            ComparisonRequest(max_suppliers=options.max_suppliers, exact_split=options.exact),
        )
        split = await comparison.split()
        wanted = [AllocationInput(a.line.quote_line_id, a.quantity) for a in split.allocations]
        if not wanted:
            raise DomainError.of(
                ErrorCode.ALLOCATION_INVALID, "No offer can be awarded", "acceptSuggestedSplit"
            )
    else:
        wanted = list(allocations or [])
        if not wanted:
            raise DomainError.of(
                ErrorCode.REQUIRED, "Allocate at least one quote line", "allocations"
            )

    c = Collector()
    per_line: dict[int, Decimal] = defaultdict(Decimal)
    seen: set[int] = set()
    for i, a in enumerate(wanted):
        f = f"allocations[{i}]"
        qline = qlines.get(a.quote_line_id)
        if qline is None:
            c.add(
                ErrorCode.NOT_FOUND,
                "Not a line of a submitted quote on this RFQ",
                f"{f}.quoteLineId",
            )
            continue
        if a.quote_line_id in seen:
            c.add(ErrorCode.DUPLICATE, "Allocate each quote line once", f"{f}.quoteLineId")
        seen.add(a.quote_line_id)
        assert qline.quote_id is not None, "qlines were loaded by quote_id"
        quote = quotes[qline.quote_id]
        if quote.valid_until is not None and quote.valid_until < now.date():
            c.add(ErrorCode.ALLOCATION_INVALID, "This quote has expired", f"{f}.quoteLineId")
        if not a.quantity.is_finite() or a.quantity <= 0:
            c.add(ErrorCode.NOT_POSITIVE, "Must be greater than zero", f"{f}.quantity")
            continue
        if a.quantity > qline.quantity:
            c.add(
                ErrorCode.ALLOCATION_INVALID,
                f"Above the quantity offered ({qline.quantity.normalize():f})",
                f"{f}.quantity",
            )
        if qline.moq is not None and a.quantity < qline.moq:
            c.add(
                ErrorCode.BELOW_MOQ,
                f"Below the minimum order quantity ({qline.moq.normalize():f})",
                f"{f}.quantity",
            )
        per_line[qline.rfq_line_id or 0] += a.quantity
    for line_id, qty in per_line.items():
        if qty > rfq_lines[line_id].quantity:
            c.add(
                ErrorCode.ALLOCATION_INVALID,
                f"Line {rfq_lines[line_id].position}: {qty.normalize():f} allocated, above the "
                f"{rfq_lines[line_id].quantity.normalize():f} requested",
                "allocations",
            )
    c.raise_if_any()

    by_quote: dict[int, list[AllocationInput]] = defaultdict(list)
    for a in wanted:
        by_quote[qlines[a.quote_line_id].quote_id or 0].append(a)
    orders = []
    # both are foreign keys that are NOT NULL in the database; the models leave them optional
    assert rfq.buyer_org_id is not None, "a stored RFQ always has a buyer"
    for qid in sorted(by_quote):
        quote = quotes[qid]
        assert quote.supplier_org_id is not None, "a stored quote always has a supplier"
        header = DraftOrder(
            buyer_org_id=rfq.buyer_org_id,
            supplier_org_id=quote.supplier_org_id,
            currency=quote.currency,
            delivery_address=rfq.delivery_address,
            need_by=rfq.need_by,
            shipping_cost=quote.shipping_cost,
            rfq_id=rfq.id,
            quote_id=qid,
            incoterm=quote.incoterm,
            payment_terms=quote.payment_terms,
            note=note,
        )
        allocs = sorted(
            by_quote[qid], key=lambda a: rfq_lines[qlines[a.quote_line_id].rfq_line_id].position
        )
        drafts = []
        for a in allocs:
            ql = qlines[a.quote_line_id]
            rl = rfq_lines[ql.rfq_line_id]
            drafts.append(
                DraftLine(
                    rfq_line_id=rl.id,
                    quote_line_id=ql.id,
                    description=rl.description,
                    unit=rl.unit,
                    quantity=a.quantity,
                    unit_price=unit_price_at(ql, a.quantity),
                )
            )
        po = await create_draft_order(session, v, header, drafts)
        orders.append(po)
        full = all(
            any(a.quote_line_id == ln.id and a.quantity == ln.quantity for a in by_quote[qid])
            for ln in qlines.values()
            if ln.quote_id == qid
        )
        before = snapshot(quote)
        quote.awarded_fully = full
        await QUOTE.apply(
            session,
            v,
            quote,
            "award",
            audit_action="quote.awarded",
            organization_id=quote.supplier_org_id,
            before=before,
            event_payload={
                "quote_id": qid,
                "rfq_id": rfq.id,
                "fully": full,
                "purchase_order_id": po.id,
            },
        )
    for qid, quote in quotes.items():
        if qid in by_quote:
            continue
        await QUOTE.apply(
            session,
            v,
            quote,
            "reject",
            audit_action="quote.rejected",
            organization_id=quote.supplier_org_id,
            event_payload={"quote_id": qid, "rfq_id": rfq.id},
        )
    before = snapshot(rfq)
    if status is RfqStatus.OPEN:
        rfq.closed_at = now
    await RFQ.apply(
        session,
        v,
        rfq,
        "award",
        target=awarded,
        audit_action="rfq.awarded",
        organization_id=rfq.buyer_org_id,
        before=before,
        event_payload={
            "rfq_id": rfq.id,
            "note": note,
            "allocations": [
                {"quote_line_id": a.quote_line_id, "quantity": str(a.quantity)} for a in wanted
            ],
            "purchase_order_ids": [po.id for po in orders],
        },
    )
    return rfq, orders
