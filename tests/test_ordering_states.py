"""The purchase order table itself (no database): its shape and DESIGN §4's edges."""

from __future__ import annotations

from procurement.ordering.models import PoStatus as S
from procurement.ordering.states import ACTIONS, TRANSITIONS, Side
from procurement.viewer import Role


def test_design_edges_are_in_the_table() -> None:
    design = {
        (S.DRAFT, "SUBMIT"): {S.PENDING_APPROVAL, S.APPROVED},
        (S.PENDING_APPROVAL, "APPROVE"): {S.APPROVED},
        (S.PENDING_APPROVAL, "REJECT"): {S.DRAFT},
        (S.APPROVED, "SEND"): {S.SENT},
        (S.SENT, "ACKNOWLEDGE"): {S.ACKNOWLEDGED},
        (S.SENT, "DECLINE"): {S.DECLINED},
        (S.ACKNOWLEDGED, "SHIP"): {S.IN_FULFILMENT},
        (S.IN_FULFILMENT, "RECEIVE"): {S.RECEIVED},
        (S.RECEIVED, "INVOICE"): {S.CLOSED},
    }
    for key, targets in design.items():
        assert targets <= set(TRANSITIONS[key]), key
    for state in (S.DRAFT, S.PENDING_APPROVAL, S.APPROVED, S.SENT, S.ACKNOWLEDGED):
        assert TRANSITIONS[(state, "CANCEL")] == (S.CANCELLED,)


def test_terminal_states_allow_nothing_but_returns() -> None:
    for state in (S.CANCELLED, S.DECLINED):
        assert not [a for (s, a) in TRANSITIONS if s is state]
    assert sorted(a for (s, a) in TRANSITIONS if s is S.CLOSED) == [
        "DECIDE_RETURN",
        "REQUEST_RETURN",
    ]


def test_nothing_changes_after_the_first_shipment() -> None:
    for state in (S.IN_FULFILMENT, S.RECEIVED, S.CLOSED):
        assert (state, "CHANGE") not in TRANSITIONS
        assert (state, "CANCEL") not in TRANSITIONS


def test_sides_and_roles() -> None:
    supplier_actions = {n for n, a in ACTIONS.items() if a.side is Side.SUPPLIER}
    assert supplier_actions == {"ACKNOWLEDGE", "DECLINE", "SHIP", "INVOICE", "DECIDE_RETURN"}
    assert ACTIONS["APPROVE"].roles == frozenset({Role.APPROVER})
    assert ACTIONS["SUBMIT"].roles == frozenset({Role.BUYER})
