"""The generic state machine (``procurement/state_machine.py``): table, actor checks,
named guards shared by the check and ``available``, and ``move``'s bound on targets."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from procurement.errors import DomainError, ErrorCode, forbidden
from procurement.state_machine import Side, StateMachine, action
from procurement.viewer import Role, Viewer


class T(StrEnum):
    OPEN = "OPEN"
    DONE = "DONE"
    GONE = "GONE"


def _not_owner(v: Viewer, subject: Any) -> DomainError | None:
    return forbidden("Not yours") if subject.owner != v.user_id else None


MACHINE: StateMachine[T] = StateMachine(
    "thing",
    (
        action("FINISH", Side.BUYER, {Role.BUYER}, {T.OPEN: (T.DONE,)}, guards=("owner",)),
        action(
            "DROP", Side.SUPPLIER, {Role.SUPPLIER_SALES}, dict.fromkeys((T.OPEN, T.DONE), (T.GONE,))
        ),
    ),
    {"owner": _not_owner},
)


def _viewer(*roles: Role, user_id: int = 1) -> Viewer:
    return Viewer(user_id=user_id, organization_id=1, roles=frozenset(roles))


def test_rows_are_the_table() -> None:
    assert MACHINE.transitions == {
        (T.OPEN, "FINISH"): (T.DONE,),
        (T.OPEN, "DROP"): (T.GONE,),
        (T.DONE, "DROP"): (T.GONE,),
    }
    assert MACHINE.actions_from(T.DONE) == ["DROP"]
    assert MACHINE.actions_from(T.GONE) == []


def test_check_refuses_with_the_state_in_the_message() -> None:
    with pytest.raises(DomainError) as e:
        MACHINE.check(T.GONE, "DROP", "id")
    assert e.value.errors[0].code == ErrorCode.INVALID_TRANSITION
    assert e.value.errors[0].message == "Cannot drop a thing that is GONE"


def test_available_applies_side_role_and_named_guard() -> None:
    buyer = _viewer(Role.BUYER, user_id=7)
    owner = SimpleNamespace(owner=7)
    other = SimpleNamespace(owner=8)
    assert MACHINE.available(buyer, Side.BUYER, T.OPEN, owner) == ["FINISH"]
    assert MACHINE.available(buyer, Side.BUYER, T.OPEN, other) == []
    assert MACHINE.available(buyer, Side.SUPPLIER, T.OPEN, owner) == []
    assert MACHINE.available(_viewer(Role.SUPPLIER_SALES), Side.SUPPLIER, T.DONE) == ["DROP"]
    assert MACHINE.available(None, Side.BUYER, T.OPEN, owner) == []
    with pytest.raises(DomainError):
        MACHINE.check_guards("FINISH", buyer, other)
    MACHINE.check_guards("FINISH", buyer, owner)


def test_move_keeps_the_column_representation_and_bounds_targets() -> None:
    as_str = SimpleNamespace(status="OPEN")
    MACHINE.move(as_str, "FINISH", T.DONE)
    assert as_str.status == "DONE" and type(as_str.status) is str
    as_enum = SimpleNamespace(status=T.OPEN)
    MACHINE.move(as_enum, "DROP", T.GONE)
    assert as_enum.status is T.GONE
    with pytest.raises(RuntimeError):
        MACHINE.move(SimpleNamespace(status="OPEN"), "FINISH", T.GONE)


def test_a_table_naming_an_unknown_guard_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown guards"):
        StateMachine("x", (action("A", None, (), {T.OPEN: (T.DONE,)}, guards=("nope",)),))


#: an assignment to a lifecycle column (not a comparison)
ASSIGNMENT = re.compile(r"\.(?:status|verification_status)\s*=(?!=)")


def test_nothing_assigns_a_status_outside_the_state_machine() -> None:
    """Every status change goes through a table (``StateMachine.move``/``apply``): a
    direct ``x.status = ...`` (or ``x.verification_status = ...``) anywhere else in the
    domain would bypass its checks.  New rows are created with their initial status."""
    root = Path(__file__).resolve().parent.parent / "procurement"
    offenders = [
        f"{path.relative_to(root.parent)}:{n}: {line.strip()}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "state_machine.py"
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if ASSIGNMENT.search(line.split("#")[0])
    ]
    assert offenders == []


def test_the_status_grep_catches_an_assignment() -> None:
    assert ASSIGNMENT.search("    rfq.status = RfqStatus.CLOSED.value")
    assert ASSIGNMENT.search("org.verification_status = V.VERIFIED")
    assert not ASSIGNMENT.search("if rfq.status == RfqStatus.OPEN.value:")
    # a listing's stock level is a field, not a lifecycle
    assert not ASSIGNMENT.search("listing.stock_status = StockStatus.LOW")
