"""Who may see quote prices (sealed bidding)."""

from __future__ import annotations

from procurement.sourcing.clock import app_now, effective_status
from procurement.sourcing.models import Quote, Rfq, RfqStatus
from procurement.viewer import Viewer

_PRICES_OPEN = {RfqStatus.CLOSED, RfqStatus.AWARDED}


def prices_sealed(viewer: Viewer | None, rfq: Rfq, quote: Quote) -> bool:
    """A sealed RFQ hides every price of every quote from anyone but the quoting
    supplier until the RFQ is closed (its deadline passed, or closed early)."""
    if viewer is not None and viewer.organization_id == quote.supplier_org_id:
        return False
    return rfq.sealed and effective_status(rfq, app_now()) not in _PRICES_OPEN
