"""Supplier score in 0..1 with its explanation.

Until delivery history exists this is a documented prior:
- standing with the platform: VERIFIED 0.7, PENDING 0.4, SUSPENDED or REJECTED 0.1;
- quoting reliability: of the quotes the supplier ever submitted, the share it did not
  withdraw (a supplier with no history counts as 0.5, neither good nor bad).
score = 0.6 x standing + 0.4 x reliability.  The fulfilment issue will feed on-time
delivery and receipt quality in here; callers only rely on ``supplier_scores``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.comparison.ranking import SIX
from procurement.parties.models import Organization, VerificationStatus
from procurement.sourcing.models import Quote, QuoteStatus

STANDING: dict[VerificationStatus, Decimal] = {
    VerificationStatus.VERIFIED: Decimal("0.7"),
    VerificationStatus.PENDING: Decimal("0.4"),
    VerificationStatus.SUSPENDED: Decimal("0.1"),
    VerificationStatus.REJECTED: Decimal("0.1"),
}
NO_HISTORY = Decimal("0.5")
W_STANDING, W_RELIABILITY = Decimal("0.6"), Decimal("0.4")


@dataclass(frozen=True)
class SupplierScore:
    value: Decimal
    explanation: str


async def supplier_scores(
    session: AsyncSession, organization_ids: Sequence[int]
) -> dict[int, SupplierScore]:
    ids = sorted(set(organization_ids))
    if not ids:
        return {}
    standing: dict[int | None, VerificationStatus | None] = dict(
        (
            await session.execute(
                select(col(Organization.id), col(Organization.verification_status)).where(
                    col(Organization.id).in_(ids)
                )
            )
        ).all()
    )
    history = {
        org: (int(submitted), int(withdrawn))
        for org, submitted, withdrawn in (
            await session.execute(
                select(
                    col(Quote.supplier_org_id),
                    func.count(),
                    func.count(case((col(Quote.status) == QuoteStatus.WITHDRAWN.value, 1))),
                )
                .where(col(Quote.supplier_org_id).in_(ids), col(Quote.revision) > 0)
                .group_by(col(Quote.supplier_org_id))
            )
        ).all()
    }
    out: dict[int, SupplierScore] = {}
    for org in ids:
        status = standing.get(org) or VerificationStatus.PENDING
        s = STANDING.get(status, Decimal("0.4"))
        submitted, withdrawn = history.get(org, (0, 0))
        if submitted:
            reliability = Decimal(submitted - withdrawn) / Decimal(submitted)
            hist = (
                f"{submitted} quote(s) submitted, {withdrawn} withdrawn "
                f"(reliability {reliability:.2f})"
            )
        else:
            reliability = NO_HISTORY
            hist = "no quoting history yet (reliability 0.50)"
        value = (W_STANDING * s + W_RELIABILITY * reliability).quantize(SIX)
        out[org] = SupplierScore(
            value,
            f"{status} supplier (standing {s:.2f}); {hist}; "
            f"score = {W_STANDING} x standing + {W_RELIABILITY} x reliability",
        )
    return out
