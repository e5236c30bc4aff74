"""Persisting deadlines: the sweep that turns OPEN RFQs past their deadline into CLOSED.

Reads and writes already treat them as closed; the sweep records it and emits the
``rfq.closed`` event.  ``FOR UPDATE SKIP LOCKED`` lets several workers sweep at once:
each RFQ is closed by exactly one of them.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import col

from procurement.audit.service import snapshot
from procurement.db import Database
from procurement.sourcing.models import Rfq, RfqStatus
from procurement.sourcing.states import RFQ
from procurement.viewer import Viewer

SWEEPER = Viewer(organization_id=0, roles=frozenset(), label="system:deadline-sweep")


async def close_expired_rfqs(db: Database, batch: int = 100) -> int:
    """Close up to ``batch`` expired RFQs in one transaction; return how many."""
    async with db.transaction() as session:
        rows = (
            (
                await session.execute(
                    select(Rfq)
                    .where(col(Rfq.status) == RfqStatus.OPEN.value, col(Rfq.deadline) <= func.now())
                    .order_by(col(Rfq.deadline))
                    .limit(batch)
                    .with_for_update(skip_locked=True)
                )
            )
            .scalars()
            .all()
        )
        for rfq in rows:
            before = snapshot(rfq)
            rfq.closed_at = rfq.deadline
            await RFQ.apply(
                session,
                SWEEPER,
                rfq,
                "close",
                audit_action="rfq.closed",
                organization_id=rfq.buyer_org_id,
                before=before,
            )
        return len(rows)


async def sweep(db: Database) -> int:
    """Close every expired RFQ, batch by batch."""
    total = 0
    while True:
        n = await close_expired_rfqs(db)
        total += n
        if n == 0:
            return total
