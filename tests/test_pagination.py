"""Cursor encoding and the page-size rule (units, no database)."""

from __future__ import annotations

import base64
import json
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
    types = [datetime, date, Decimal, str, int]
    assert decode_cursor(encode_cursor(values), types) == values


def _raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "!!!",
        encode_cursor([1]),
        "eyJ4IjoxfQ",
        _raw(json.dumps([2**70, 1])),  # overflows bigint
        _raw(json.dumps([1, -(2**64)])),
        _raw(json.dumps([True, 1])),
        _raw(json.dumps(["1", 1])),
        _raw(json.dumps([1.5, 1])),
        _raw(json.dumps([{"dt": 5}, 1])),  # wrong type inside the tag
        _raw(json.dumps([{"d": []}, 1])),
        _raw(json.dumps([{"dt": "2026-01-01T00:00:00"}, 1])),  # no offset
        _raw(json.dumps([{"dt": "9999-12-31T23:59:59-23:59"}, 1])),  # off the calendar
        _raw(json.dumps([{"n": "NaN"}, 1])),
        _raw(json.dumps([{"n": "1e999999"}, 1])),
        _raw("[" * 100_000 + "]" * 100_000),  # deeply nested JSON
        _raw("[" * 200 + "]" * 200),
    ],
)
def test_forged_cursors_are_a_typed_error(bad: str) -> None:
    with pytest.raises(DomainError) as exc:
        decode_cursor(bad, [datetime, int])
    assert exc.value.code is ErrorCode.INVALID_CURSOR
    assert exc.value.errors[0].field == "after"


@pytest.mark.parametrize("bad", [_raw(json.dumps(["a\x00", 1])), _raw(json.dumps(["\ud800", 1]))])
def test_text_keys_refuse_characters_postgresql_cannot_take(bad: str) -> None:
    with pytest.raises(DomainError) as exc:
        decode_cursor(bad, [str, int])
    assert exc.value.code is ErrorCode.INVALID_CURSOR


def test_page_size_bounds() -> None:
    assert page_size(None) == 20
    assert page_size(MAX_PAGE_SIZE) == MAX_PAGE_SIZE
    for bad in (-1, MAX_PAGE_SIZE + 1):
        with pytest.raises(DomainError):
            page_size(bad)
