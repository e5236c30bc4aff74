"""Who sees which RFQ (DESIGN §2, §3).

- The buying organisation's members see all its RFQs.
- A supplier sees the OPEN RFQs it may quote on: PUBLIC ones in categories it serves
  (or their sub-categories) when it is VERIFIED, INVITED ones it was invited to; and any
  RFQ it has quoted on, so it can follow the outcome.
- Platform admins see all.
Anything else is reported as not found.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import aliased
from sqlmodel import col

from procurement.parties.models import (
    Category,
    Organization,
    OrganizationCategory,
    VerificationStatus,
)
from procurement.sourcing.clock import status_is
from procurement.sourcing.models import Quote, Rfq, RfqInvitation, RfqStatus, Visibility
from procurement.viewer import Viewer


def served_categories(organization_id: int) -> ColumnElement[bool]:
    """SQL: the RFQ's category is one the supplier serves, or below one."""
    base = (
        select(col(OrganizationCategory.category_id).label("id"))
        .where(col(OrganizationCategory.organization_id) == organization_id)
        .cte("served", recursive=True)
    )
    child = aliased(Category)
    served = base.union(select(col(child.id)).where(col(child.parent_id) == base.c.id))
    return col(Rfq.category_id).in_(select(served.c.id))


def _verified(organization_id: int) -> ColumnElement[bool]:
    return exists().where(
        col(Organization.id) == organization_id,
        col(Organization.is_supplier).is_(True),
        col(Organization.verification_status) == VerificationStatus.VERIFIED,
    )


def _active(organization_id: int) -> ColumnElement[bool]:
    """Invitations hold for suppliers in good standing (VERIFIED or PENDING): suspending
    or rejecting a supplier also ends its invited access."""
    return exists().where(
        col(Organization.id) == organization_id,
        col(Organization.verification_status).in_(
            [VerificationStatus.VERIFIED, VerificationStatus.PENDING]
        ),
    )


def invited(organization_id: int) -> ColumnElement[bool]:
    return exists().where(
        col(RfqInvitation.rfq_id) == col(Rfq.id),
        col(RfqInvitation.supplier_org_id) == organization_id,
    )


def quotable_by(organization_id: int, *, ignore_deadline: bool = False) -> ColumnElement[bool]:
    """SQL: the RFQ is OPEN and this supplier may quote on it now (``ignore_deadline``:
    would have been, but for the deadline, so a late quote is told DEADLINE_PASSED)."""
    return and_(
        col(Rfq.status) == RfqStatus.OPEN.value if ignore_deadline else status_is(RfqStatus.OPEN),
        or_(
            and_(
                col(Rfq.visibility) == Visibility.PUBLIC.value,
                _verified(organization_id),
                served_categories(organization_id),
            ),
            and_(
                col(Rfq.visibility) == Visibility.INVITED.value,
                invited(organization_id),
                _active(organization_id),
            ),
        ),
    )


def has_quoted(organization_id: int) -> ColumnElement[bool]:
    return exists().where(
        col(Quote.rfq_id) == col(Rfq.id), col(Quote.supplier_org_id) == organization_id
    )


def visible_rfqs(viewer: Viewer | None) -> ColumnElement[bool]:
    if viewer is None:
        return false()
    if viewer.is_platform_admin:
        return true()
    org = viewer.organization_id
    return or_(col(Rfq.buyer_org_id) == org, quotable_by(org), has_quoted(org))


def is_buyer_side(viewer: Viewer | None, rfq: Rfq) -> bool:
    """Buyer-internal fields (creator, invitations, other suppliers' quotes) are shown to
    the buying organisation and platform staff only."""
    return viewer is not None and (
        viewer.is_platform_admin or viewer.organization_id == rfq.buyer_org_id
    )


def supplier_scope(viewer: Viewer | None, rfq: Rfq) -> int | None:
    """Whose quotes and questions on the RFQ a viewer is shown: ``None`` for the buyer
    side, which sees them all (and for no viewer, who cannot see the RFQ at all); else
    the viewer's organisation, a supplier seeing its own quotes, and the answered
    questions and its own."""
    if viewer is None or is_buyer_side(viewer, rfq):
        return None
    return viewer.organization_id
