"""RFQ use cases for the buying organisation: create, edit (DRAFT), publish, close,
cancel, extend the deadline, invite and uninvite suppliers.

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
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from procurement.addresses import check_address
from procurement.amounts import check_positive
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
from procurement.money.currency import check_currency
from procurement.numbering import next_number
from procurement.parties.guards import require_buyer
from procurement.parties.models import Category, Organization, VerificationStatus
from procurement.parties.validation import check_name, check_unit
from procurement.sourcing.clock import effective_status
from procurement.sourcing.inputs import (
    RfqFields,
    RfqLineChange,
    RfqLineInput,
    Weights,
    weights_problem,
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
from procurement.sourcing.states import RFQ_TRANSITIONS
from procurement.states import transition
from procurement.unset import UNSET
from procurement.values import Limits
from procurement.viewer import Role, Viewer, require_viewer

MAX_LINES = 500
DEFAULT_WEIGHTS = Weights()


# --- access -------------------------------------------------------------------------


async def load_for_buyer(session: AsyncSession, viewer: Viewer | None, rfq_id: int) -> Rfq:
    """The buyer's own RFQ, locked; NOT_FOUND for anyone else's."""
    v = require_viewer(viewer)
    rfq = (
        await session.execute(
            select(Rfq)
            .where(Rfq.id == rfq_id, Rfq.buyer_org_id == v.organization_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if rfq is None:
        raise not_found("RFQ")
    if Role.BUYER not in v.roles:
        raise forbidden("This needs the BUYER role")
    return rfq


# --- validation ---------------------------------------------------------------------


def _weights(c: Collector, w: Weights) -> dict[str, str]:
    """Non-negative, not all zero, normalised to sum to 1."""
    values = {
        "price": w.price,
        "leadTime": w.lead_time,
        "coverage": w.coverage,
        "supplierScore": w.supplier_score,
    }
    problem = weights_problem(values.values())
    if problem is not None:
        c.add(ErrorCode.INVALID, problem, "evaluationWeights")
        return {}
    total = sum(values.values(), Decimal(0))
    return {k: str((x / total).quantize(Decimal("0.000001"))) for k, x in values.items()}


#: specifications are stored as JSON, so these stand in for their columns' lengths
SPEC_KEY_LIMITS = Limits(max_length=100)
SPEC_VALUE_LIMITS = Limits(max_length=1000)


def _specs(c: Collector, specs: Sequence[tuple[str, str]], field: str) -> list[dict[str, str]]:
    out = []
    if len(specs) > 50:
        c.add(ErrorCode.INVALID, "At most 50 specifications per line", field)
    for key, value in specs:
        if not key.strip():
            c.add(ErrorCode.REQUIRED, "A specification needs a name", field)
        out.append({"key": key.strip(), "value": value.strip()})
    return out


async def _existing_categories(session: AsyncSession, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    rows = await session.execute(select(Category.id).where(Category.id.in_(ids)))  # type: ignore[union-attr]
    return set(rows.scalars())


def _apply_line(
    c: Collector, line: RfqLine, data: RfqLineInput | RfqLineChange, field: str
) -> None:
    if data.description is not UNSET:
        line.description = check_name(c, data.description, f"{field}.description", 1000)  # type: ignore[arg-type]
    if data.quantity is not UNSET:
        check_positive(c, data.quantity, f"{field}.quantity")  # type: ignore[arg-type]
        line.quantity = data.quantity  # type: ignore[assignment]
    if data.unit is not UNSET:
        line.unit = check_unit(c, data.unit, f"{field}.unit")  # type: ignore[arg-type]
    if data.category_id is not UNSET:
        line.category_id = data.category_id  # type: ignore[assignment]
    if data.target_unit_price is not UNSET:
        check_positive(c, data.target_unit_price, f"{field}.targetUnitPrice")  # type: ignore[arg-type]
        line.target_unit_price = data.target_unit_price  # type: ignore[assignment]
    if data.specifications is not UNSET:
        line.specifications = _specs(c, data.specifications, f"{field}.specifications")  # type: ignore[arg-type]
    if data.need_by is not UNSET:
        line.need_by = data.need_by  # type: ignore[assignment]


async def _apply_fields(
    session: AsyncSession, c: Collector, rfq: Rfq, f: RfqFields, now: datetime
) -> None:
    if f.title is not UNSET:
        rfq.title = check_name(c, f.title, "title")
    if f.description is not UNSET:
        rfq.description = f.description
    if f.category_id is not UNSET:
        if f.category_id is not None and not await _existing_categories(session, {f.category_id}):
            c.add(ErrorCode.NOT_FOUND, "Unknown category", "categoryId")
        rfq.category_id = f.category_id
    if f.currency is not UNSET:
        rfq.currency = check_currency(c, f.currency, "currency")
    if f.delivery_address is not UNSET:
        rfq.delivery_address = check_address(c, f.delivery_address) if f.delivery_address else None
    if f.need_by is not UNSET:
        rfq.need_by = f.need_by
    if f.deadline is not UNSET:
        if f.deadline.tzinfo is None:
            c.add(ErrorCode.INVALID, "Give the deadline with a time zone", "deadline")
        elif f.deadline <= now:
            c.add(
                ErrorCode.DEADLINE_NOT_IN_FUTURE, "The deadline must be in the future", "deadline"
            )
        rfq.deadline = f.deadline
    if f.visibility is not UNSET:
        rfq.visibility = Visibility(f.visibility).value
    if f.sealed is not UNSET:
        rfq.sealed = f.sealed
    if f.weights is not UNSET:
        rfq.weights = _weights(c, f.weights)
    if f.external_reference is not UNSET:
        ref = (f.external_reference or "").strip() or None
        if ref and await _reference_taken(session, rfq, ref):
            c.add(
                ErrorCode.DUPLICATE,
                "Another RFQ of yours has this external reference",
                "externalReference",
            )
        rfq.external_reference = ref
    if rfq.need_by and rfq.deadline and rfq.deadline.tzinfo and rfq.need_by < rfq.deadline.date():
        c.add(ErrorCode.INVALID, "The need-by date cannot be before the quote deadline", "needBy")


async def _reference_taken(session: AsyncSession, rfq: Rfq, ref: str) -> bool:
    stmt = select(func.count()).where(
        Rfq.buyer_org_id == rfq.buyer_org_id, Rfq.external_reference == ref
    )
    if rfq.id is not None:
        stmt = stmt.where(Rfq.id != rfq.id)
    return bool((await session.execute(stmt)).scalar_one())


async def _check_line_categories(
    session: AsyncSession, c: Collector, lines: Sequence[tuple[str, RfqLine]]
) -> None:
    wanted = {ln.category_id for _, ln in lines if ln.category_id is not None}
    found = await _existing_categories(session, wanted)
    for field, ln in lines:
        if ln.category_id is not None and ln.category_id not in found:
            c.add(ErrorCode.NOT_FOUND, "Unknown category", f"{field}.categoryId")


async def rfq_lines(session: AsyncSession, rfq_id: int) -> list[RfqLine]:
    return list(
        (
            await session.execute(
                select(RfqLine).where(RfqLine.rfq_id == rfq_id).order_by(RfqLine.position)
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
                    Quote.rfq_id == rfq_id,
                    Quote.supplier_org_id == supplier_org_id,
                    Quote.status.in_([s.value for s in LIVE_QUOTE_STATUSES]),  # type: ignore[attr-defined]
                )
            )
        ).scalar_one()
    )


# --- use cases ----------------------------------------------------------------------


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
        weights=_weights(c, DEFAULT_WEIGHTS),
        status=RfqStatus.DRAFT.value,
    )
    await _apply_fields(session, c, rfq, fields, now)
    new_lines = []
    for i, data in enumerate(lines):
        line = RfqLine(position=i + 1, description="", quantity=Decimal(0), unit="")
        _apply_line(c, line, data, f"lines[{i}]")
        new_lines.append((f"lines[{i}]", line))
    await _check_line_categories(session, c, new_lines)
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
    transition(RFQ_TRANSITIONS, effective_status(rfq, now), "update", "RFQ")
    check_version("RFQ", rfq.version, expected_version)
    lines = await rfq_lines(session, rfq_id)
    before = snapshot_with_lines(rfq, lines)
    c = Collector()
    await _apply_fields(session, c, rfq, fields, now)
    by_id = {ln.id: ln for ln in lines}
    touched: list[tuple[str, RfqLine]] = []
    for i, change in enumerate(change_lines):
        line = by_id.get(change.id)
        if line is None:
            c.add(ErrorCode.LINE_NOT_IN_RFQ, "No such line on this RFQ", f"changeLines[{i}].id")
            continue
        _apply_line(c, line, change, f"changeLines[{i}]")
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
        _apply_line(c, line, data, f"addLines[{i}]")
        added.append((f"addLines[{i}]", line))
    await _check_line_categories(session, c, touched + added)
    c.raise_if_any()
    if remove_line_ids:
        await session.execute(delete(RfqLine).where(RfqLine.id.in_(remove_line_ids)))  # type: ignore[union-attr]
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
            await session.execute(select(func.count()).where(RfqInvitation.rfq_id == rfq_id))
        ).scalar_one()
    )


async def publish_rfq(
    session: AsyncSession, viewer: Viewer | None, rfq_id: int, expected_version: int | None = None
) -> Rfq:
    """DRAFT -> OPEN: needs lines, a future deadline, a category (PUBLIC: suppliers find
    it by category) and at least one invited supplier (INVITED)."""
    rfq = await load_for_buyer(session, viewer, rfq_id)
    now = await db_now(session)
    new = transition(RFQ_TRANSITIONS, effective_status(rfq, now), "publish", "RFQ")
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
    rfq.status = new.value
    rfq.published_at = now
    rfq.version += 1
    await record(
        session,
        viewer,
        action="rfq.published",
        entity=rfq,
        organization_id=rfq.buyer_org_id,
        before=before,
    )
    return rfq


async def close_rfq(
    session: AsyncSession, viewer: Viewer | None, rfq_id: int, expected_version: int | None = None
) -> Rfq:
    rfq = await load_for_buyer(session, viewer, rfq_id)
    now = await db_now(session)
    new = transition(RFQ_TRANSITIONS, effective_status(rfq, now), "close", "RFQ")
    check_version("RFQ", rfq.version, expected_version)
    before = snapshot(rfq)
    rfq.status = new.value
    rfq.closed_at = now
    rfq.version += 1
    await record(
        session,
        viewer,
        action="rfq.closed",
        entity=rfq,
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
    new = transition(RFQ_TRANSITIONS, current, "cancel", "RFQ")
    check_version("RFQ", rfq.version, expected_version)
    if not reason.strip():
        raise DomainError.of(ErrorCode.REQUIRED, "Give a reason for cancelling", "reason")
    before = snapshot(rfq)
    rfq.status = new.value
    rfq.cancel_reason = reason.strip()
    if current is RfqStatus.OPEN:
        rfq.closed_at = now
    rfq.version += 1
    await record(
        session,
        viewer,
        action="rfq.cancelled",
        entity=rfq,
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
    transition(RFQ_TRANSITIONS, effective_status(rfq, now), "extend", "RFQ")
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


async def invite_suppliers(
    session: AsyncSession, viewer: Viewer | None, rfq_id: int, supplier_ids: Sequence[int]
) -> Rfq:
    rfq = await load_for_buyer(session, viewer, rfq_id)
    now = await db_now(session)
    transition(RFQ_TRANSITIONS, effective_status(rfq, now), "invite", "RFQ")
    if rfq.visibility != Visibility.INVITED.value:
        raise DomainError.of(
            ErrorCode.INVALID, "Only invited-only RFQs take invitations", "supplierIds"
        )
    wanted = set(supplier_ids)
    if not wanted:
        raise DomainError.of(ErrorCode.REQUIRED, "Name at least one supplier", "supplierIds")
    eligible = set(
        (
            await session.execute(
                select(Organization.id).where(
                    Organization.id.in_(wanted),  # type: ignore[union-attr]
                    Organization.is_supplier.is_(True),  # type: ignore[attr-defined]
                    Organization.verification_status.in_(  # type: ignore[union-attr]
                        [VerificationStatus.VERIFIED.value, VerificationStatus.PENDING.value]
                    ),
                )
            )
        ).scalars()
    )
    if wanted - eligible:
        raise DomainError.of(
            ErrorCode.SUPPLIER_NOT_ELIGIBLE,
            "Only active suppliers (verified or pending) can be invited",
            "supplierIds",
        )
    await session.execute(
        insert(RfqInvitation)
        .values([{"rfq_id": rfq.id, "supplier_org_id": s} for s in sorted(wanted)])
        .on_conflict_do_nothing()
    )
    rfq.version += 1
    await record(
        session,
        viewer,
        action="rfq.suppliers_invited",
        entity=rfq,
        organization_id=rfq.buyer_org_id,
        after={"supplier_org_ids": sorted(wanted)},
    )
    return rfq


async def uninvite_supplier(
    session: AsyncSession, viewer: Viewer | None, rfq_id: int, supplier_id: int
) -> Rfq:
    """A supplier that already holds a live quote stays invited (its quote stands)."""
    rfq = await load_for_buyer(session, viewer, rfq_id)
    now = await db_now(session)
    transition(RFQ_TRANSITIONS, effective_status(rfq, now), "invite", "RFQ")
    if await has_live_quote(session, rfq_id, supplier_id):
        raise DomainError.of(ErrorCode.INVALID, "This supplier has already quoted", "supplierId")
    result = await session.execute(
        delete(RfqInvitation).where(
            RfqInvitation.rfq_id == rfq_id, RfqInvitation.supplier_org_id == supplier_id
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise DomainError.of(ErrorCode.NOT_FOUND, "This supplier is not invited", "supplierId")
    rfq.version += 1
    await record(
        session,
        viewer,
        action="rfq.supplier_uninvited",
        entity=rfq,
        organization_id=rfq.buyer_org_id,
        after={"supplier_org_id": supplier_id},
    )
    return rfq
