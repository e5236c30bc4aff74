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

from procurement.errors import DomainError, ErrorCode

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


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.fromisoformat(value["dt"])
        if "d" in value:
            return date.fromisoformat(value["d"])
        if "n" in value:
            return Decimal(value["n"])
        raise ValueError("unknown cursor value")
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != width:
            raise ValueError("wrong width")
        return [_decode_value(v) for v in values]
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise DomainError.of(ErrorCode.INVALID, "The cursor is not valid", "after") from exc


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


def _check_types(order_by: OrderSpec, values: list[Any]) -> None:
    """A cursor forged with a value of the wrong type is the client's error, not a
    database error."""
    for (col, _), value in zip(order_by, values, strict=True):
        try:
            expected = col.type.python_type
        except (NotImplementedError, AttributeError):
            continue
        if expected is int and isinstance(value, bool):
            raise DomainError.of(ErrorCode.INVALID, "The cursor is not valid", "after")
        if not isinstance(value, expected) and not (expected is Decimal and isinstance(value, int)):
            raise DomainError.of(ErrorCode.INVALID, "The cursor is not valid", "after")


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
        values = decode_cursor(after, len(order_by))
        _check_types(order_by, values)
        try:
            filtered = stmt.where(_after_condition(order_by, values))
        except (TypeError, ValueError) as exc:
            raise DomainError.of(ErrorCode.INVALID, "The cursor is not valid", "after") from exc
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
