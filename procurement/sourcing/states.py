"""RFQ and quote state machines (DESIGN §3), on the one shape of
``procurement/state_machine.py``.

``AWARDED`` is reached by the award (``procurement/award``), which takes the quote's
``award`` and ``reject`` rows and the RFQ's ``award`` row through these tables.
``DRAFT --withdraw--> WITHDRAWN`` is added to DESIGN's quote table: a supplier discards a
draft it will not send.  An RFQ past its deadline is CLOSED for every check
(``effective_status``) before the sweep stores it; the sweep takes the ``close`` row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from procurement.errors import DomainError, ErrorCode
from procurement.sourcing.clock import effective_status
from procurement.sourcing.models import Quote, Rfq, Visibility
from procurement.sourcing.models import QuoteStatus as Q
from procurement.sourcing.models import RfqStatus as R
from procurement.sourcing.sealing import rfq_prices_sealed
from procurement.state_machine import Side, StateMachine, action
from procurement.viewer import Role, Viewer

_BUYER = (Role.BUYER,)
_SALES = (Role.SUPPLIER_SALES,)


def _same(verb: str) -> str:
    return verb


@dataclass(frozen=True)
class RfqAt:
    """An RFQ as of ``now`` (its deadline decides whether it is still OPEN)."""

    rfq: Rfq
    now: datetime


def rfq_open_refusal(rfq: Rfq, now: datetime, field: str = "rfqId") -> DomainError | None:
    """Why a quote cannot be written, sent or revised on ``rfq`` now (None: it can)."""
    status = effective_status(rfq, now)
    if status is R.OPEN:
        return None
    if rfq.status == R.OPEN.value:
        return DomainError.of(ErrorCode.DEADLINE_PASSED, "The quote deadline has passed", field)
    return DomainError.of(ErrorCode.RFQ_NOT_OPEN, f"The RFQ is {status.value}", field)


@dataclass(frozen=True)
class QuoteAt:
    """A quote with its RFQ as of ``now``."""

    quote: Quote
    rfq: Rfq
    now: datetime


def _quote_rfq_open(v: Viewer, at: QuoteAt) -> DomainError | None:
    return rfq_open_refusal(at.rfq, at.now)


def _withdrawable(v: Viewer, at: QuoteAt) -> DomainError | None:
    """Before the deadline only: after it, a sent offer binds until the award (a draft
    may always be discarded)."""
    if at.quote.status != Q.SUBMITTED.value or effective_status(at.rfq, at.now) is R.OPEN:
        return None
    code = ErrorCode.DEADLINE_PASSED if at.rfq.status == R.OPEN.value else ErrorCode.RFQ_NOT_OPEN
    return DomainError.of(code, "Quotes can be withdrawn only while the RFQ is open", "id")


def _invited_only(v: Viewer, at: RfqAt) -> DomainError | None:
    """Invitations are for invited-only RFQs; a public one is found by category."""
    if at.rfq.visibility != Visibility.INVITED.value:
        return DomainError.of(
            ErrorCode.INVALID, "Only invited-only RFQs take invitations", "supplierIds"
        )
    return None


def _unsealed_or_closed(v: Viewer, at: RfqAt) -> DomainError | None:
    """A sealed RFQ's prices stay hidden until it closes: no award before that."""
    if rfq_prices_sealed(at.rfq, at.now):
        return DomainError.of(
            ErrorCode.INVALID_TRANSITION, "A sealed RFQ can be awarded once it has closed", "rfqId"
        )
    return None


RFQ: StateMachine[R] = StateMachine(
    "RFQ",
    (
        action("update", Side.BUYER, _BUYER, {R.DRAFT: (R.DRAFT,)}),
        action("publish", Side.BUYER, _BUYER, {R.DRAFT: (R.OPEN,)}),
        action(
            "invite",
            Side.BUYER,
            _BUYER,
            {R.DRAFT: (R.DRAFT,), R.OPEN: (R.OPEN,)},
            guards=("invited_only",),
        ),
        action("extend", Side.BUYER, _BUYER, {R.OPEN: (R.OPEN,)}),
        action("close", Side.BUYER, _BUYER, {R.OPEN: (R.CLOSED,)}),
        action(
            "award",
            Side.BUYER,
            _BUYER,
            {R.OPEN: (R.AWARDED,), R.CLOSED: (R.AWARDED,)},
            guards=("unsealed_or_closed",),
        ),
        action(
            "cancel", Side.BUYER, _BUYER, dict.fromkeys((R.DRAFT, R.OPEN, R.CLOSED), (R.CANCELLED,))
        ),
    ),
    {"invited_only": _invited_only, "unsealed_or_closed": _unsealed_or_closed},
    verb=_same,
)

QUOTE: StateMachine[Q] = StateMachine(
    "quote",
    (
        action("update", Side.SUPPLIER, _SALES, {Q.DRAFT: (Q.DRAFT,)}, ("rfq_open",)),
        action("submit", Side.SUPPLIER, _SALES, {Q.DRAFT: (Q.SUBMITTED,)}, ("rfq_open",)),
        action("revise", Side.SUPPLIER, _SALES, {Q.SUBMITTED: (Q.SUBMITTED,)}, ("rfq_open",)),
        action(
            "withdraw",
            Side.SUPPLIER,
            _SALES,
            dict.fromkeys((Q.DRAFT, Q.SUBMITTED), (Q.WITHDRAWN,)),
            ("withdrawable",),
        ),
        # the buyer's award decides these two, for every submitted quote of the RFQ
        action("award", Side.BUYER, _BUYER, {Q.SUBMITTED: (Q.AWARDED,)}),
        action("reject", Side.BUYER, _BUYER, {Q.SUBMITTED: (Q.REJECTED,)}),
    ),
    {"rfq_open": _quote_rfq_open, "withdrawable": _withdrawable},
    verb=_same,
)

#: (state, action) -> new state: every sourcing action has exactly one target
RFQ_TRANSITIONS: dict[tuple[R, str], R] = {k: v[0] for k, v in RFQ.transitions.items()}
QUOTE_TRANSITIONS: dict[tuple[Q, str], Q] = {k: v[0] for k, v in QUOTE.transitions.items()}


def rfq_actions(viewer: Viewer | None, rfq: Rfq, now: datetime) -> list[str]:
    """``Rfq.availableActions``: the buyer's own RFQ, judged at its effective state."""
    if viewer is None:
        return []
    side = Side.BUYER if viewer.organization_id == rfq.buyer_org_id else None
    return RFQ.available(viewer, side, effective_status(rfq, now), RfqAt(rfq, now))


#: the quote's own mutations; ``award`` and ``reject`` are taken by the RFQ's award
QUOTE_OWN_ACTIONS = ("update", "submit", "revise", "withdraw")


def quote_actions(viewer: Viewer | None, quote: Quote, rfq: Rfq, now: datetime) -> list[str]:
    """``Quote.availableActions``: the quoting supplier's sales people, by the table and
    its guards (the RFQ still open; a sent quote withdrawn only before the deadline)."""
    if viewer is None:
        return []
    side = Side.SUPPLIER if viewer.organization_id == quote.supplier_org_id else None
    at = QuoteAt(quote, rfq, now)
    offered = QUOTE.available(viewer, side, Q(quote.status), at)
    return [a for a in offered if a in QUOTE_OWN_ACTIONS]
