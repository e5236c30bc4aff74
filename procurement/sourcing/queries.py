"""Reads of the sourcing domain, each applying the viewer's visibility, plus the batch
loaders the API's DataLoaders call (the parent object has already passed its check)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.errors import forbidden
from procurement.pagination import OrderSpec, Page, paginate
from procurement.search import contains_pattern
from procurement.sourcing.access import quotable_by, supplier_scope, visible_rfqs
from procurement.sourcing.clock import status_is
from procurement.sourcing.models import (
    Quote,
    QuoteLine,
    QuoteRevision,
    QuoteStatus,
    Rfq,
    RfqInvitation,
    RfqLine,
    RfqQuestion,
    RfqStatus,
)
from procurement.viewer import Role, Viewer, require_viewer


class RfqSort(StrEnum):
    NEWEST = "NEWEST"
    OLDEST = "OLDEST"
    DEADLINE = "DEADLINE"
    TITLE = "TITLE"


_RFQ_ORDER: dict[RfqSort, OrderSpec] = {
    RfqSort.NEWEST: [(Rfq.id, "desc")],
    RfqSort.OLDEST: [(Rfq.id, "asc")],
    RfqSort.DEADLINE: [(Rfq.deadline, "asc"), (Rfq.id, "asc")],
    RfqSort.TITLE: [(Rfq.title, "asc"), (Rfq.id, "asc")],
}


def _text(text: str) -> ColumnElement[bool]:
    pattern = contains_pattern(text)
    return or_(
        col(Rfq.title).ilike(pattern),
        col(Rfq.number).ilike(pattern),
        col(Rfq.description).ilike(pattern),
    )


async def get_rfq(session: AsyncSession, viewer: Viewer | None, rfq_id: int) -> Rfq | None:
    return (await visible_rfqs_by_id(session, viewer, [rfq_id])).get(rfq_id)


async def visible_rfqs_by_id(
    session: AsyncSession, viewer: Viewer | None, ids: Sequence[int]
) -> dict[int, Rfq]:
    """The visible ones among ``ids``, in one statement (``nodes(ids:)``); see get_rfq."""
    rows = await session.execute(select(Rfq).where(col(Rfq.id).in_(ids), visible_rfqs(viewer)))
    return {r.id: r for r in rows.scalars() if r.id is not None}


async def get_rfq_line(
    session: AsyncSession, viewer: Viewer | None, line_id: int
) -> tuple[RfqLine, str] | None:
    """A line of an RFQ the viewer may see, with the RFQ's currency."""
    return (await visible_rfq_lines_by_id(session, viewer, [line_id])).get(line_id)


async def visible_rfq_lines_by_id(
    session: AsyncSession, viewer: Viewer | None, ids: Sequence[int]
) -> dict[int, tuple[RfqLine, str]]:
    """The visible ones among ``ids``, in one statement (``nodes(ids:)``); see get_rfq_line."""
    rows = await session.execute(
        select(RfqLine, col(Rfq.currency))
        .join(Rfq, col(Rfq.id) == col(RfqLine.rfq_id))
        .where(col(RfqLine.id).in_(ids), visible_rfqs(viewer))
    )
    return {line.id: (line, currency) for line, currency in rows if line.id is not None}


async def get_rfq_by_reference(
    session: AsyncSession, viewer: Viewer | None, reference: str
) -> Rfq | None:
    """External references are the buying organisation's own keys (its ERP's)."""
    if viewer is None:
        return None
    return (
        await session.execute(
            select(Rfq).where(
                col(Rfq.buyer_org_id) == viewer.organization_id,
                col(Rfq.external_reference) == reference,
            )
        )
    ).scalar_one_or_none()


async def list_rfqs(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    status: RfqStatus | None = None,
    category_id: int | None = None,
    text: str | None = None,
    sort: RfqSort = RfqSort.NEWEST,
    first: int | None = None,
    after: str | None = None,
) -> Page[Rfq]:
    """The buying organisation's RFQs (every member may read them)."""
    v = require_viewer(viewer)
    stmt = select(Rfq).where(col(Rfq.buyer_org_id) == v.organization_id)
    if status is not None:
        stmt = stmt.where(status_is(status))
    if category_id is not None:
        stmt = stmt.where(col(Rfq.category_id) == category_id)
    if text and text.strip():
        stmt = stmt.where(_text(text))
    return await paginate(session, stmt, order_by=_RFQ_ORDER[sort], first=first, after=after)


