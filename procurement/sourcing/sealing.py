"""Sealed bidding and what a viewer is told about quotes (DESIGN §3)."""

from __future__ import annotations

from datetime import datetime

from procurement.clock import app_now
from procurement.sourcing.access import is_buyer_side
from procurement.sourcing.clock import effective_status
from procurement.sourcing.models import LIVE_QUOTE_STATUSES, Quote, QuoteStatus, Rfq, RfqStatus
from procurement.viewer import Viewer

_PRICES_OPEN = frozenset({RfqStatus.CLOSED, RfqStatus.AWARDED})
_LIVE = frozenset(s.value for s in LIVE_QUOTE_STATUSES)


def rfq_prices_sealed(rfq: Rfq, now: datetime | None = None) -> bool:
    """A sealed RFQ hides prices until it is closed (deadline passed, or closed early).
    ``now``: the clock to judge the deadline by (a write's ``db_now``); by default the
    application clock."""
    if not rfq.sealed:
        return False
    return effective_status(rfq, app_now() if now is None else now) not in _PRICES_OPEN


def rfq_prices_sealed_for(viewer: Viewer | None, rfq: Rfq) -> bool:
    """``Rfq.pricesSealed``: told to the buyer side while the RFQ's prices are sealed; a
    supplier's own prices are never hidden from it, so it is never told."""
    return is_buyer_side(viewer, rfq) and rfq_prices_sealed(rfq)


def prices_sealed(viewer: Viewer | None, rfq: Rfq, quote: Quote) -> bool:
    """Every price of a quote is hidden from anyone but the quoting supplier while the
    RFQ's prices are sealed."""
    if viewer is not None and viewer.organization_id == quote.supplier_org_id:
        return False
    return rfq_prices_sealed(rfq)


def live_quote(quotes: list[Quote]) -> Quote | None:
    """A supplier's one live quote on an RFQ (draft, submitted or awarded), if any."""
    live = [q for q in quotes if q.status in _LIVE]
    return live[-1] if live else None


def has_submitted(quotes: list[Quote]) -> bool:
    """``alreadyQuoted``: the supplier has an offer standing (a draft does not count)."""
    return any(q.status in (QuoteStatus.SUBMITTED.value, QuoteStatus.AWARDED.value) for q in quotes)


def counted_quote(quote: Quote) -> bool:
    """``quoteCount``: submitted offers still standing (withdrawn ones do not count)."""
    return quote.status != QuoteStatus.WITHDRAWN.value
