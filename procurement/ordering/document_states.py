"""Invoice and return-request lifecycles (DESIGN §4), on the one shape of
``procurement/state_machine.py``.

Both are documents of an order: the order's version and audit trail record their changes
(``fulfilment.record_event``), so their services check and move here and record there.
An invoice is born MATCHED or NEEDS_REVIEW (the three-way match decides); a return
REQUESTED.
"""

from __future__ import annotations

from typing import Any

from procurement.errors import DomainError, ErrorCode
from procurement.ordering.access import side_of
from procurement.ordering.models import Invoice, PoStatus, PurchaseOrder, ReturnRequest
from procurement.ordering.models import InvoiceStatus as I
from procurement.ordering.models import ReturnStatus as R
from procurement.ordering.states import MACHINE as ORDER
from procurement.state_machine import Side, StateMachine, action
from procurement.viewer import Role, Viewer


def _order_open(v: Any, po: Any) -> DomainError | None:
    """A dispute reopens invoiced quantities: not on a closed order."""
    if po is not None and po.status == PoStatus.CLOSED.value:
        return DomainError.of(ErrorCode.INVALID_TRANSITION, "The order is closed", "id")
    return None


INVOICE: StateMachine[I] = StateMachine(
    "invoice",
    (
        action("ACCEPT", Side.BUYER, (Role.BUYER,), {I.NEEDS_REVIEW: (I.ACCEPTED,)}),
        action(
            "DISPUTE",
            Side.BUYER,
            (Role.BUYER,),
            dict.fromkeys((I.NEEDS_REVIEW, I.MATCHED), (I.DISPUTED,)),
            guards=("order_open",),
        ),
    ),
    {"order_open": _order_open},
    article="an",
)

RETURN: StateMachine[R] = StateMachine(
    "return",
    (
        action("APPROVE", Side.SUPPLIER, (Role.SUPPLIER_SALES,), {R.REQUESTED: (R.APPROVED,)}),
        action("REJECT", Side.SUPPLIER, (Role.SUPPLIER_SALES,), {R.REQUESTED: (R.REJECTED,)}),
        action("RECEIVE", Side.SUPPLIER, (Role.SUPPLIER_SALES,), {R.APPROVED: (R.RECEIVED,)}),
    ),
)


def invoice_actions(viewer: Viewer | None, po: PurchaseOrder, invoice: Invoice) -> list[str]:
    """``Invoice.availableActions``: resolving an invoice is the order's RESOLVE_INVOICE
    (its side, roles and states), then the invoice's own row and guards."""
    if viewer is None or "RESOLVE_INVOICE" not in ORDER.available(
        viewer, side_of(viewer, po), PoStatus(po.status)
    ):
        return []
    return INVOICE.available(viewer, side_of(viewer, po), I(invoice.status), po)


def return_actions(viewer: Viewer | None, po: PurchaseOrder, rr: ReturnRequest) -> list[str]:
    """``ReturnRequest.availableActions``: deciding is the order's DECIDE_RETURN, then the
    return's own row."""
    if viewer is None or "DECIDE_RETURN" not in ORDER.available(
        viewer, side_of(viewer, po), PoStatus(po.status)
    ):
        return []
    return RETURN.available(viewer, side_of(viewer, po), R(rr.status), po)