async def rfq_feed(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    category_id: int | None = None,
    text: str | None = None,
    closing_before: datetime | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Page[Rfq]:
    """OPEN RFQs this supplier may quote on now, soonest deadline first."""
    v = require_viewer(viewer)
    # a barred supplier's staff still read (an empty feed: ``quotable_by`` excludes it)
    if not (v.has(Role.SUPPLIER_SALES, Role.ORG_ADMIN, Role.VIEWER) or v.barred_supplier_status):
        raise forbidden("The feed is for suppliers' staff")
    stmt = select(Rfq).where(
        quotable_by(v.organization_id), col(Rfq.buyer_org_id) != v.organization_id
    )
    if category_id is not None:
        stmt = stmt.where(col(Rfq.category_id) == category_id)
    if text and text.strip():
        stmt = stmt.where(_text(text))
    if closing_before is not None:
        stmt = stmt.where(col(Rfq.deadline) < closing_before)
    return await paginate(
        session, stmt, order_by=_RFQ_ORDER[RfqSort.DEADLINE], first=first, after=after
    )


def visible_quotes(viewer: Viewer | None) -> ColumnElement[bool]:
    """A supplier sees its own quotes; the RFQ's buyer sees the non-draft ones."""
    if viewer is None:
        return false()
    not_draft = col(Quote.status) != QuoteStatus.DRAFT.value
    if viewer.is_platform_admin:
        return not_draft
    org = viewer.organization_id
    buyer_of = col(Quote.rfq_id).in_(select(col(Rfq.id)).where(col(Rfq.buyer_org_id) == org))
    return or_(col(Quote.supplier_org_id) == org, and_(not_draft, buyer_of))


async def get_quote(session: AsyncSession, viewer: Viewer | None, quote_id: int) -> Quote | None:
    return (await visible_quotes_by_id(session, viewer, [quote_id])).get(quote_id)


async def visible_quotes_by_id(
    session: AsyncSession, viewer: Viewer | None, ids: Sequence[int]
) -> dict[int, Quote]:
    """The visible ones among ``ids``, in one statement (``nodes(ids:)``); see get_quote."""
    rows = await session.execute(
        select(Quote).where(col(Quote.id).in_(ids), visible_quotes(viewer))
    )
    return {q.id: q for q in rows.scalars() if q.id is not None}


async def get_quote_line(
    session: AsyncSession, viewer: Viewer | None, line_id: int
) -> tuple[QuoteLine, Quote] | None:
    """A line of a quote the viewer may see, with its quote."""
    return (await visible_quote_lines_by_id(session, viewer, [line_id])).get(line_id)


async def visible_quote_lines_by_id(
    session: AsyncSession, viewer: Viewer | None, ids: Sequence[int]
) -> dict[int, tuple[QuoteLine, Quote]]:
    """The visible ones among ``ids``, in one statement (``nodes(ids:)``); see get_quote_line."""
    rows = await session.execute(
        select(QuoteLine, Quote)
        .join(Quote, col(Quote.id) == col(QuoteLine.quote_id))
        .where(col(QuoteLine.id).in_(ids), visible_quotes(viewer))
    )
    return {line.id: (line, quote) for line, quote in rows if line.id is not None}


def question_visible(question: RfqQuestion, supplier_org: int | None) -> bool:
    """The buyer side (``supplier_org`` None) sees every question; a supplier sees the
    answered ones and its own."""
    return (
        supplier_org is None
        or question.answer is not None
        or question.supplier_org_id == supplier_org
    )


async def get_question(
    session: AsyncSession, viewer: Viewer | None, question_id: int
) -> tuple[RfqQuestion, Rfq] | None:
    """A question the viewer may see (on an RFQ it may see), with that RFQ."""
    return (await visible_questions_by_id(session, viewer, [question_id])).get(question_id)


async def visible_questions_by_id(
    session: AsyncSession, viewer: Viewer | None, ids: Sequence[int]
) -> dict[int, tuple[RfqQuestion, Rfq]]:
    """The visible ones among ``ids``, in one statement (``nodes(ids:)``); see get_question."""
    if viewer is None:
        return {}
    rows = await session.execute(
        select(RfqQuestion, Rfq)
        .join(Rfq, col(Rfq.id) == col(RfqQuestion.rfq_id))
        .where(col(RfqQuestion.id).in_(ids), visible_rfqs(viewer))
    )
    return {
        q.id: (q, rfq)
        for q, rfq in rows
        if q.id is not None and question_visible(q, supplier_scope(viewer, rfq))
    }


async def list_my_quotes(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    status: QuoteStatus | None = None,
    rfq_id: int | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Page[Quote]:
    v = require_viewer(viewer)
    stmt = select(Quote).where(col(Quote.supplier_org_id) == v.organization_id)
    if status is not None:
        stmt = stmt.where(col(Quote.status) == status.value)
    if rfq_id is not None:
        stmt = stmt.where(col(Quote.rfq_id) == rfq_id)
    return await paginate(
        session, stmt, order_by=[(col(Quote.id), "desc")], first=first, after=after
    )


# --- batch loaders ------------------------------------------------------------------


async def rfqs_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Rfq]:
    rows = (await session.execute(select(Rfq).where(col(Rfq.id).in_(ids)))).scalars()
    return {r.id: r for r in rows if r.id is not None}


async def lines_by_rfq(session: AsyncSession, rfq_ids: Sequence[int]) -> dict[int, list[RfqLine]]:
    rows = (
        await session.execute(
            select(RfqLine).where(col(RfqLine.rfq_id).in_(rfq_ids)).order_by(col(RfqLine.position))
        )
    ).scalars()
    out: dict[int, list[RfqLine]] = defaultdict(list)
    for ln in rows:
        assert ln.rfq_id is not None
        out[ln.rfq_id].append(ln)
    return out


async def rfq_lines_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, RfqLine]:
    rows = (await session.execute(select(RfqLine).where(col(RfqLine.id).in_(ids)))).scalars()
    return {r.id: r for r in rows if r.id is not None}


