"""Keyset pagination: cost follows the page size, not the table size.

A cursor is the sort key of a row (the last column is always the primary key, so it is
unique).  ``after`` resumes strictly behind that key, which stays correct when rows are
inserted or deleted between pages, unlike OFFSET.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from procurement.errors import Collector, DomainError, ErrorCode
from procurement.values import MAX_BIGINT, check_date, check_datetime, check_decimal, check_text

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

Direction = Literal["asc", "desc"]
OrderSpec = Sequence[tuple[Any, Direction]]


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    return value


#: a real cursor is a few sort keys; anything longer is forged (and a bound on the
#: length is a bound on the JSON's nesting, so decoding cannot recurse deeply)
MAX_CURSOR_LENGTH = 500


def _invalid(reason: str) -> DomainError:
    return DomainError.of(ErrorCode.INVALID_CURSOR, f"The cursor is not valid ({reason})", "after")


def _decode_value(value: Any, expected: type | None) -> Any:
    """One sort key, checked against the type of its column: a forged cursor is the
    client's error, never a database error."""
    if expected is None:
        return value
    if expected is bool or (expected is int and isinstance(value, bool)):
        raise _invalid("wrong type")
    if expected is int:
        if not isinstance(value, int) or not -MAX_BIGINT <= value <= MAX_BIGINT:
            raise _invalid("not a key")
        return value
    if expected is str:
        if not isinstance(value, str) or len(value) > MAX_CURSOR_LENGTH:
            raise _invalid("not a key")
        c = Collector()
        check_text(c, value, "after")
        if c.errors:
            raise _invalid("not a key")
        return value
    if not isinstance(value, dict) or len(value) != 1:
        raise _invalid("wrong type")
    ((tag, raw),) = value.items()
    if not isinstance(raw, str):
        raise _invalid("wrong type")
    c = Collector()
    try:
        if expected is datetime and tag == "dt":
            decoded: Any = check_datetime(c, datetime.fromisoformat(raw), "after")
        elif expected is date and tag == "d":
            decoded = check_date(c, date.fromisoformat(raw), "after")
        elif expected is Decimal and tag == "n":
            decoded = check_decimal(c, Decimal(raw), "after")
        else:
            raise _invalid("wrong type")
    except (ValueError, ArithmeticError) as exc:
        raise _invalid("not a key") from exc
    if c.errors:
        raise _invalid("out of range")
    return decoded


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, types: Sequence[type | None]) -> list[Any]:
    """The sort keys inside ``cursor``, one per entry of ``types`` (the Python types of
    the order's columns); INVALID_CURSOR naming ``after`` for anything else."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid("too long")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError) as exc:
        raise _invalid("not readable") from exc
    if not isinstance(values, list) or len(values) != len(types):
        raise _invalid("wrong shape")
    return [_decode_value(v, t) for v, t in zip(values, types, strict=True)]


def column_types(order_by: OrderSpec) -> list[type | None]:
    """The Python type of each sort column (None where the column does not say)."""
    out: list[type | None] = []
    for col, _ in order_by:
        try:
            out.append(col.type.python_type)
        except (NotImplementedError, AttributeError):
            out.append(None)
    return out


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise DomainError.of(
            ErrorCode.INVALID, f"first must be between 0 and {MAX_PAGE_SIZE}", "first"
        )
    return first


@dataclass
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    #: counts the whole filtered set on demand (its own session), only if a client asks
    count: Callable[[], Awaitable[int]] = field(repr=False, default=lambda: _zero())

    @classmethod
    def empty(cls) -> Page[T]:
        return cls(items=[], cursors=[], has_next_page=False, has_previous_page=False)


async def _zero() -> int:
    return 0


def _after_condition(order_by: OrderSpec, values: list[Any]) -> ColumnElement[bool]:
    """(a, b, id) > (va, vb, vid) in the order's own directions, as an OR of prefixes."""
    clauses = []
    for i, (col, direction) in enumerate(order_by):
        equal_prefix = [c == v for (c, _), v in zip(order_by[:i], values[:i], strict=True)]
        beyond = col > values[i] if direction == "asc" else col < values[i]
        clauses.append(and_(*equal_prefix, beyond))
    return or_(*clauses)


async def paginate(
    session: AsyncSession,
    stmt: Select[Any],
    *,
    order_by: OrderSpec,
    first: int | None,
    after: str | None,
) -> Page[Any]:
    """Run ``stmt`` (selecting one entity) one page at a time in ``order_by`` order."""
    size = page_size(first)
    filtered = stmt
    if after:
        values = decode_cursor(after, column_types(order_by))
        try:
            filtered = stmt.where(_after_condition(order_by, values))
        except (TypeError, ValueError) as exc:
            raise _invalid("wrong type") from exc
    ordered = filtered.order_by(
        *[col.asc() if d == "asc" else col.desc() for col, d in order_by]
    ).limit(size + 1)
    rows = list((await session.execute(ordered)).scalars().all()) if size else []
    has_next = len(rows) > size
    rows = rows[:size]
    keys = [getattr(col, "key", None) or col.name for col, _ in order_by]
    cursors = [encode_cursor([getattr(r, k) for k in keys]) for r in rows]

    count_stmt = select(func.count()).select_from(stmt.order_by(None).subquery())

    async def count() -> int:
        from procurement.db import get_database

        async with get_database().read() as s:
            return int((await s.execute(count_stmt)).scalar_one())

    return Page(
        items=rows,
        cursors=cursors,
        has_next_page=has_next,
        has_previous_page=after is not None,
        count=count,
    )
