"""``rfq.comparison``: load an RFQ's live offers, convert them to one currency, rank
them and (on demand) split the award.  For the buying organisation only, and only when
prices are visible (not sealed, or closed)."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property

from sqlalchemy import ColumnElement, Text, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.clock import db_now
from procurement.comparison.model import (
    Context,
    Offer,
    OfferLine,
    RequestLine,
    Weights,
)
from procurement.comparison.ranking import (
    Facts,
    LineOffer,
    RankedOffer,
    line_facts,
    rank_lines,
    rank_offers,
)
from procurement.comparison.split import Split, prepare_split
from procurement.comparison.supplier_score import SupplierScore, supplier_scores
from procurement.errors import Collector, DomainError, ErrorCode, forbidden, not_found
from procurement.money.currency import check_currency
from procurement.money.fx import Conversion, load_table
from procurement.sourcing.access import visible_rfqs
from procurement.sourcing.inputs import weights_problem
from procurement.sourcing.models import Quote, QuoteLine, QuoteStatus, Rfq, RfqLine
from procurement.sourcing.sealing import rfq_prices_sealed
from procurement.viewer import Viewer, require_viewer

LIVE = (QuoteStatus.SUBMITTED.value, QuoteStatus.AWARDED.value)
#: splits are solved here, not in the loop's default pool: a solve may run for its whole
#: time bound (10 s when exact), and must not hold up other work sent to threads
_SOLVERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="split")


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
    _split_task: asyncio.Future[Split] | None = field(default=None, repr=False)

    @cached_property
    def facts(self) -> Facts:
        return line_facts(self.offers, self.ctx)

    @cached_property
    def ranked(self) -> list[RankedOffer]:
        return rank_offers(self.offers, self.ctx, self.weights, self.facts)

    @cached_property
    def lines(self) -> dict[int, list[LineOffer]]:
        return rank_lines(self.offers, self.ctx, self.facts)

    def start_split(self) -> None:
        """Build the model here, then solve it in the thread pool at once (not in a task,
        which would only start when the event loop next gets control, after the
        response's synchronous fields).  HiGHS releases the GIL, so the solve overlaps
        the ranking and the response being built."""
        if self._split_task is None:
            prepared = prepare_split(
                self.offers,
                self.ctx,
                self.max_suppliers,
                exact=self.exact_split,
                facts=self.facts,  # computed now, used by the ranking next
            )
            loop = asyncio.get_running_loop()
            self._split_task = loop.run_in_executor(_SOLVERS, prepared.solve)

    async def split(self) -> Split:
        """Solved once, on first use: the ranking alone never pays for the MILP."""
        self.start_split()
        assert self._split_task is not None
        return await self._split_task


def _weights(c: Collector, w: Weights) -> Weights:
    problem = weights_problem((w.price, w.lead_time, w.coverage, w.supplier_score))
    if problem is None:
        return w.normalised()
    c.add(ErrorCode.INVALID, problem, "weights")
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
    stmt = select(Rfq).where(col(Rfq.id) == rfq_id)
    if lock:
        stmt = stmt.with_for_update()
    rfq = (await session.execute(stmt)).scalar_one_or_none()
    if rfq is None:
        raise not_found("RFQ", "rfqId")
    if rfq.buyer_org_id != v.organization_id:
        visible = (
            await session.execute(select(col(Rfq.id)).where(col(Rfq.id) == rfq_id, visible_rfqs(v)))
        ).scalar_one_or_none()
        if visible is None:
            raise not_found("RFQ", "rfqId")
        raise forbidden("The comparison and the award are for the buying organisation only")
    return rfq


async def compare(session: AsyncSession, rfq: Rfq, request: ComparisonRequest) -> Comparison:
    """The caller loaded ``rfq`` with ``load_buyer_rfq`` (access checked)."""
    assert rfq.id is not None
    now = await db_now(session)
    if rfq_prices_sealed(rfq, now):
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
                select(RfqLine).where(col(RfqLine.rfq_id) == rfq.id).order_by(col(RfqLine.position))
            )
        ).scalars()
    )
    quote_filter: list[ColumnElement[bool]] = [
        col(Quote.rfq_id) == rfq.id,
        col(Quote.status).in_(LIVE),
    ]
    if not request.include_expired:
        quote_filter.append(or_(col(Quote.valid_until).is_(None), col(Quote.valid_until) >= on))
    quotes = {
        q.id: q
        for q in (
            await session.execute(select(Quote).where(*quote_filter).order_by(col(Quote.id)))
        ).scalars()
        if q.id
    }
    table = await load_table(session, on)
    conversions = {
        cur: table.conversion(cur, currency)
        for cur in sorted({q.currency for q in quotes.values()})
    }
    scores = await supplier_scores(
        session, [q.supplier_org_id for q in quotes.values() if q.supplier_org_id]
    )
    rates = {qid: conversions[q.currency].rate for qid, q in quotes.items()}
    lines = await _offer_lines(session, quote_filter, rates) if quotes else {}
    offers = []
    for q in quotes.values():
        assert q.id is not None and q.supplier_org_id is not None and q.submitted_at
        offers.append(
            Offer(
                quote_id=q.id,
                supplier_id=q.supplier_org_id,
                submitted_at=q.submitted_at,
                lead_time_days=q.lead_time_days or 0,
                shipping=q.shipping_cost * rates[q.id],
                supplier_score=scores[q.supplier_org_id].value,
                lines=lines.get(q.id, {}),
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


async def _offer_lines(
    session: AsyncSession, quote_filter: list[ColumnElement[bool]], rates: dict[int, Decimal]
) -> dict[int, dict[int, OfferLine]]:
    """Per quote id, its lines by RFQ line id, prices converted with the quote's rate.

    Read as one row per quote with arrays (10,000 quote lines on the benchmark: row by
    row, building the rows cost more than the query); price breaks as text and only
    when there are some, since decoding 10,000 JSON values was a third of the time."""
    conn = await session.connection()
    breaks_text = func.nullif(cast(col(QuoteLine.price_breaks), Text), "[]")
    result = await conn.execute(
        select(
            col(QuoteLine.quote_id),
            func.array_agg(col(QuoteLine.id)),
            func.array_agg(col(QuoteLine.rfq_line_id)),
            func.array_agg(col(QuoteLine.quantity)),
            func.array_agg(col(QuoteLine.unit_price)),
            func.array_agg(col(QuoteLine.moq)),
            func.array_agg(breaks_text),
        )
        .join(Quote, col(Quote.id) == col(QuoteLine.quote_id))
        .where(*quote_filter)
        .group_by(col(QuoteLine.quote_id))
    )
    one = Decimal(1)
    out: dict[int, dict[int, OfferLine]] = {}
    for qid, ids, rfq_line_ids, quantities, prices, moqs, all_breaks in result.all():
        assert qid is not None  # grouped by quote_line.quote_id, which is NOT NULL
        rate = rates.get(qid)
        if rate is None:  # a quote that became live between the two reads
            continue
        lines = out[qid] = {}
        for lid, rlid, qty, price, moq, raw in zip(
            ids, rfq_line_ids, quantities, prices, moqs, all_breaks, strict=True
        ):
            breaks: tuple[tuple[Decimal, Decimal], ...] = ()
            if raw is not None:
                breaks = tuple(
                    (Decimal(b["min_quantity"]), Decimal(b["unit_price"])) for b in json.loads(raw)
                )
            if rate != one:
                price = price * rate
                breaks = tuple((m, p * rate) for m, p in breaks)
            lines[rlid] = OfferLine(lid, rlid, qty, price, moq, breaks)
    return out
