"""Invitations: the buyer invites verified suppliers to an RFQ (an INVITED RFQ is seen
and quoted only by them) and withdraws an invitation.

Like every RFQ write, each locks the RFQ row and judges its state by the database
clock of its own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.audit.service import record
from procurement.clock import db_now
from procurement.db import rows_affected
from procurement.errors import (
    DomainError,
    ErrorCode,
)
from procurement.parties.models import Organization, VerificationStatus
from procurement.sourcing.clock import effective_status
from procurement.sourcing.models import (
    Rfq,
    RfqInvitation,
)
from procurement.sourcing.rfqs import has_live_quote, load_for_buyer
from procurement.sourcing.states import RFQ, RfqAt
from procurement.viewer import Viewer, require_viewer


async def invite_suppliers(
    session: AsyncSession, viewer: Viewer | None, rfq_id: int, supplier_ids: Sequence[int]
) -> Rfq:
    rfq = await load_for_buyer(session, viewer, rfq_id)
    now = await db_now(session)
    RFQ.check(effective_status(rfq, now), "invite")
    RFQ.check_guards("invite", require_viewer(viewer), RfqAt(rfq, now))
    wanted = set(supplier_ids)
    if not wanted:
        raise DomainError.of(ErrorCode.REQUIRED, "Name at least one supplier", "supplierIds")
    eligible = set(
        (
            await session.execute(
                select(col(Organization.id)).where(
                    col(Organization.id).in_(wanted),
                    col(Organization.is_supplier).is_(True),
                    col(Organization.verification_status).in_(
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
    RFQ.check(effective_status(rfq, now), "invite")
    if await has_live_quote(session, rfq_id, supplier_id):
        raise DomainError.of(ErrorCode.INVALID, "This supplier has already quoted", "supplierId")
    result = await session.execute(
        delete(RfqInvitation).where(
            col(RfqInvitation.rfq_id) == rfq_id, col(RfqInvitation.supplier_org_id) == supplier_id
        )
    )
    if not rows_affected(result):
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
