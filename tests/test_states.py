"""Supplier verification's table, row by row as DESIGN §2 writes it (plus reinstatement),
walked through the machine: every allowed and forbidden pair."""

from __future__ import annotations

import itertools

import pytest

from procurement.errors import DomainError, ErrorCode
from procurement.parties.models import VerificationStatus as V
from procurement.parties.states import VERIFICATION
from procurement.state_machine import Side
from procurement.viewer import Role

#: written out, not read from the code
ROWS = {
    (V.PENDING, "verify"): V.VERIFIED,
    (V.PENDING, "reject"): V.REJECTED,
    (V.VERIFIED, "suspend"): V.SUSPENDED,
    (V.SUSPENDED, "verify"): V.VERIFIED,
}
PAIRS = list(itertools.product(V, ["verify", "reject", "suspend", "reinstate"]))


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s.value}-{a}" for s, a in PAIRS])
def test_every_pair(state: V, action: str) -> None:
    expected = ROWS.get((state, action))
    if expected is None:
        with pytest.raises(DomainError) as exc:
            VERIFICATION.target(state, action)
        assert exc.value.code is ErrorCode.INVALID_TRANSITION
        assert str(exc.value) == f"Cannot {action} a supplier that is {state.value}"
    else:
        assert VERIFICATION.target(state, action) is expected


def test_table_matches_design() -> None:
    assert set(VERIFICATION.transitions) == set(ROWS)
    assert VERIFICATION.actions_from(V.PENDING) == ["reject", "verify"]
    assert VERIFICATION.actions_from(V.VERIFIED) == ["suspend"]
    assert VERIFICATION.actions_from(V.REJECTED) == []
    assert VERIFICATION.actions_from(V.SUSPENDED) == ["verify"]
    assert all(
        a.side is Side.PLATFORM and a.roles == {Role.PLATFORM_ADMIN}
        for a in VERIFICATION.actions.values()
    )
