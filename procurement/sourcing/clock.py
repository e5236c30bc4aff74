"""Deadlines: an OPEN RFQ past its deadline is CLOSED, whether or not the sweep has
persisted that yet.

Writes judge by the database clock inside their transaction
(``procurement.clock.db_now``); SQL filters use ``now()`` directly; reads of a single
object compare against the same clock read at load time where one is at hand, else the
application clock (the two agree to within clock synchronisation, milliseconds).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import col

from procurement.sourcing.models import Rfq, RfqStatus


def effective_status(rfq: Rfq, now: datetime) -> RfqStatus:
    status = RfqStatus(rfq.status)
    if status is RfqStatus.OPEN and rfq.deadline <= now:
        return RfqStatus.CLOSED
    return status


def status_is(status: RfqStatus) -> ColumnElement[bool]:
    """SQL: the RFQ's effective status is ``status``."""
    if status is RfqStatus.OPEN:
        return and_(col(Rfq.status) == RfqStatus.OPEN.value, col(Rfq.deadline) > func.now())
    if status is RfqStatus.CLOSED:
        return or_(
            col(Rfq.status) == RfqStatus.CLOSED.value,
            and_(col(Rfq.status) == RfqStatus.OPEN.value, col(Rfq.deadline) <= func.now()),
        )
    return col(Rfq.status) == status.value
