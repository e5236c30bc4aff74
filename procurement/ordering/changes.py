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
from decimal import Decimal
from typing import Any

from procurement.ordering.models import PoRevision, PoStatus, PurchaseOrder

#: order fields a change may touch that concern the supplier
ORDER_FIELDS = ("need_by", "delivery_address", "shipping_cost", "subtotal", "total")
#: line fields a change may touch that concern the supplier
LINE_FIELDS = ("quantity", "unit_price", "line_total")
#: decimals each amount is stored with: shown as stored, whatever form the snapshot has
_SCALE = {
    "quantity": 4,
    "unit_price": 6,
    "line_total": 6,
    "shipping_cost": 6,
    "subtotal": 6,
    "total": 6,
}


def _stored(field: str, value: Any) -> Any:
    if value is None or field not in _SCALE:
        return value
    return f"{Decimal(str(value)):.{_SCALE[field]}f}"


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
    out = []
    for f in ORDER_FIELDS:
        old, new = _stored(f, before.get(f)), _stored(f, after.get(f))
        if old != new:
            out.append(FieldChange(f, None, old, new))
    old_lines = {ln["id"]: ln for ln in before.get("lines") or ()}
    for ln in after.get("lines") or ():
        was = old_lines.get(ln["id"], {})
        for f in LINE_FIELDS:
            old, new = _stored(f, was.get(f)), _stored(f, ln.get(f))
            if old != new:
                out.append(FieldChange(f, ln["id"], old, new))
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
