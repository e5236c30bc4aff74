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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from procurement.errors import DomainError, ErrorCode, forbidden
from procurement.ordering.approvals import approver_problem, requested_round
from procurement.ordering.models import Approval, PurchaseOrder
from procurement.ordering.models import PoStatus as S
from procurement.state_machine import Action, Side, StateMachine, action
from procurement.viewer import Role, Viewer

__all__ = ["ACTIONS", "MACHINE", "TRANSITIONS", "Action", "ApprovalContext", "Side"]


@dataclass(frozen=True)
class ApprovalContext:
    """What the approval guards judge: the order, its round's approvals so far, and its
    total in the buyer's base currency (batched by the API for a page of orders)."""

    po: PurchaseOrder
    approvals: Sequence[Approval] = ()
    amount: Decimal = Decimal(0)
    base: str = ""


def _may_approve(v: Viewer, ctx: ApprovalContext) -> DomainError | None:
    problem = approver_problem(v, ctx.po, ctx.approvals, ctx.amount, ctx.base)
    return None if problem is None else DomainError.of(problem[0], problem[1], "id")


def _may_decide(v: Viewer, ctx: ApprovalContext) -> DomainError | None:
    """REJECT: a person, and not one who asked for this round."""
    if v.user_id is None:
        return forbidden("Approvals are made by people, not API keys")
    if requested_round(v, ctx.po):
        return DomainError.of(
            ErrorCode.FORBIDDEN, "You cannot decide on an order you submitted or changed", "id"
        )
    return None


def _a(
    name: str,
    side: Side,
    roles: Iterable[Role],
    targets: dict[S, tuple[S, ...]],
    guards: Iterable[str] = (),
) -> Action[S]:
    return action(name, side, roles, targets, guards)


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

MACHINE: StateMachine[S] = StateMachine(
    "order",
    (
        _a("SUBMIT", Side.BUYER, {Role.BUYER}, {S.DRAFT: (S.PENDING_APPROVAL, S.APPROVED)}),
        _a(
            "APPROVE",
            Side.BUYER,
            {Role.APPROVER},
            {S.PENDING_APPROVAL: (S.PENDING_APPROVAL, S.APPROVED)},
            guards=("may_approve",),
        ),
        _a(
            "REJECT",
            Side.BUYER,
            {Role.APPROVER},
            {S.PENDING_APPROVAL: (S.DRAFT,)},
            guards=("may_decide",),
        ),
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
    ),
    {"may_approve": _may_approve, "may_decide": _may_decide},
    article="an",
)

#: the table's rows by name, and (state, action) -> possible new states (the table the
#: tests walk): views of ``MACHINE`` for the callers that read the table
ACTIONS: dict[str, Action[S]] = MACHINE.actions
TRANSITIONS: dict[tuple[S, str], tuple[S, ...]] = MACHINE.transitions
