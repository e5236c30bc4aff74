"""The sourcing rules that need no database: the RFQ and quote state machines, the
deadline's effect on status, and quote arithmetic with price breaks.

The lifecycles are written out here row by row (not read from
``procurement/sourcing/states.py``) and every (state, action) pair is walked through the
machines: it yields the written state or a typed INVALID_TRANSITION error, so a change to
the lifecycle is a deliberate, reviewed one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest

from procurement.errors import DomainError, ErrorCode
from procurement.sourcing.clock import effective_status
from procurement.sourcing.models import QuoteLine, QuoteStatus, Rfq, RfqStatus
from procurement.sourcing.pricing import line_total, normalise_breaks, quote_total, unit_price_at
from procurement.sourcing.states import QUOTE, QUOTE_TRANSITIONS, RFQ, RFQ_TRANSITIONS
from procurement.state_machine import Side, StateMachine
from procurement.viewer import Role

# --- state machines -----------------------------------------------------------------

#: the lifecycle as DESIGN §3 writes it, row by row: (state, action) -> new state.
#: Written out here, not read from the code, so a change to the table is a test change.
R, Q = RfqStatus, QuoteStatus
RFQ_ROWS: dict[tuple[Enum, str], Enum] = {
    (R.DRAFT, "update"): R.DRAFT,
    (R.DRAFT, "publish"): R.OPEN,
    (R.DRAFT, "invite"): R.DRAFT,
    (R.DRAFT, "cancel"): R.CANCELLED,
    (R.OPEN, "invite"): R.OPEN,
    (R.OPEN, "extend"): R.OPEN,
    (R.OPEN, "close"): R.CLOSED,
    (R.OPEN, "award"): R.AWARDED,
    (R.OPEN, "cancel"): R.CANCELLED,
    (R.CLOSED, "award"): R.AWARDED,
    (R.CLOSED, "cancel"): R.CANCELLED,
}
QUOTE_ROWS: dict[tuple[Enum, str], Enum] = {
    (Q.DRAFT, "update"): Q.DRAFT,
    (Q.DRAFT, "submit"): Q.SUBMITTED,
    (Q.DRAFT, "withdraw"): Q.WITHDRAWN,
    (Q.SUBMITTED, "revise"): Q.SUBMITTED,
    (Q.SUBMITTED, "withdraw"): Q.WITHDRAWN,
    (Q.SUBMITTED, "award"): Q.AWARDED,
    (Q.SUBMITTED, "reject"): Q.REJECTED,
}
#: an action no table knows: refused from every state
UNKNOWN_ACTION = "reopen"
_RFQ_ACTIONS = ["update", "publish", "invite", "extend", "close", "award", "cancel"]
_QUOTE_ACTIONS = ["update", "submit", "revise", "withdraw", "award", "reject"]


def _check(
    machine: StateMachine[Any], rows: Mapping[tuple[Enum, str], Enum], state: Enum, action: str
) -> None:
    """The machine allows exactly the written rows, to the written state; anything else
    is a typed INVALID_TRANSITION naming the action and the state."""
    if (state, action) in rows:
        assert machine.target(state, action) is rows[(state, action)]
        return
    with pytest.raises(DomainError) as err:
        machine.target(state, action)
    (e,) = err.value.errors
    assert e.code is ErrorCode.INVALID_TRANSITION
    assert e.field is None
    assert e.message == f"Cannot {action} a {machine.what} that is {state.value}"


@pytest.mark.parametrize(
    ("state", "action"),
    [(s, a) for s in RfqStatus for a in [*_RFQ_ACTIONS, UNKNOWN_ACTION]],
    ids=lambda x: getattr(x, "value", x),
)
def test_rfq_transition(state: RfqStatus, action: str) -> None:
    _check(RFQ, RFQ_ROWS, state, action)


@pytest.mark.parametrize(
    ("state", "action"),
    [(s, a) for s in QuoteStatus for a in [*_QUOTE_ACTIONS, UNKNOWN_ACTION]],
    ids=lambda x: getattr(x, "value", x),
)
def test_quote_transition(state: QuoteStatus, action: str) -> None:
    _check(QUOTE, QUOTE_ROWS, state, action)


def test_the_tables_hold_no_row_beyond_the_written_ones() -> None:
    assert set(RFQ.transitions) == set(RFQ_ROWS)
    assert set(QUOTE.transitions) == set(QUOTE_ROWS)


def test_who_takes_each_sourcing_action() -> None:
    """RFQ actions and a quote's award/rejection are the buyer's; the rest of a quote's
    life is the supplier's sales people's."""
    assert {a.side for a in RFQ.actions.values()} == {Side.BUYER}
    assert {n for n, a in QUOTE.actions.items() if a.side is Side.BUYER} == {"award", "reject"}
    assert QUOTE.actions["submit"].roles == {Role.SUPPLIER_SALES}


def test_rfq_lifecycle_is_the_documented_one() -> None:
    """DESIGN §3: edits and invitations while DRAFT (invitations also while OPEN);
    publish, close, extend; award from CLOSED (and from OPEN: the award code refuses a
    sealed RFQ before it closes); cancel from any state before the award; AWARDED and
    CANCELLED are final."""
    assert {s: RFQ.actions_from(s) for s in RfqStatus} == {
        RfqStatus.DRAFT: ["cancel", "invite", "publish", "update"],
        RfqStatus.OPEN: ["award", "cancel", "close", "extend", "invite"],
        RfqStatus.CLOSED: ["award", "cancel"],
        RfqStatus.AWARDED: [],
        RfqStatus.CANCELLED: [],
    }
    assert RFQ_TRANSITIONS[(RfqStatus.DRAFT, "publish")] is RfqStatus.OPEN
    assert RFQ_TRANSITIONS[(RfqStatus.OPEN, "close")] is RfqStatus.CLOSED
    assert RFQ_TRANSITIONS[(RfqStatus.CLOSED, "award")] is RfqStatus.AWARDED
    # self-loops change fields, never the state
    for action in ("update", "extend", "invite"):
        for (s, a), new in RFQ_TRANSITIONS.items():
            if a == action:
                assert new is s, (s, a, new)
    for (s, a), new in RFQ_TRANSITIONS.items():
        if a == "cancel":
            assert new is RfqStatus.CANCELLED, s


def test_quote_lifecycle_is_the_documented_one() -> None:
    """DESIGN §3 plus "a draft may be discarded" (withdraw from DRAFT); revising keeps the
    quote SUBMITTED; WITHDRAWN, AWARDED and REJECTED are final."""
    assert {s: QUOTE.actions_from(s) for s in QuoteStatus} == {
        QuoteStatus.DRAFT: ["submit", "update", "withdraw"],
        QuoteStatus.SUBMITTED: ["award", "reject", "revise", "withdraw"],
        QuoteStatus.WITHDRAWN: [],
        QuoteStatus.AWARDED: [],
        QuoteStatus.REJECTED: [],
    }
    assert QUOTE_TRANSITIONS[(QuoteStatus.SUBMITTED, "revise")] is QuoteStatus.SUBMITTED
    assert QUOTE_TRANSITIONS[(QuoteStatus.SUBMITTED, "award")] is QuoteStatus.AWARDED
    assert QUOTE_TRANSITIONS[(QuoteStatus.SUBMITTED, "reject")] is QuoteStatus.REJECTED


# --- deadlines ----------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _rfq(status: RfqStatus, deadline: datetime) -> Rfq:
    return Rfq(
        number="RFQ-2026-000001",
        title="t",
        currency="EUR",
        deadline=deadline,
        visibility="PUBLIC",
        weights={},
        status=status.value,
    )


@pytest.mark.parametrize(
    ("deadline", "expected"),
    [
        (NOW + timedelta(days=1), RfqStatus.OPEN),
        (NOW + timedelta(microseconds=1), RfqStatus.OPEN),
        (NOW, RfqStatus.CLOSED),  # the deadline itself is too late
        (NOW - timedelta(microseconds=1), RfqStatus.CLOSED),
        (NOW - timedelta(days=30), RfqStatus.CLOSED),
    ],
    ids=["day-before", "just-before", "at-deadline", "just-after", "long-after"],
)
def test_open_rfq_closes_at_its_deadline(deadline: datetime, expected: RfqStatus) -> None:
    """An OPEN RFQ is CLOSED from the deadline on, whether or not the sweep ran."""
    assert effective_status(_rfq(RfqStatus.OPEN, deadline), NOW) is expected


def test_deadline_compares_instants_not_wall_clocks() -> None:
    """A deadline given in another time zone is the same instant (13:00 at UTC+1 is
    12:00 UTC)."""
    plus_one = NOW.astimezone(timezone(timedelta(hours=1)))
    assert plus_one.hour == 13
    later = _rfq(RfqStatus.OPEN, plus_one + timedelta(seconds=1))
    assert effective_status(later, NOW) is RfqStatus.OPEN
    assert effective_status(_rfq(RfqStatus.OPEN, plus_one), NOW) is RfqStatus.CLOSED


@pytest.mark.parametrize(
    "status",
    [RfqStatus.DRAFT, RfqStatus.CLOSED, RfqStatus.AWARDED, RfqStatus.CANCELLED],
)
@pytest.mark.parametrize("offset", [timedelta(days=-1), timedelta(days=1)], ids=["past", "future"])
def test_other_states_ignore_the_deadline(status: RfqStatus, offset: timedelta) -> None:
    """Only OPEN turns into CLOSED: a draft with a stale deadline stays a DRAFT (publishing
    refuses it), and final states stay final."""
    assert effective_status(_rfq(status, NOW + offset), NOW) is status


# --- pricing ------------------------------------------------------------------------

D = Decimal


def _line(unit_price: str, quantity: str, breaks: list[tuple[str, str]] | None = None) -> QuoteLine:
    return QuoteLine(
        unit_price=D(unit_price),
        quantity=D(quantity),
        price_breaks=normalise_breaks([(D(q), D(p)) for q, p in breaks or []]),
    )


BROKEN = [("100", "0.90"), ("500", "0.80"), ("1000", "0.75")]


@pytest.mark.parametrize(
    ("quantity", "price"),
    [
        ("1", "1.00"),  # below the first break: the base price
        ("99.9999", "1.00"),
        ("100", "0.90"),  # exactly at a break: that break
        ("250", "0.90"),  # between breaks: the lower one
        ("499", "0.90"),
        ("500", "0.80"),
        ("999", "0.80"),
        ("1000", "0.75"),  # the last break ...
        ("1000000", "0.75"),  # ... and anything above it
    ],
)
def test_unit_price_at_applies_the_largest_break_not_above_the_quantity(
    quantity: str, price: str
) -> None:
    assert unit_price_at(_line("1.00", "1", BROKEN), D(quantity)) == D(price)


def test_unit_price_without_breaks_is_the_base_price() -> None:
    line = _line("0.045", "10000")
    for q in ("1", "10000", "99999999"):
        assert unit_price_at(line, D(q)) == D("0.045")


def test_unit_price_does_not_depend_on_the_stored_order_of_breaks() -> None:
    """Rows written before breaks were normalised (or by hand) may be unsorted."""
    line = QuoteLine(
        unit_price=D("1.00"),
        quantity=D("1"),
        price_breaks=[
            {"min_quantity": "1000", "unit_price": "0.75"},
            {"min_quantity": "100", "unit_price": "0.90"},
            {"min_quantity": "500", "unit_price": "0.80"},
        ],
    )
    assert [unit_price_at(line, D(q)) for q in ("50", "100", "700", "5000")] == [
        D("1.00"),
        D("0.90"),
        D("0.80"),
        D("0.75"),
    ]


def test_a_break_may_raise_the_price() -> None:
    """Breaks are taken as quoted, not assumed to be discounts (e.g. a surcharge for a
    quantity that needs a second production run)."""
    line = _line("1.00", "1", [("100", "0.90"), ("1000", "1.10")])
    assert unit_price_at(line, D("1500")) == D("1.10")


def test_line_total_is_the_offered_quantity_at_its_price() -> None:
    assert line_total(_line("1.00", "50", BROKEN)) == D("50.00")
    assert line_total(_line("1.00", "250", BROKEN)) == D("225.00")
    assert line_total(_line("1.00", "1000", BROKEN)) == D("750.00")
    assert line_total(_line("0.045", "10000", [("20000", "0.040")])) == D("450.000")


def test_quote_total_adds_shipping_once() -> None:
    lines = [
        _line("0.045", "10000", [("20000", "0.040")]),
        _line("0.02", "8000"),
    ]
    assert quote_total(lines, D("150.00")) == D("760.00")
    assert quote_total(lines, D("0")) == D("610.00")
    assert quote_total([], D("12.50")) == D("12.50")
    assert quote_total(iter(lines), D(0)) == D("610.00")  # any iterable, consumed once


def test_totals_are_exact_decimals() -> None:
    """No float on the way: 3 x 0.1 is 0.3, not 0.30000000000000004."""
    assert line_total(_line("0.1", "3")) == D("0.3")
    assert quote_total([_line("0.1", "3")], D("0.2")) == D("0.5")


def test_normalise_breaks_sorts_ascending_and_keeps_exact_strings() -> None:
    got = normalise_breaks([(D("500"), D("0.80")), (D("100"), D("0.900")), (D("1000"), D("0.75"))])
    assert got == [
        {"min_quantity": "100", "unit_price": "0.900"},
        {"min_quantity": "500", "unit_price": "0.80"},
        {"min_quantity": "1000", "unit_price": "0.75"},
    ]
    assert normalise_breaks([]) == []


def test_normalise_breaks_sorts_numerically_not_as_text() -> None:
    """ "1000" sorts before "200" as text; the breaks must be in quantity order."""
    got = normalise_breaks([(D("1000"), D("1")), (D("200"), D("2")), (D("30"), D("3"))])
    assert [b["min_quantity"] for b in got] == ["30", "200", "1000"]
