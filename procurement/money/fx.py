"""Currency conversion with the platform's FX table.

A rate ``(base, quote, rate, as_of)`` says one ``base`` buys ``rate`` ``quote``.  For a
conversion on a date the latest rate on or before it is used: directly, inverted, or
crossed through a third currency both sides have a rate with (the demo table quotes
everything against USD).  A missing rate is an error naming the pair.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.amounts import check_positive
from procurement.audit.service import record
from procurement.errors import Collector, DomainError, ErrorCode
from procurement.money.currency import check_currency
from procurement.money.models import FxRate
from procurement.viewer import Viewer, require_platform_admin

_PRECISION = Decimal("0.0000000001")


@dataclass(frozen=True)
class RateUsed:
    base: str
    quote: str
    rate: Decimal
    as_of: date


@dataclass(frozen=True)
class Conversion:
    """``amount_in(base) * rate = amount_in(quote)``, and the table rows behind it."""

    base: str
    quote: str
    rate: Decimal
    legs: tuple[RateUsed, ...]


class FxTable:
    """The latest rates on or before a date, held in memory for one computation."""

    def __init__(self, rates: Iterable[FxRate], on: date) -> None:
        self.on = on
        self._direct: dict[tuple[str, str], RateUsed] = {}
        for r in rates:
            key = (r.base, r.quote)
            current = self._direct.get(key)
            if current is None or r.as_of > current.as_of:
                self._direct[key] = RateUsed(r.base, r.quote, r.rate, r.as_of)

    def _one(self, base: str, quote: str) -> tuple[Decimal, RateUsed] | None:
        """The newer of the pair's rate and its inverse's."""
        direct = self._direct.get((base, quote))
        inverse = self._direct.get((quote, base))
        if direct is not None and (inverse is None or direct.as_of >= inverse.as_of):
            return direct.rate, direct
        if inverse is not None:
            return Decimal(1) / inverse.rate, inverse
        return None

    def conversion(self, base: str, quote: str) -> Conversion:
        if base == quote:
            return Conversion(base, quote, Decimal(1), ())
        direct = self._one(base, quote)
        if direct is not None:
            return Conversion(base, quote, direct[0].quantize(_PRECISION), (direct[1],))
        pivots = sorted({c for pair in self._direct for c in pair} - {base, quote})
        for pivot in pivots:
            a, b = self._one(base, pivot), self._one(pivot, quote)
            if a is not None and b is not None:
                return Conversion(base, quote, (a[0] * b[0]).quantize(_PRECISION), (a[1], b[1]))
        raise DomainError.of(
            ErrorCode.FX_RATE_MISSING,
            f"No FX rate for {base}->{quote} on or before {self.on.isoformat()}",
            "currency",
        )


async def load_table(session: AsyncSession, on: date) -> FxTable:
    """Only the latest row per pair on or before ``on`` is fetched."""
    latest = (
        select(col(FxRate.base), col(FxRate.quote), func.max(col(FxRate.as_of)).label("as_of"))
        .where(col(FxRate.as_of) <= on)
        .group_by(FxRate.base, FxRate.quote)
        .subquery()
    )
    rows = (
        await session.execute(
            select(FxRate).join(
                latest,
                (col(FxRate.base) == latest.c.base)
                & (FxRate.quote == latest.c.quote)
                & (FxRate.as_of == latest.c.as_of),
            )
        )
    ).scalars()
    return FxTable(rows, on)


async def list_rates(
    session: AsyncSession, base: str | None = None, quote: str | None = None
) -> list[FxRate]:
    """The table's rates, newest first (at most 200), of ``base`` and/or ``quote`` when
    given (case-insensitive)."""
    stmt = (
        select(FxRate)
        .order_by(
            col(FxRate.as_of).desc(),
            FxRate.base,
            FxRate.quote,
        )
        .limit(200)
    )
    if base:
        stmt = stmt.where(col(FxRate.base) == base.upper())
    if quote:
        stmt = stmt.where(col(FxRate.quote) == quote.upper())
    return list((await session.execute(stmt)).scalars())


async def set_rate(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    base: str,
    quote: str,
    rate: Decimal,
    as_of: date,
) -> FxRate:
    """Platform admins record a rate (replacing one for the same pair and day)."""
    v = require_platform_admin(viewer)
    c = Collector()
    base = check_currency(c, base, "base")
    quote = check_currency(c, quote, "quote")
    if base == quote:
        c.add(ErrorCode.INVALID, "A rate needs two different currencies", "quote")
    check_positive(c, rate, "rate")
    c.raise_if_any()
    row = (
        await session.execute(
            select(FxRate)
            .where(col(FxRate.base) == base, col(FxRate.quote) == quote, col(FxRate.as_of) == as_of)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if row is None:
        row = FxRate(base=base, quote=quote, rate=rate, as_of=as_of)
        session.add(row)
    else:
        row.rate = rate
    await record(session, v, action="fx_rate.set", entity=row, organization_id=None)
    return row
