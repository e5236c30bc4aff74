"""Clarifications: a supplier that may see an RFQ asks; the buyer answers; answered
questions are visible to every supplier who can see the RFQ, without the asker."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.audit.service import record, snapshot
from procurement.clock import db_now
from procurement.errors import Collector, DomainError, ErrorCode, forbidden, not_found
from procurement.parties.validation import check_name
from procurement.sourcing.access import visible_rfqs
from procurement.sourcing.clock import effective_status
from procurement.sourcing.models import Rfq, RfqQuestion, RfqStatus
from procurement.viewer import Role, Viewer, require_viewer, role_refusal

MAX_TEXT = 4000


def _text(value: str, field: str) -> str:
    c = Collector()
    out = check_name(c, value, field, MAX_TEXT)
    c.raise_if_any()
    return out


async def ask_question(
    session: AsyncSession, viewer: Viewer | None, rfq_id: int, question: str
) -> RfqQuestion:
    v = require_viewer(viewer)
    rfq = (
        await session.execute(select(Rfq).where(col(Rfq.id) == rfq_id, visible_rfqs(v)))
    ).scalar_one_or_none()
    if rfq is None:
        raise not_found("RFQ", "rfqId")
    if rfq.buyer_org_id == v.organization_id:
        raise forbidden("Questions are asked by suppliers' sales staff")
    if not v.has(Role.SUPPLIER_SALES):
        raise role_refusal(v, Role.SUPPLIER_SALES)
    if effective_status(rfq, await db_now(session)) is not RfqStatus.OPEN:
        raise DomainError.of(ErrorCode.RFQ_NOT_OPEN, "Questions close with the RFQ", "rfqId")
    q = RfqQuestion(
        rfq_id=rfq_id,
        supplier_org_id=v.organization_id,
        asked_by_id=v.user_id,
        question=_text(question, "question"),
    )
    session.add(q)
    await session.flush()  # the event names the question: it needs its id
    await record(
        session,
        v,
        action="rfq.question_asked",
        entity=q,
        organization_id=v.organization_id,
        event_payload={"rfq_id": rfq_id, "buyer_org_id": rfq.buyer_org_id, "question_id": q.id},
    )
    return q


async def answer_question(
    session: AsyncSession, viewer: Viewer | None, question_id: int, answer: str
) -> RfqQuestion:
    v = require_viewer(viewer)
    row = (
        await session.execute(
            select(RfqQuestion, Rfq)
            .join(Rfq, col(Rfq.id) == col(RfqQuestion.rfq_id))
            .where(col(RfqQuestion.id) == question_id, col(Rfq.buyer_org_id) == v.organization_id)
            .with_for_update(of=RfqQuestion)
        )
    ).one_or_none()
    if row is None:
        raise not_found("Question")
    q, rfq = row
    if Role.BUYER not in v.roles:
        raise forbidden("This needs the BUYER role")
    if rfq.status == RfqStatus.CANCELLED.value:
        raise DomainError.of(ErrorCode.RFQ_NOT_OPEN, "The RFQ is cancelled", "id")
    before = snapshot(q)
    q.answer = _text(answer, "answer")
    q.answered_by_id = v.user_id
    q.answered_at = await db_now(session)
    await record(
        session,
        v,
        action="rfq.question_answered",
        entity=q,
        organization_id=v.organization_id,
        before=before,
    )
    return q
