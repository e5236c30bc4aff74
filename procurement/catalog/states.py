"""A catalogue listing's lifecycle, on the one shape of ``procurement/state_machine.py``:
ACTIVE (edited, ordered from) until its supplier archives it, which is final."""

from __future__ import annotations

from procurement.catalog.models import Listing
from procurement.catalog.models import ListingStatus as L
from procurement.state_machine import Side, StateMachine, action
from procurement.viewer import Role, Viewer

_SALES = (Role.SUPPLIER_SALES,)

LISTING: StateMachine[L] = StateMachine(
    "listing",
    (
        action("UPDATE", Side.SUPPLIER, _SALES, {L.ACTIVE: (L.ACTIVE,)}),
        action("ARCHIVE", Side.SUPPLIER, _SALES, {L.ACTIVE: (L.ARCHIVED,)}),
    ),
)


def listing_actions(viewer: Viewer | None, listing: Listing) -> list[str]:
    """``Listing.availableActions``: its supplier's sales people, while it is ACTIVE."""
    if viewer is None:
        return []
    side = Side.SUPPLIER if viewer.organization_id == listing.supplier_org_id else None
    return LISTING.available(viewer, side, listing.status)
