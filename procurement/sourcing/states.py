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
from procurement.sourcing.models import QuoteStatus as Q
from procurement.sourcing.models import Rfq, Visibility
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
        action("update", Side.SUPPLIER, _SALES, {Q.DRAFT: (Q.DRAFT,)}),
        action("submit", Side.SUPPLIER, _SALES, {Q.DRAFT: (Q.SUBMITTED,)}),
        action("revise", Side.SUPPLIER, _SALES, {Q.SUBMITTED: (Q.SUBMITTED,)}),
        action(
            "withdraw", Side.SUPPLIER, _SALES, dict.fromkeys((Q.DRAFT, Q.SUBMITTED), (Q.WITHDRAWN,))
        ),
        # the buyer's award decides these two, for every submitted quote of the RFQ
        action("award", Side.BUYER, _BUYER, {Q.SUBMITTED: (Q.AWARDED,)}),
        action("reject", Side.BUYER, _BUYER, {Q.SUBMITTED: (Q.REJECTED,)}),
    ),
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
