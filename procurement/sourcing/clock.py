"""Deadlines: an OPEN RFQ past its deadline is CLOSED, whether or not the sweep has
persisted that yet.

Writes judge by the database clock inside their transaction (``db_now``); SQL filters
use ``now()`` directly; reads of a single object compare against the same clock read
at load time where one is at hand, else the application clock (the two agree to
within clock synchronisation, milliseconds).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.sourcing.models import Rfq, RfqStatus


async def db_now(session: AsyncSession) -> datetime:
    """The transaction's timestamp (PostgreSQL ``now()``)."""
    value: datetime = (await session.execute(select(func.now()))).scalar_one()
    return value


def app_now() -> datetime:
    return datetime.now(UTC)


def effective_status(rfq: Rfq, now: datetime) -> RfqStatus:
    status = RfqStatus(rfq.status)
    if status is RfqStatus.OPEN and rfq.deadline <= now:
        return RfqStatus.CLOSED
    return status


def status_is(status: RfqStatus) -> ColumnElement[bool]:
    """SQL: the RFQ's effective status is ``status``."""
    if status is RfqStatus.OPEN:
        return and_(Rfq.status == RfqStatus.OPEN.value, Rfq.deadline > func.now())
    if status is RfqStatus.CLOSED:
        return or_(
            Rfq.status == RfqStatus.CLOSED.value,
            and_(Rfq.status == RfqStatus.OPEN.value, Rfq.deadline <= func.now()),
        )
    return Rfq.status == status.value
