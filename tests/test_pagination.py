"""Cursor encoding and the page-size rule (units, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from procurement.errors import DomainError, ErrorCode
from procurement.pagination import MAX_PAGE_SIZE, decode_cursor, encode_cursor, page_size


def test_cursor_round_trips_typed_values() -> None:
    values = [
        datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        date(2026, 1, 2),
        Decimal("1.50"),
        "Acme",
        42,
    ]
    assert decode_cursor(encode_cursor(values), 5) == values


@pytest.mark.parametrize("bad", ["", "!!!", encode_cursor([1]), "eyJ4IjoxfQ"])
def test_bad_cursors_are_a_typed_error(bad: str) -> None:
    with pytest.raises(DomainError) as exc:
        decode_cursor(bad, 2)
    assert exc.value.code is ErrorCode.INVALID
    assert exc.value.errors[0].field == "after"


def test_page_size_bounds() -> None:
    assert page_size(None) == 20
    assert page_size(MAX_PAGE_SIZE) == MAX_PAGE_SIZE
    for bad in (-1, MAX_PAGE_SIZE + 1):
        with pytest.raises(DomainError):
            page_size(bad)
