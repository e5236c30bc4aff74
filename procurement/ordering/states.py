"""The purchase order lifecycle (DESIGN §4): one table drives both the checks and
``purchaseOrder.availableActions``.

Each action names who takes it: the buying side (with a role), an approver, or the
supplier.  Where an action can end in more than one state (``submit`` -> APPROVED when
no approval is needed; ``approve`` -> APPROVED only at the last required approval;
``receive`` -> RECEIVED when everything is accepted; ``change`` -> PENDING_APPROVAL when
the total rises above what was approved), the service picks the target among those
listed here, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from procurement.ordering.models import PoStatus as S
from procurement.viewer import Role


class Side(StrEnum):
    BUYER = "BUYER"
    SUPPLIER = "SUPPLIER"


@dataclass(frozen=True)
class Action:
    name: str
    side: Side
    roles: frozenset[Role]
    targets: dict[S, tuple[S, ...]]


def _a(name: str, side: Side, roles: set[Role], targets: dict[S, tuple[S, ...]]) -> Action:
    return Action(name, side, frozenset(roles), targets)


_CHANGEABLE = (S.DRAFT, S.PENDING_APPROVAL, S.APPROVED, S.SENT, S.ACKNOWLEDGED)
#: a change keeps the state, or needs approval again (total above what was approved); a
#: change to an acknowledged order needs the supplier's acknowledgement again
_CHANGE_TARGETS = {
    S.DRAFT: (S.DRAFT,),
    S.PENDING_APPROVAL: (S.PENDING_APPROVAL, S.APPROVED),
    S.APPROVED: (S.APPROVED, S.PENDING_APPROVAL),
    S.SENT: (S.SENT, S.PENDING_APPROVAL),
    S.ACKNOWLEDGED: (S.SENT, S.PENDING_APPROVAL),
}

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        _a("SUBMIT", Side.BUYER, {Role.BUYER}, {S.DRAFT: (S.PENDING_APPROVAL, S.APPROVED)}),
        _a(
            "APPROVE",
            Side.BUYER,
            {Role.APPROVER},
            {S.PENDING_APPROVAL: (S.PENDING_APPROVAL, S.APPROVED)},
        ),
        _a("REJECT", Side.BUYER, {Role.APPROVER}, {S.PENDING_APPROVAL: (S.DRAFT,)}),
        _a("SEND", Side.BUYER, {Role.BUYER}, {S.APPROVED: (S.SENT,)}),
        _a("ACKNOWLEDGE", Side.SUPPLIER, {Role.SUPPLIER_SALES}, {S.SENT: (S.ACKNOWLEDGED,)}),
        _a("DECLINE", Side.SUPPLIER, {Role.SUPPLIER_SALES}, {S.SENT: (S.DECLINED,)}),
        _a("CHANGE", Side.BUYER, {Role.BUYER}, _CHANGE_TARGETS),
        _a("CANCEL", Side.BUYER, {Role.BUYER}, dict.fromkeys(_CHANGEABLE, (S.CANCELLED,))),
        _a(
            "SHIP",
            Side.SUPPLIER,
            {Role.SUPPLIER_SALES},
            {S.ACKNOWLEDGED: (S.IN_FULFILMENT,), S.IN_FULFILMENT: (S.IN_FULFILMENT,)},
        ),
        _a(
            "RECEIVE",
            Side.BUYER,
            {Role.BUYER},
            # CLOSED: the last receipt of goods that were invoiced ahead of it
            {S.IN_FULFILMENT: (S.IN_FULFILMENT, S.RECEIVED, S.CLOSED)},
        ),
        _a(
            "INVOICE",
            Side.SUPPLIER,
            {Role.SUPPLIER_SALES},
            {S.IN_FULFILMENT: (S.IN_FULFILMENT,), S.RECEIVED: (S.RECEIVED, S.CLOSED)},
        ),
        _a(
            "RESOLVE_INVOICE",
            Side.BUYER,
            {Role.BUYER},
            {S.IN_FULFILMENT: (S.IN_FULFILMENT,), S.RECEIVED: (S.RECEIVED, S.CLOSED)},
        ),
        _a(
            "REQUEST_RETURN",
            Side.BUYER,
            {Role.BUYER},
            {S.IN_FULFILMENT: (S.IN_FULFILMENT,), S.RECEIVED: (S.RECEIVED,), S.CLOSED: (S.CLOSED,)},
        ),
        _a(
            "DECIDE_RETURN",
            Side.SUPPLIER,
            {Role.SUPPLIER_SALES},
            # CLOSED: receiving returned goods can settle the last open quantity
            {
                S.IN_FULFILMENT: (S.IN_FULFILMENT,),
                S.RECEIVED: (S.RECEIVED, S.CLOSED),
                S.CLOSED: (S.CLOSED,),
            },
        ),
    )
}

#: (state, action) -> possible new states: the table the tests walk
TRANSITIONS: dict[tuple[S, str], tuple[S, ...]] = {
    (state, a.name): targets for a in ACTIONS.values() for state, targets in a.targets.items()
}
