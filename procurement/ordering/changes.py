"""What an order's changes look like to both sides.

A revision (``PoRevision``) keeps the whole order before and after a change, internal
ids, references and approval bookkeeping included: that is the buyer's record.  Both
sides get a cleaned history instead: the changes made after the order was first sent
(before that, the order was still the buyer's draft), and of those only what the
supplier is asked to deliver and charge: need-by date, delivery address, shipping,
totals, and each line's quantity, unit price and line total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from procurement.ordering.models import PoRevision, PoStatus, PurchaseOrder

#: order fields a change may touch that concern the supplier
ORDER_FIELDS = ("need_by", "delivery_address", "shipping_cost", "subtotal", "total")
#: line fields a change may touch that concern the supplier
LINE_FIELDS = ("quantity", "unit_price", "line_total")


@dataclass(frozen=True)
class FieldChange:
    field: str
    line_id: int | None
    before: Any
    after: Any


@dataclass(frozen=True)
class OrderChange:
    version: int
    created_at: datetime
    fields: list[FieldChange]


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """The shared fields that differ between two snapshots of an order."""
    out = [
        FieldChange(f, None, before.get(f), after.get(f))
        for f in ORDER_FIELDS
        if before.get(f) != after.get(f)
    ]
    old_lines = {ln["id"]: ln for ln in before.get("lines") or ()}
    for ln in after.get("lines") or ():
        old = old_lines.get(ln["id"], {})
        out.extend(
            FieldChange(f, ln["id"], old.get(f), ln.get(f))
            for f in LINE_FIELDS
            if old.get(f) != ln.get(f)
        )
    return out


def shared_changes(po: PurchaseOrder, revisions: Sequence[PoRevision]) -> list[OrderChange]:
    """The changes made since the order was first sent, oldest first."""
    if po.sent_at is None:
        return []
    return [
        OrderChange(r.version, r.created_at, field_changes(r.before, r.after))
        for r in revisions
        if r.created_at is not None and r.created_at >= po.sent_at
    ]


#: states in which the order is back in the buyer's hands: a reason then is a
#: rejection's, an approver's comment
_BUYER_HANDS = frozenset({PoStatus.DRAFT, PoStatus.PENDING_APPROVAL, PoStatus.APPROVED})


def shared_status_reason(po: PurchaseOrder, buyer_side: bool) -> str | None:
    """Why the order was declined or cancelled, to both sides; why it was rejected, to
    the buyer only."""
    if buyer_side or PoStatus(po.status) not in _BUYER_HANDS:
        return po.status_reason
    return None
