"""What every value a client sends must satisfy before it can reach the database.

The limits come from the columns the values are stored in (``String(300)`` holds 300
characters, ``Numeric(18, 4)`` holds 14 integer digits and 4 decimals), so a value that
passes is one the database will take as it is: no error from PostgreSQL or asyncpg turns
into a 500, and nothing is silently rounded (a quantity of 0.00001 in a 4-decimal column
would be stored as 0 after passing "greater than zero").

Values that pass are returned normalised to what will be stored (a decimal at the
column's scale, a time in UTC), so a payload echoes what a later read returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Numeric, String

from procurement.errors import Collector, ErrorCode

#: strings stored in a column without a length (Text) or in no column at all
DEFAULT_MAX_LENGTH = 10_000
#: decimals stored in no column: as many digits as the widest amount column
DEFAULT_PRECISION = 18
DEFAULT_SCALE = 10
#: PostgreSQL's bigint, the type of every primary key
MAX_BIGINT = 2**63 - 1
#: dates and times a purchasing document may carry; beyond these an offset or a few
#: added days would leave Python's calendar (years 1 to 9999)
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)

#: PostgreSQL refuses NUL in text; asyncpg cannot encode lone surrogates as UTF-8
_BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Limits:
    """What a column can hold: characters for text, digits and decimals for numbers."""

    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None


def limits_of(column: Any) -> Limits:
    """The limits of an SQLModel attribute (``Listing.unit_price``) or a Column."""
    prop = getattr(column, "property", None)
    if prop is not None and hasattr(prop, "columns"):
        column = prop.columns[0]
    type_ = column.type
    if isinstance(type_, Numeric):
        return Limits(precision=type_.precision, scale=type_.scale)
    if isinstance(type_, String) and type_.length:
        return Limits(max_length=type_.length)
    return Limits()


def check_text(c: Collector, value: str, field: str | None, limits: Limits | None = None) -> str:
    """No NUL or lone surrogate, no more characters than the column holds."""
    if _BAD_CHARACTERS.search(value):
        c.add(
            ErrorCode.INVALID_CHARACTERS,
            "Contains characters that cannot be stored (NUL or a lone surrogate)",
            field,
        )
        return value
    max_length = (limits.max_length if limits else None) or DEFAULT_MAX_LENGTH
    if len(value) > max_length:
        c.add(ErrorCode.TOO_LONG, f"Use at most {max_length} characters", field)
    return value


def check_decimal(
    c: Collector, value: Decimal, field: str | None, limits: Limits | None = None
) -> Decimal:
    """Finite, no more decimals than stored, no more integer digits than the column
    holds; returned at the column's scale (``1.5E+2`` -> ``150.0000``)."""
    precision = (limits.precision if limits else None) or DEFAULT_PRECISION
    scale = limits.scale if limits and limits.scale is not None else DEFAULT_SCALE
    if not value.is_finite():
        c.add(ErrorCode.OUT_OF_RANGE, "Give a finite number", field)
        return value
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    # decimals actually given, ignoring trailing zeros (2.500 has one)
    decimals = max(0, -exponent - _trailing_zeros(digits)) if any(digits) else 0
    if decimals > scale:
        c.add(
            ErrorCode.TOO_PRECISE,
            f"Use at most {scale} decimal{'s' if scale != 1 else ''}",
            field,
        )
        return value
    integer_digits = max(0, value.adjusted() + 1) if any(digits) else 0
    if integer_digits > precision - scale:
        c.add(
            ErrorCode.OUT_OF_RANGE,
            f"Must be below {Decimal(10) ** (precision - scale):,.0f}",
            field,
        )
        return value
    try:
        return value.quantize(Decimal(1).scaleb(-scale))
    except InvalidOperation:  # pragma: no cover - excluded by the checks above
        c.add(ErrorCode.OUT_OF_RANGE, "This number cannot be stored", field)
        return value


def _trailing_zeros(digits: tuple[int, ...]) -> int:
    n = 0
    for d in reversed(digits):
        if d:
            break
        n += 1
    return n


def check_datetime(c: Collector, value: datetime, field: str | None) -> datetime:
    """With an offset, within MIN_DATE..MAX_DATE once in UTC; returned in UTC, as
    PostgreSQL returns it."""
    if value.tzinfo is None or value.utcoffset() is None:
        c.add(ErrorCode.INVALID, "Give the time with a UTC offset, e.g. Z or +01:00", field)
        return value
    try:
        in_utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        in_utc = None
    if in_utc is None or not MIN_DATE <= in_utc.date() <= MAX_DATE:
        c.add(ErrorCode.OUT_OF_RANGE, _range_message(), field)
        return value
    return in_utc


def check_date(c: Collector, value: date, field: str | None) -> date:
    if not MIN_DATE <= value <= MAX_DATE:
        c.add(ErrorCode.OUT_OF_RANGE, _range_message(), field)
    return value


def _range_message() -> str:
    return f"Give a date between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}"


def check_value(c: Collector, value: Any, field: str | None, limits: Limits | None = None) -> Any:
    """One scalar of any kind, by its Python type; other kinds pass unchanged."""
    if isinstance(value, str):
        return check_text(c, value, field, limits)
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return check_decimal(c, value, field, limits)
    if isinstance(value, datetime):
        return check_datetime(c, value, field)
    if isinstance(value, date):
        return check_date(c, value, field)
    return value


def fits(value: Decimal, column: Any) -> bool:
    """Whether a computed amount (a line total) fits its column's integer digits."""
    limits = limits_of(column)
    if not value.is_finite():
        return False
    if limits.precision is None:
        return True
    return abs(value) < Decimal(10) ** (limits.precision - (limits.scale or 0))