async def invitations_by_rfq(
    session: AsyncSession, rfq_ids: Sequence[int]
) -> dict[int, list[RfqInvitation]]:
    rows = (
        await session.execute(
            select(RfqInvitation)
            .where(col(RfqInvitation.rfq_id).in_(rfq_ids))
            .order_by(col(RfqInvitation.invited_at), col(RfqInvitation.supplier_org_id))
        )
    ).scalars()
    out: dict[int, list[RfqInvitation]] = defaultdict(list)
    for inv in rows:
        out[inv.rfq_id].append(inv)
    return out


async def quotes_by_rfq(
    session: AsyncSession, keys: Sequence[tuple[int, int | None]]
) -> dict[tuple[int, int | None], list[Quote]]:
    """Key (rfq id, supplier org id or None): None means "as the buyer" (every non-draft
    quote); an org id means that supplier's own quotes."""
    buyer_ids = [r for r, s in keys if s is None]
    own = [(r, s) for r, s in keys if s is not None]
    conds = []
    if buyer_ids:
        conds.append(
            and_(
                col(Quote.rfq_id).in_(buyer_ids),
                col(Quote.status) != QuoteStatus.DRAFT.value,
            )
        )
    for r, s in own:
        conds.append(and_(col(Quote.rfq_id) == r, col(Quote.supplier_org_id) == s))
    rows = (
        await session.execute(select(Quote).where(or_(*conds)).order_by(col(Quote.id)))
    ).scalars()
    out: dict[tuple[int, int | None], list[Quote]] = defaultdict(list)
    wanted = set(keys)
    for q in rows:
        assert q.rfq_id is not None
        if (q.rfq_id, None) in wanted and q.status != QuoteStatus.DRAFT.value:
            out[(q.rfq_id, None)].append(q)
        if (q.rfq_id, q.supplier_org_id) in wanted:
            out[(q.rfq_id, q.supplier_org_id)].append(q)
    return out


async def lines_by_quote(
    session: AsyncSession, quote_ids: Sequence[int]
) -> dict[int, list[QuoteLine]]:
    rows = (
        await session.execute(
            select(QuoteLine)
            .join(RfqLine, col(RfqLine.id) == col(QuoteLine.rfq_line_id))
            .where(col(QuoteLine.quote_id).in_(quote_ids))
            .order_by(col(RfqLine.position))
        )
    ).scalars()
    out: dict[int, list[QuoteLine]] = defaultdict(list)
    for ln in rows:
        assert ln.quote_id is not None
        out[ln.quote_id].append(ln)
    return out


async def revisions_by_quote(
    session: AsyncSession, quote_ids: Sequence[int]
) -> dict[int, list[QuoteRevision]]:
    rows = (
        await session.execute(
            select(QuoteRevision)
            .where(col(QuoteRevision.quote_id).in_(quote_ids))
            .order_by(col(QuoteRevision.revision))
        )
    ).scalars()
    out: dict[int, list[QuoteRevision]] = defaultdict(list)
    for r in rows:
        assert r.quote_id is not None
        out[r.quote_id].append(r)
    return out


async def questions_by_rfq(
    session: AsyncSession, keys: Sequence[tuple[int, int | None]]
) -> dict[tuple[int, int | None], list[RfqQuestion]]:
    """Key (rfq id, supplier org or None for the buyer): the buyer sees every question;
    a supplier sees answered ones and its own."""
    rfq_ids = sorted({r for r, _ in keys})
    rows = (
        (
            await session.execute(
                select(RfqQuestion)
                .where(col(RfqQuestion.rfq_id).in_(rfq_ids))
                .order_by(col(RfqQuestion.id))
            )
        )
        .scalars()
        .all()
    )
    by_rfq: dict[int | None, list[RfqQuestion]] = defaultdict(list)
    for q in rows:
        by_rfq[q.rfq_id].append(q)
    return {
        (rfq_id, org): [q for q in by_rfq.get(rfq_id, []) if question_visible(q, org)]
        for rfq_id, org in keys
    }
