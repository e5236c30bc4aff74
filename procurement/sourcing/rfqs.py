"""RFQ use cases for the buying organisation: create, edit (DRAFT), publish, close,
cancel, extend the deadline (invitations: ``invitations.py``; checking fields and
lines: ``rfq_fields.py``).

Every write locks the RFQ row and judges deadlines by the database clock of its own
transaction, so a publish racing a close, or a quote racing the deadline, is decided
once and the same way for everyone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

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
from procurement.numbering import next_number
from procurement.parties.guards import require_buyer
from procurement.sourcing.clock import effective_status
from procurement.sourcing.inputs import (
    RfqFields,
    RfqLineChange,
    RfqLineInput,
)
from procurement.sourcing.models import (
    LIVE_QUOTE_STATUSES,
    Quote,
    Rfq,
    RfqInvitation,
    RfqLine,
    RfqStatus,
    Visibility,
)
from procurement.sourcing.rfq_fields import (
    DEFAULT_WEIGHTS,
    MAX_LINES,
    apply_fields,
    apply_line,
    check_line_categories,
    check_weights,
)
from procurement.sourcing.states import RFQ
from procurement.unset import UNSET
from procurement.viewer import Role, Viewer, require_viewer


async def load_for_buyer(session: AsyncSession, viewer: Viewer | None, rfq_id: int) -> Rfq:
    """The buyer's own RFQ, locked; NOT_FOUND for anyone else's."""
    v = require_viewer(viewer)
    rfq = (
        await session.execute(
            select(Rfq)
            .where(col(Rfq.id) == rfq_id, col(Rfq.buyer_org_id) == v.organization_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if rfq is None:
        raise not_found("RFQ")
    if Role.BUYER not in v.roles:
        raise forbidden("This needs the BUYER role")
    return rfq


async def rfq_lines(session: AsyncSession, rfq_id: int) -> list[RfqLine]:
    return list(
        (
            await session.execute(
                select(RfqLine).where(col(RfqLine.rfq_id) == rfq_id).order_by(col(RfqLine.position))
            )
        ).scalars()
    )


def snapshot_with_lines(entity: SQLModel, lines: Sequence[SQLModel]) -> dict[str, Any]:
    """An audit snapshot of an RFQ or a quote together with its lines."""
    data = snapshot(entity) or {}
    data["lines"] = [snapshot(x) for x in lines]
    return data


async def has_live_quote(session: AsyncSession, rfq_id: int, supplier_org_id: int) -> bool:
    """The supplier holds a live quote (draft, submitted or awarded) on the RFQ."""
    return bool(
        (
            await session.execute(
                select(func.count()).where(
                    col(Quote.rfq_id) == rfq_id,
                    col(Quote.supplier_org_id) == supplier_org_id,
                    col(Quote.status).in_([s.value for s in LIVE_QUOTE_STATUSES]),
                )
            )
        ).scalar_one()
    )


async def create_rfq(
    session: AsyncSession,
    viewer: Viewer | None,
    fields: RfqFields,
    lines: Sequence[RfqLineInput] = (),
) -> Rfq:
    v = await require_buyer(session, viewer)
    c = Collector()
    for required in ("title", "currency", "deadline"):
        if getattr(fields, required) is UNSET:
            c.add(ErrorCode.REQUIRED, f"Give the RFQ a {required}", required)
    if len(lines) > MAX_LINES:
        c.add(ErrorCode.INVALID, f"At most {MAX_LINES} lines", "lines")
    c.raise_if_any()
    now = await db_now(session)
    rfq = Rfq(
        number="",
        buyer_org_id=v.organization_id,
        created_by_id=v.user_id,
        title="",
        currency="",
        deadline=now,
        visibility=Visibility.PUBLIC.value,
        sealed=False,
        weights=check_weights(c, DEFAULT_WEIGHTS),
        status=RfqStatus.DRAFT.value,
    )
    await apply_fields(session, c, rfq, fields, now)
    new_lines = []
    for i, data in enumerate(lines):
        line = RfqLine(position=i + 1, description="", quantity=Decimal(0), unit="")
        apply_line(c, line, data, f"lines[{i}]")
        new_lines.append((f"lines[{i}]", line))
    await check_line_categories(session, c, new_lines)
    c.raise_if_any()
    rfq.number = await next_number(session, v.organization_id, "RFQ")
    session.add(rfq)
    await session.flush()
    for _, line in new_lines:
        line.rfq_id = rfq.id
        session.add(line)
    await session.flush()
    await record(
        session,
        v,
        action="rfq.created",
        entity=rfq,
        organization_id=v.organization_id,
        after=snapshot_with_lines(rfq, [ln for _, ln in new_lines]),
    )
    return rfq


async def update_rfq(
    session: AsyncSession,
    viewer: Viewer | None,
    rfq_id: int,
    fields: RfqFields,
    *,
    add_lines: Sequence[RfqLineInput] = (),
    change_lines: Sequence[RfqLineChange] = (),
    remove_line_ids: Sequence[int] = (),
    expected_version: int | None = None,
) -> Rfq:
    """Edit a DRAFT: header fields, and lines added, changed or removed."""
    rfq = await load_for_buyer(session, viewer, rfq_id)
    now = await db_now(session)
    RFQ.check(effective_status(rfq, now), "update")
    check_version("RFQ", rfq.version, expected_version)
    lines = await rfq_lines(session, rfq_id)
    before = snapshot_with_lines(rfq, lines)
    c = Collector()
    await apply_fields(session, c, rfq, fields, now)
    by_id = {ln.id: ln for ln in lines}
    touched: list[tuple[str, RfqLine]] = []
    for i, change in enumerate(change_lines):
        line = by_id.get(change.id)
        if line is None:
            c.add(ErrorCode.LINE_NOT_IN_RFQ, "No such line on this RFQ", f"changeLines[{i}].id")
            continue
        apply_line(c, line, change, f"changeLines[{i}]")
        touched.append((f"changeLines[{i}]", line))
    for i, line_id in enumerate(remove_line_ids):
        if line_id not in by_id:
            c.add(ErrorCode.LINE_NOT_IN_RFQ, "No such line on this RFQ", f"removeLineIds[{i}]")
    kept = [ln for ln in lines if ln.id not in set(remove_line_ids)]
    if len(kept) + len(add_lines) > MAX_LINES:
        c.add(ErrorCode.INVALID, f"At most {MAX_LINES} lines", "addLines")
    added = []
    for i, data in enumerate(add_lines):
        line = RfqLine(rfq_id=rfq.id, position=0, description="", quantity=Decimal(0), unit="")
        apply_line(c, line, data, f"addLines[{i}]")
        added.append((f"addLines[{i}]", line))
    await check_line_categories(session, c, touched + added)
    c.raise_if_any()
    if remove_line_ids:
        await session.execute(delete(RfqLine).where(col(RfqLine.id).in_(remove_line_ids)))
    final = kept + [ln for _, ln in added]
    for pos, line in enumerate(final, start=1):
        line.position = pos
    session.add_all(ln for _, ln in added)
    rfq.version += 1
    await session.flush()
    await record(
        session,
        viewer,
        action="rfq.updated",
        entity=rfq,
        organization_id=rfq.buyer_org_id,
        before=before,
        after=snapshot_with_lines(rfq, final),
    )
    return rfq


async def _invitation_count(session: AsyncSession, rfq_id: int) -> int:
    return int(
        (
            await session.execute(select(func.count()).where(col(RfqInvitation.rfq_id) == rfq_id))
        ).scalar_one()
    )


async def publish_rfq(
    session: AsyncSession, viewer: Viewer | None, rfq_id: int, expected_version: int | None = None
) -> Rfq:
    """DRAFT -> OPEN: needs lines, a future deadline, a category (PUBLIC: suppliers find
    it by category) and at least one invited supplier (INVITED)."""
    rfq = await load_for_buyer(session, viewer, rfq_id)
    now = await db_now(session)
    new = RFQ.target(effective_status(rfq, now), "publish")
    check_version("RFQ", rfq.version, expected_version)
    c = Collector()
    if not await rfq_lines(session, rfq_id):
        c.add(ErrorCode.NO_LINES, "Add at least one line before publishing", "lines")
    if rfq.deadline <= now:
        c.add(
            ErrorCode.DEADLINE_NOT_IN_FUTURE, "The deadline has passed; set a later one", "deadline"
        )
    if rfq.visibility == Visibility.PUBLIC.value and rfq.category_id is None:
        c.add(ErrorCode.REQUIRED, "A public RFQ needs a category", "categoryId")
    if rfq.visibility == Visibility.INVITED.value and not await _invitation_count(session, rfq_id):
        c.add(ErrorCode.NO_INVITATIONS, "Invite at least one supplier first", "invitations")
    c.raise_if_any()
    before = snapshot(rfq)
    rfq.published_at = now
    await RFQ.apply(
        session,
        viewer,
        rfq,
        "publish",
        target=new,
        audit_action="rfq.published",
        organization_id=rfq.buyer_org_id,
        before=before,
    )
    return rfq


async def close_rfq(
    session: AsyncSession, viewer: Viewer | None, rfq_id: int, expected_version: int | None = None
) -> Rfq:
    rfq = await load_for_buyer(session, viewer, rfq_id)
    now = await db_now(session)
    new = RFQ.target(effective_status(rfq, now), "close")
    check_version("RFQ", rfq.version, expected_version)
    before = snapshot(rfq)
    rfq.closed_at = now
    await RFQ.apply(
        session,
        viewer,
        rfq,
        "close",
        target=new,
        audit_action="rfq.closed",
        organization_id=rfq.buyer_org_id,
        before=before,
    )
    return rfq


async def cancel_rfq(
    session: AsyncSession,
    viewer: Viewer | None,
    rfq_id: int,
    reason: str,
    expected_version: int | None = None,
) -> Rfq:
    rfq = await load_for_buyer(session, viewer, rfq_id)
    now = await db_now(session)
    current = effective_status(rfq, now)
    new = RFQ.target(current, "cancel")
    check_version("RFQ", rfq.version, expected_version)
    if not reason.strip():
        raise DomainError.of(ErrorCode.REQUIRED, "Give a reason for cancelling", "reason")
    before = snapshot(rfq)
    rfq.cancel_reason = reason.strip()
    if current is RfqStatus.OPEN:
        rfq.closed_at = now
    await RFQ.apply(
        session,
        viewer,
        rfq,
        "cancel",
        target=new,
        audit_action="rfq.cancelled",
        organization_id=rfq.buyer_org_id,
        before=before,
    )
    return rfq


async def extend_deadline(
    session: AsyncSession,
    viewer: Viewer | None,
    rfq_id: int,
    deadline: datetime,
    expected_version: int | None = None,
) -> Rfq:
    """Later only, while OPEN (an RFQ whose deadline passed is closed for good)."""
    rfq = await load_for_buyer(session, viewer, rfq_id)
    now = await db_now(session)
    RFQ.check(effective_status(rfq, now), "extend")
    check_version("RFQ", rfq.version, expected_version)
    if deadline.tzinfo is None:
        raise DomainError.of(ErrorCode.INVALID, "Give the deadline with a time zone", "deadline")
    if deadline <= rfq.deadline:
        raise DomainError.of(
            ErrorCode.INVALID, "The new deadline must be later than the current one", "deadline"
        )
    before = snapshot(rfq)
    rfq.deadline = deadline
    rfq.version += 1
    await record(
        session,
        viewer,
        action="rfq.deadline_extended",
        entity=rfq,
        organization_id=rfq.buyer_org_id,
        before=before,
    )
    return rfq
