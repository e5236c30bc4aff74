"""Walk the supplier-verification transition table: every allowed and forbidden pair."""

from __future__ import annotations

import itertools

import pytest

from procurement.errors import DomainError, ErrorCode
from procurement.parties.models import VerificationStatus
from procurement.parties.states import VERIFICATION_TRANSITIONS
from procurement.states import allowed_actions, transition

ACTIONS = sorted({a for _, a in VERIFICATION_TRANSITIONS})
PAIRS = list(itertools.product(VerificationStatus, ACTIONS))


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s.value}-{a}" for s, a in PAIRS])
def test_every_pair(state: VerificationStatus, action: str) -> None:
    expected = VERIFICATION_TRANSITIONS.get((state, action))
    if expected is None:
        with pytest.raises(DomainError) as exc:
            transition(VERIFICATION_TRANSITIONS, state, action, "supplier")
        assert exc.value.code is ErrorCode.INVALID_TRANSITION
    else:
        assert transition(VERIFICATION_TRANSITIONS, state, action, "supplier") is expected


def test_table_matches_design() -> None:
    assert allowed_actions(VERIFICATION_TRANSITIONS, VerificationStatus.PENDING) == [
        "reject",
        "verify",
    ]
    assert allowed_actions(VERIFICATION_TRANSITIONS, VerificationStatus.VERIFIED) == ["suspend"]
    assert allowed_actions(VERIFICATION_TRANSITIONS, VerificationStatus.REJECTED) == []
    assert allowed_actions(VERIFICATION_TRANSITIONS, VerificationStatus.SUSPENDED) == ["verify"]
