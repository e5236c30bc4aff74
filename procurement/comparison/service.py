"""``rfq.comparison``: load an RFQ's live offers, convert them to one currency, rank
them and (on demand) split the award.  For the buying organisation only, and only when
prices are visible (not sealed, or closed)."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.comparison.model import Context, Offer, OfferLine, RequestLine, Weights
from procurement.comparison.ranking import (
    Facts,
    LineOffer,
    RankedOffer,
    line_facts,
    rank_lines,
    rank_offers,
)
from procurement.comparison.split import Split, suggest_split
from procurement.comparison.supplier_score import SupplierScore, supplier_scores
from procurement.errors import Collector, DomainError, ErrorCode, forbidden, not_found
from procurement.money.fx import Conversion, load_table
from procurement.parties.validation import check_currency
from procurement.sourcing.access import visible_rfqs
from procurement.sourcing.clock import db_now, effective_status
from procurement.sourcing.models import Quote, QuoteLine, QuoteStatus, Rfq, RfqLine, RfqStatus
from procurement.viewer import Viewer, require_viewer

LIVE = (QuoteStatus.SUBMITTED.value, QuoteStatus.AWARDED.value)


@dataclass
class ComparisonRequest:
    currency: str | None = None
    weights: Weights | None = None
    max_suppliers: int | None = None
    include_expired: bool = False
    #: solve the split over every offer line, with the longer time bound (see split.py)
    exact_split: bool = False


@dataclass
class Comparison:
    """Loaded and converted at once; ranked, ranked per line and split on first use, so
    a query pays only for what it selects."""

    rfq: Rfq
    currency: str
    on: date
    weights: Weights
    ctx: Context
    offers: list[Offer]
    conversions: dict[str, Conversion]
    scores: dict[int, SupplierScore]
    quotes: dict[int, Quote]
    rfq_lines: list[RfqLine]
    max_suppliers: int | None
    exact_split: bool = False
    _facts: Facts | None = field(default=None, repr=False)
    _ranked: list[RankedOffer] | None = field(default=None, repr=False)
    _lines: dict[int, list[LineOffer]] | None = field(default=None, repr=False)
    _split: Split | None = field(default=None, repr=False)
    _split_task: asyncio.Future[Split] | None = field(default=None, repr=False)

    @property
    def facts(self) -> Facts:
        if self._facts is None:
            self._facts = line_facts(self.offers, self.ctx)
        return self._facts

    @property
    def ranked(self) -> list[RankedOffer]:
        if self._ranked is None:
            self._ranked = rank_offers(self.offers, self.ctx, self.weights, self.facts)
        return self._ranked

    @property
    def lines(self) -> dict[int, list[LineOffer]]:
        if self._lines is None:
            self._lines = rank_lines(self.offers, self.ctx, self.facts)
        return self._lines

    def split(self) -> Split:
        """Solved on first use: the ranking alone never pays for the MILP."""
        if self._split is None:
            self._split = suggest_split(
                self.offers, self.ctx, self.max_suppliers, exact=self.exact_split
            )
        return self._split

    def start_split(self) -> None:
        """Start solving in a worker thread now.  HiGHS releases the GIL, so the solve
        overlaps the ranking and the response being built on the event loop."""
        if self._split_task is None and self._split is None:
            # submitted to the thread pool right now: a task would only start once the
            # event loop next gets control, after the response's synchronous fields
            self._split_task = asyncio.get_running_loop().run_in_executor(None, self.split)

    async def split_async(self) -> Split:
        self.start_split()
        if self._split_task is not None:
            return await self._split_task
        return self.split()


def _weights(c: Collector, w: Weights) -> Weights:
    values = (w.price, w.lead_time, w.coverage, w.supplier_score)
    if any(not v.is_finite() or v < 0 for v in values):
        c.add(ErrorCode.INVALID, "Weights must not be negative", "weights")
    elif sum(values, Decimal(0)) == 0:
        c.add(ErrorCode.INVALID, "At least one weight must be above zero", "weights")
    else:
        return w.normalised()
    return w


def rfq_weights(rfq: Rfq) -> Weights:
    w = rfq.weights
    return Weights(
        Decimal(w["price"]),
        Decimal(w["leadTime"]),
        Decimal(w["coverage"]),
        Decimal(w["supplierScore"]),
    )


async def load_buyer_rfq(
    session: AsyncSession, viewer: Viewer | None, rfq_id: int, *, lock: bool = False
) -> Rfq:
    v = require_viewer(viewer)
    stmt = select(Rfq).where(Rfq.id == rfq_id)
    if lock:
        stmt = stmt.with_for_update()
    rfq = (await session.execute(stmt)).scalar_one_or_none()
    if rfq is None:
        raise not_found("RFQ", "rfqId")
    if rfq.buyer_org_id != v.organization_id:
        visible = (
            await session.execute(select(Rfq.id).where(Rfq.id == rfq_id, visible_rfqs(v)))
        ).scalar_one_or_none()
        if visible is None:
            raise not_found("RFQ", "rfqId")
        raise forbidden("The comparison and the award are for the buying organisation only")
    return rfq


async def compare(
    session: AsyncSession, viewer: Viewer | None, rfq: Rfq, request: ComparisonRequest
) -> Comparison:
    """The caller loaded ``rfq`` with ``load_buyer_rfq`` (access checked)."""
    assert rfq.id is not None
    now = await db_now(session)
    status = effective_status(rfq, now)
    if rfq.sealed and status not in (RfqStatus.CLOSED, RfqStatus.AWARDED):
        raise DomainError.of(
            ErrorCode.PRICES_SEALED, "This RFQ is sealed: prices open when it closes", "rfqId"
        )
    c = Collector()
    currency = check_currency(c, request.currency or rfq.currency, "currency")
    weights = _weights(c, request.weights or rfq_weights(rfq))
    if request.max_suppliers is not None and request.max_suppliers < 1:
        c.add(ErrorCode.INVALID, "maxSuppliers must be at least 1", "maxSuppliers")
    c.raise_if_any()
    on = now.date()

    rfq_lines = list(
        (
            await session.execute(
                select(RfqLine).where(RfqLine.rfq_id == rfq.id).order_by(RfqLine.position)
            )
        ).scalars()
    )
    quote_filter = [Quote.rfq_id == rfq.id, Quote.status.in_(LIVE)]  # type: ignore[attr-defined]
    if not request.include_expired:
        quote_filter.append(or_(Quote.valid_until.is_(None), Quote.valid_until >= on))  # type: ignore[union-attr,operator]
    quotes = {
        q.id: q
        for q in (
            await session.execute(select(Quote).where(*quote_filter).order_by(Quote.id))
        ).scalars()
        if q.id
    }
    lines_by_quote: dict[int, list[tuple[int, int, Decimal, Decimal, Decimal | None, str]]] = (
        defaultdict(list)
    )
    if quotes:
        # one join, not an IN list of quote ids; plain rows (Core, not the ORM's loading);
        # price breaks as text and only when there are some: decoding 10,000 JSON values
        # was a third of this query's time
        conn = await session.connection()
        rows = await conn.execute(
            select(
                QuoteLine.quote_id,
                QuoteLine.id,
                QuoteLine.rfq_line_id,
                QuoteLine.quantity,
                QuoteLine.unit_price,
                QuoteLine.moq,
                func.nullif(cast(QuoteLine.price_breaks, Text), "[]"),
            )
            .join(Quote, Quote.id == QuoteLine.quote_id)  # type: ignore[arg-type]
            .where(*quote_filter)
        )
        for qid, lid, rlid, qty, price, moq, breaks in rows.all():
            lines_by_quote[qid].append((lid, rlid, qty, price, moq, breaks))

    table = await load_table(session, on)
    conversions = {
        cur: table.conversion(cur, currency)
        for cur in sorted({q.currency for q in quotes.values()})
    }
    scores = await supplier_scores(
        session, [q.supplier_org_id for q in quotes.values() if q.supplier_org_id]
    )

    offers = []
    one = Decimal(1)
    for q in quotes.values():
        rate = conversions[q.currency].rate
        lines = {}
        for lid, rlid, qty, price, moq, raw_breaks in lines_by_quote[q.id or 0]:
            breaks: tuple[tuple[Decimal, Decimal], ...] = ()
            if raw_breaks is not None:
                breaks = tuple(
                    (Decimal(b["min_quantity"]), Decimal(b["unit_price"]))
                    for b in json.loads(raw_breaks)
                )
            if rate != one:
                price = price * rate
                breaks = tuple((m, p * rate) for m, p in breaks)
            lines[rlid] = OfferLine(lid, rlid, qty, price, moq, breaks)
        assert q.id is not None and q.supplier_org_id is not None and q.submitted_at
        offers.append(
            Offer(
                quote_id=q.id,
                supplier_id=q.supplier_org_id,
                submitted_at=q.submitted_at,
                lead_time_days=q.lead_time_days or 0,
                shipping=q.shipping_cost * rate,
                supplier_score=scores[q.supplier_org_id].value,
                lines=lines,
            )
        )
    ctx = Context(
        tuple(RequestLine(ln.id or 0, ln.position, ln.quantity) for ln in rfq_lines),
        rfq.need_by,
        on,
    )
    return Comparison(
        rfq=rfq,
        currency=currency,
        on=on,
        weights=weights,
        ctx=ctx,
        offers=offers,
        conversions=conversions,
        scores=scores,
        quotes=quotes,
        rfq_lines=rfq_lines,
        max_suppliers=request.max_suppliers,
        exact_split=request.exact_split,
    )
