"""Checks for amounts and quantities typed by clients."""

from __future__ import annotations

from decimal import Decimal

from procurement.errors import Collector, ErrorCode

#: below the columns' integer digits (NUMERIC(18, 6) holds 12): a larger number is a
#: typing error, and must be refused before the database would fail on it
LIMIT = Decimal(10) ** 12


def check_positive(
    c: Collector, value: Decimal | None, field: str, *, zero_ok: bool = False
) -> None:
    """Greater than zero (or not negative, with ``zero_ok``), finite and below LIMIT."""
    if value is None:
        return
    if not value.is_finite() or value < 0 or (value == 0 and not zero_ok):
        c.add(
            ErrorCode.NOT_POSITIVE,
            "Must not be negative" if zero_ok else "Must be greater than zero",
            field,
        )
    elif value >= LIMIT:
        c.add(ErrorCode.OUT_OF_RANGE, f"Must be below {LIMIT:,.0f}", field)
