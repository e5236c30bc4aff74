"""Quote use cases for suppliers: draft, edit, submit, revise, withdraw (checking a
quote's fields and lines: ``quote_fields.py``).

Rules (DESIGN §3): only while the RFQ is OPEN and before its deadline, judged by the
database clock inside the transaction; one live quote per supplier and RFQ (also a
partial unique index, so two concurrent submissions cannot both land); INVITED RFQs
take invited suppliers only, PUBLIC ones verified suppliers serving the category; quote
lines must belong to the RFQ.  Every submitted state is kept as a revision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.audit.service import record, snapshot
from procurement.clock import db_now
from procurement.errors import (
    Collector,
    DomainError,
    ErrorCode,
    check_version,
    forbidden,
    not_found,
)
from procurement.parties.guards import require_supplier
from procurement.sourcing.access import has_quoted, quotable_by
from procurement.sourcing.inputs import QuoteFields
from procurement.sourcing.models import (
    Quote,
    QuoteLine,
    QuoteRevision,
    QuoteStatus,
    Rfq,
)
from procurement.sourcing.quote_fields import apply_fields
from procurement.sourcing.rfqs import has_live_quote, snapshot_with_lines
from procurement.sourcing.states import QUOTE, QuoteAt, rfq_open_refusal
from procurement.viewer import Role, Viewer, require_viewer, role_refusal


async def rfq_open_for(session: AsyncSession, viewer: Viewer, rfq_id: int, now: datetime) -> Rfq:
    """The RFQ, share-locked (a concurrent close or cancel waits for us, and we for it),
    after checking it takes a quote from this supplier now."""
    rfq = (
        await session.execute(
            select(Rfq)
            .where(
                col(Rfq.id) == rfq_id,
                or_(
                    col(Rfq.buyer_org_id) == viewer.organization_id,
                    has_quoted(viewer.organization_id),
                    quotable_by(viewer.organization_id, ignore_deadline=True),
                ),
            )
            .with_for_update(read=True, of=Rfq)
        )
    ).scalar_one_or_none()
    if rfq is None:
        raise not_found("RFQ", "rfqId")
    if rfq.buyer_org_id == viewer.organization_id:
        raise forbidden("You cannot quote on your own RFQ")
    refusal = rfq_open_refusal(rfq, now)
    if refusal is not None:
        raise refusal
    eligible = (
        await session.execute(
            select(col(Rfq.id)).where(col(Rfq.id) == rfq_id, quotable_by(viewer.organization_id))
        )
    ).scalar_one_or_none()
    if eligible is None:
        raise DomainError.of(
            ErrorCode.SUPPLIER_NOT_ELIGIBLE,
            "Your organisation may no longer quote on this RFQ",
            "rfqId",
        )
    return rfq


async def _load_own(
    session: AsyncSession, viewer: Viewer | None, quote_id: int
) -> tuple[Viewer, Quote]:
    """The viewer (signed in, SUPPLIER_SALES) and its organisation's quote, locked."""
    v = require_viewer(viewer)
    quote = (
        await session.execute(
            select(Quote)
            .where(col(Quote.id) == quote_id, col(Quote.supplier_org_id) == v.organization_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if quote is None:
        raise not_found("Quote")
    if Role.SUPPLIER_SALES not in v.roles:
        raise role_refusal(v, Role.SUPPLIER_SALES)
    return v, quote


async def _replace_lines(session: AsyncSession, quote: Quote, lines: list[QuoteLine]) -> None:
    await session.execute(delete(QuoteLine).where(col(QuoteLine.quote_id) == quote.id))
    for ln in lines:
        ln.quote_id = quote.id
        session.add(ln)
    await session.flush()


async def quote_lines(session: AsyncSession, quote_id: int) -> list[QuoteLine]:
    return list(
        (
            await session.execute(
                select(QuoteLine)
                .where(col(QuoteLine.quote_id) == quote_id)
                .order_by(col(QuoteLine.id))
            )
        ).scalars()
    )


def _check_complete(quote: Quote, lines: list[QuoteLine], now: datetime) -> None:
    """What a submitted quote must have."""
    c = Collector()
    if not lines:
        c.add(ErrorCode.NO_LINES, "Price at least one line", "lines")
    if quote.valid_until is None:
        c.add(ErrorCode.REQUIRED, "Say until when the offer is valid", "validUntil")
    elif quote.valid_until < now.date():
        c.add(ErrorCode.INVALID, "The offer would already have expired", "validUntil")
    if quote.lead_time_days is None:
        c.add(ErrorCode.REQUIRED, "Give a lead time in days", "leadTimeDays")
    c.raise_if_any()


async def _record_submission(
    session: AsyncSession,
    viewer: Viewer,
    quote: Quote,
    lines: list[QuoteLine],
    now: datetime,
    action: str,
    before: dict[str, Any] | None,
    buyer_org_id: int | None,
) -> None:
    """``buyer_org_id``: of the quote's RFQ (the caller has it loaded)."""
    quote.revision += 1
    quote.submitted_at = now
    quote.version += 1
    after = snapshot_with_lines(quote, lines)
    session.add(
        QuoteRevision(quote_id=quote.id, revision=quote.revision, snapshot=after, submitted_at=now)
    )
    await record(
        session,
        viewer,
        action=action,
        entity=quote,
        organization_id=quote.supplier_org_id,
        before=before,
        after=after,
        event_payload={
            "quote_id": quote.id,
            "rfq_id": quote.rfq_id,
            "revision": quote.revision,
            "buyer_org_id": buyer_org_id,
        },
    )


async def _insert_quote(session: AsyncSession, quote: Quote) -> None:
    """Insert guarded by the one-live-quote index: a concurrent twin fails cleanly."""
    try:
        async with session.begin_nested():
            session.add(quote)
            await session.flush()
    except IntegrityError:
        raise DomainError.of(
            ErrorCode.ALREADY_QUOTED, "You already have a live quote on this RFQ", "rfqId"
        ) from None


async def create_quote(
    session: AsyncSession,
    viewer: Viewer | None,
    rfq_id: int,
    fields: QuoteFields,
    *,
    submit: bool = False,
) -> Quote:
    """A DRAFT quote; with ``submit`` it is submitted in the same transaction (what an
    ERP sending a complete offer wants)."""
    v = await require_supplier(session, viewer)
    now = await db_now(session)
    rfq = await rfq_open_for(session, v, rfq_id, now)
    if await has_live_quote(session, rfq_id, v.organization_id):
        raise DomainError.of(
            ErrorCode.ALREADY_QUOTED,
            "You already have a live quote on this RFQ; revise it",
            "rfqId",
        )
    quote = Quote(
        rfq_id=rfq.id,
        supplier_org_id=v.organization_id,
        created_by_id=v.user_id,
        currency=rfq.currency,
        status=QuoteStatus.DRAFT.value,
    )
    c = Collector()
    lines = await apply_fields(session, c, quote, fields) or []
    c.raise_if_any()
    if submit:
        _check_complete(quote, lines, now)
        QUOTE.move(quote, "submit", QuoteStatus.SUBMITTED)
    await _insert_quote(session, quote)
    await _replace_lines(session, quote, lines)
    if submit:
        await _record_submission(
            session, v, quote, lines, now, "quote.submitted", None, rfq.buyer_org_id
        )
    else:
        await record(
            session,
            v,
            action="quote.created",
            entity=quote,
            organization_id=v.organization_id,
            after=snapshot_with_lines(quote, lines),
        )
    return quote


async def update_quote(
    session: AsyncSession,
    viewer: Viewer | None,
    quote_id: int,
    fields: QuoteFields,
    expected_version: int | None = None,
) -> Quote:
    v, quote = await _load_own(session, viewer, quote_id)
    QUOTE.check(QuoteStatus(quote.status), "update")
    check_version("quote", quote.version, expected_version)
    assert quote.rfq_id is not None
    now = await db_now(session)
    await rfq_open_for(session, v, quote.rfq_id, now)
    old_lines = await quote_lines(session, quote_id)
    before = snapshot_with_lines(quote, old_lines)
    c = Collector()
    lines = await apply_fields(session, c, quote, fields)
    c.raise_if_any()
    if lines is not None:
        await _replace_lines(session, quote, lines)
        # what quote_lines would read back now: the new lines, in id order
        lines = sorted(lines, key=lambda ln: ln.id or 0)
    quote.version += 1
    await record(
        session,
        viewer,
        action="quote.updated",
        entity=quote,
        organization_id=quote.supplier_org_id,
        before=before,
        after=snapshot_with_lines(quote, old_lines if lines is None else lines),
    )
    return quote


async def submit_quote(
    session: AsyncSession, viewer: Viewer | None, quote_id: int, expected_version: int | None = None
) -> Quote:
    v, quote = await _load_own(session, viewer, quote_id)
    new = QUOTE.target(QuoteStatus(quote.status), "submit")
    check_version("quote", quote.version, expected_version)
    assert quote.rfq_id is not None
    now = await db_now(session)
    rfq = await rfq_open_for(session, v, quote.rfq_id, now)
    lines = await quote_lines(session, quote_id)
    _check_complete(quote, lines, now)
    before = snapshot(quote)
    QUOTE.move(quote, "submit", new)
    await _record_submission(
        session, v, quote, lines, now, "quote.submitted", before, rfq.buyer_org_id
    )
    return quote


async def revise_quote(
    session: AsyncSession,
    viewer: Viewer | None,
    quote_id: int,
    fields: QuoteFields,
    expected_version: int | None = None,
) -> Quote:
    """A new revision of a SUBMITTED quote; earlier revisions stay readable."""
    v, quote = await _load_own(session, viewer, quote_id)
    QUOTE.check(QuoteStatus(quote.status), "revise")
    check_version("quote", quote.version, expected_version)
    assert quote.rfq_id is not None
    now = await db_now(session)
    rfq = await rfq_open_for(session, v, quote.rfq_id, now)
    old_lines = await quote_lines(session, quote_id)
    before = snapshot_with_lines(quote, old_lines)
    c = Collector()
    lines = await apply_fields(session, c, quote, fields)
    c.raise_if_any()
    if lines is not None:
        await _replace_lines(session, quote, lines)
    else:
        lines = old_lines
    _check_complete(quote, lines, now)
    await _record_submission(
        session, v, quote, lines, now, "quote.revised", before, rfq.buyer_org_id
    )
    return quote


async def withdraw_quote(
    session: AsyncSession,
    viewer: Viewer | None,
    quote_id: int,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Quote:
    """Before the deadline only: after it, the offer binds until the award."""
    _, quote = await _load_own(session, viewer, quote_id)
    new = QUOTE.target(QuoteStatus(quote.status), "withdraw")
    check_version("quote", quote.version, expected_version)
    assert quote.rfq_id is not None
    now = await db_now(session)
    rfq = (await session.execute(select(Rfq).where(col(Rfq.id) == quote.rfq_id))).scalar_one()
    QUOTE.check_guards("withdraw", require_viewer(viewer), QuoteAt(quote, rfq, now))
    await QUOTE.apply(
        session,
        viewer,
        quote,
        "withdraw",
        target=new,
        audit_action="quote.withdrawn",
        organization_id=quote.supplier_org_id,
        event_payload={"quote_id": quote.id, "rfq_id": quote.rfq_id, "reason": reason},
    )
    return quote
