"""The value rules of procurement.values, as units (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from procurement.catalog.models import Listing
from procurement.errors import Collector
from procurement.parties.models import Organization
from procurement.sourcing.models import RfqLine
from procurement.values import (
    DEFAULT_MAX_LENGTH,
    Limits,
    check_date,
    check_datetime,
    check_decimal,
    check_text,
    limits_of,
)


def test_limits_are_read_from_the_columns() -> None:
    assert limits_of(Organization.website) == Limits(max_length=300)
    assert limits_of(Listing.unit_price) == Limits(precision=18, scale=6)
    assert limits_of(RfqLine.quantity) == Limits(precision=18, scale=4)
    assert limits_of(Listing.description) == Limits()  # Text: the default bound applies


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("1.5E+2", "150.0000"),
        ("2.50000000", "2.5000"),  # trailing zeros are not precision
        ("0.0001", "0.0001"),
        ("99999999999999.9999", "99999999999999.9999"),
        ("-3", "-3.0000"),
    ],
)
def test_decimals_are_returned_at_the_column_scale(given: str, stored: str) -> None:
    c = Collector()
    out = check_decimal(c, Decimal(given), "quantity", limits_of(RfqLine.quantity))
    assert c.errors == []
    assert str(out) == stored


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("0.00001", "TOO_PRECISE"),
        ("1E-999999", "TOO_PRECISE"),
        ("100000000000000", "OUT_OF_RANGE"),  # 15 integer digits in NUMERIC(18, 4)
        ("1E+999999", "OUT_OF_RANGE"),
        ("NaN", "OUT_OF_RANGE"),
        ("-Infinity", "OUT_OF_RANGE"),
        ("sNaN", "OUT_OF_RANGE"),
    ],
)
def test_decimals_the_column_cannot_hold_are_refused(given: str, code: str) -> None:
    c = Collector()
    check_decimal(c, Decimal(given), "quantity", limits_of(RfqLine.quantity))
    assert [(e.field, e.code.value) for e in c.errors] == [("quantity", code)]


@pytest.mark.parametrize(
    ("given", "code"),
    [("a\x00b", "INVALID_CHARACTERS"), ("\udfff", "INVALID_CHARACTERS"), ("x" * 301, "TOO_LONG")],
)
def test_text_the_column_cannot_hold_is_refused(given: str, code: str) -> None:
    c = Collector()
    check_text(c, given, "website", limits_of(Organization.website))
    assert [e.code.value for e in c.errors] == [code]


def test_text_without_a_column_has_the_default_bound() -> None:
    c = Collector()
    check_text(c, "x" * DEFAULT_MAX_LENGTH, "text")
    assert c.errors == []
    check_text(c, "x" * (DEFAULT_MAX_LENGTH + 1), "text")
    assert [e.code.value for e in c.errors] == ["TOO_LONG"]


def test_times_are_returned_in_utc() -> None:
    c = Collector()
    plus8 = datetime(2030, 6, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    out = check_datetime(c, plus8, "deadline")
    assert c.errors == [] and out == datetime(2030, 6, 1, 0, 0, tzinfo=UTC)
    assert out.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "given",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),  # before year 1 in UTC
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=23, minutes=59))),
        datetime(3000, 1, 1, tzinfo=UTC),
    ],
)
def test_times_off_the_calendar_are_out_of_range(given: datetime) -> None:
    c = Collector()
    check_datetime(c, given, "deadline")
    assert [e.code.value for e in c.errors] == ["OUT_OF_RANGE"]


def test_dates_off_the_calendar_are_out_of_range() -> None:
    c = Collector()
    check_date(c, date(2999, 12, 31), "needBy")
    assert c.errors == []
    check_date(c, date(9999, 12, 31), "needBy")
    assert [e.code.value for e in c.errors] == ["OUT_OF_RANGE"]
