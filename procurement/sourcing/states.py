"""RFQ and quote state machines (DESIGN §3).

``AWARDED`` is reached by the award (the comparison issue); it is listed so the tables
are complete.  ``DRAFT --withdraw--> WITHDRAWN`` is added to DESIGN's quote table: a
supplier discards a draft it will not send.
"""

from __future__ import annotations

from procurement.sourcing.models import QuoteStatus as Q
from procurement.sourcing.models import RfqStatus as R

RFQ_TRANSITIONS: dict[tuple[R, str], R] = {
    (R.DRAFT, "update"): R.DRAFT,
    (R.DRAFT, "publish"): R.OPEN,
    (R.OPEN, "close"): R.CLOSED,
    (R.OPEN, "extend"): R.OPEN,
    (R.CLOSED, "award"): R.AWARDED,
    (R.OPEN, "award"): R.AWARDED,
    (R.DRAFT, "cancel"): R.CANCELLED,
    (R.OPEN, "cancel"): R.CANCELLED,
    (R.CLOSED, "cancel"): R.CANCELLED,
    (R.DRAFT, "invite"): R.DRAFT,
    (R.OPEN, "invite"): R.OPEN,
}

QUOTE_TRANSITIONS: dict[tuple[Q, str], Q] = {
    (Q.DRAFT, "update"): Q.DRAFT,
    (Q.DRAFT, "submit"): Q.SUBMITTED,
    (Q.SUBMITTED, "revise"): Q.SUBMITTED,
    (Q.SUBMITTED, "withdraw"): Q.WITHDRAWN,
    (Q.DRAFT, "withdraw"): Q.WITHDRAWN,
    (Q.SUBMITTED, "award"): Q.AWARDED,
    (Q.SUBMITTED, "reject"): Q.REJECTED,
}
