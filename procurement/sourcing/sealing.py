"""Sealed bidding and what a viewer is told about quotes (DESIGN §3)."""

from __future__ import annotations

from procurement.sourcing.clock import app_now, effective_status
from procurement.sourcing.models import LIVE_QUOTE_STATUSES, Quote, QuoteStatus, Rfq, RfqStatus
from procurement.viewer import Viewer

_PRICES_OPEN = frozenset({RfqStatus.CLOSED, RfqStatus.AWARDED})


def rfq_prices_sealed(rfq: Rfq) -> bool:
    """A sealed RFQ hides prices until it is closed (deadline passed, or closed early)."""
    return rfq.sealed and effective_status(rfq, app_now()) not in _PRICES_OPEN


def prices_sealed(viewer: Viewer | None, rfq: Rfq, quote: Quote) -> bool:
    """Every price of a quote is hidden from anyone but the quoting supplier while the
    RFQ's prices are sealed."""
    if viewer is not None and viewer.organization_id == quote.supplier_org_id:
        return False
    return rfq_prices_sealed(rfq)


def live_quote(quotes: list[Quote]) -> Quote | None:
    """A supplier's one live quote on an RFQ (draft, submitted or awarded), if any."""
    live = [q for q in quotes if q.status in {s.value for s in LIVE_QUOTE_STATUSES}]
    return live[-1] if live else None


def has_submitted(quotes: list[Quote]) -> bool:
    """``alreadyQuoted``: the supplier has an offer standing (a draft does not count)."""
    return any(q.status in (QuoteStatus.SUBMITTED.value, QuoteStatus.AWARDED.value) for q in quotes)


def counted_quote(quote: Quote) -> bool:
    """``quoteCount``: submitted offers still standing (withdrawn ones do not count)."""
    return quote.status != "WITHDRAWN"
