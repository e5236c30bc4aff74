"""The last check before a row is written: every value fits its column, as stored.

Inputs are checked at the API boundary (``graphql_schema.input_guard``), but some values
are computed (a line total is a quantity times a price; a subtotal sums line totals) and
could still overflow a ``Numeric`` column, which PostgreSQL refuses with an error that
would reach the client as a 500.  This check runs on every flush:

- a number too large for its column is refused with OUT_OF_RANGE naming the attribute;
- text with NUL or lone surrogates, or longer than its column, is refused the same way
  (INVALID_CHARACTERS, TOO_LONG) should any path have missed the boundary;
- numbers are rounded to the column's scale (as PostgreSQL would, half away from zero)
  and aware times converted to UTC, so the objects a payload shows after a write are the
  values a later read returns.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric, String, event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from procurement.errors import Collector, ErrorCode
from procurement.values import Limits, check_text

_TEXT_MAX = 10**9


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _number(c: Collector, value: Decimal, type_: Numeric[Decimal], field: str) -> Decimal:
    if not value.is_finite():
        c.add(ErrorCode.OUT_OF_RANGE, "This number cannot be stored", field)
        return value
    if type_.scale is not None:
        value = value.quantize(Decimal(1).scaleb(-type_.scale), rounding=ROUND_HALF_UP)
    if type_.precision is not None:
        bound = Decimal(10) ** (type_.precision - (type_.scale or 0))
        if abs(value) >= bound:
            c.add(ErrorCode.OUT_OF_RANGE, f"Must be below {bound:,.0f}", field)
    return value


def _guard_row(c: Collector, obj: Any) -> None:
    state = sa_inspect(obj)
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key not in state.dict:
            continue
        value = state.dict[key]
        if value is None:
            continue
        type_ = attr.columns[0].type
        field = _camel(key)
        if isinstance(type_, Numeric) and isinstance(value, Decimal):
            normalised = _number(c, value, type_, field)
            if str(normalised) != str(value):
                setattr(obj, key, normalised)
        elif isinstance(type_, String) and isinstance(value, str):
            # a Text column has no length of its own (PostgreSQL takes up to 1 GB): only
            # its characters are checked here; inputs are bounded at the boundary
            check_text(c, value, field, Limits(max_length=type_.length or _TEXT_MAX))
        elif (
            isinstance(type_, DateTime)
            and isinstance(value, datetime)
            and type_.timezone
            and value.tzinfo is not None
            and value.tzinfo is not UTC
        ):
            setattr(obj, key, value.astimezone(UTC))


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    c = Collector()
    for obj in list(session.new) + list(session.dirty):
        _guard_row(c, obj)
    c.raise_if_any()
