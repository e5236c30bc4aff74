"""Purchase orders under real concurrency against PostgreSQL.

Each ``api.raw`` call is a request of its own through the ASGI app, with its own
transaction on its own pooled connection, so ``asyncio.gather`` of two of them is two
clients racing.  Every order action locks the order row first (``access.load_for``), so
of two conflicting actions exactly one sees the old state; the other must see the new
one and answer with what the state table says about it.  Each race runs on several
orders, alternating which request is started first, and the assertions accept exactly
the serial outcomes (A then B, or B then A) and nothing in between: the versions, the
approvals, the shipments, receipts and audit entries must all tell the same story as
the payloads the two clients got back.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from tests.helpers import Api, codes, db_id
from tests.ordering_docs import (
    PO_APPROVE,
    PO_CANCEL,
    PO_SUBMIT,
    POLICY_SET,
    RECEIVE,
    SHIP,
    Shop,
)

ROUNDS = 4

#: every order needs exactly one approval (the approvers' limit is 10000 EUR)
ONE_APPROVAL = {"bands": [{"upTo": None, "approvalsRequired": 1}]}


# --- helpers ------------------------------------------------------------------------


async def race(first: Any, second: Any, flip: bool) -> tuple[Any, Any]:
    """Run two request coroutines at once, starting either one first; results in the
    order given."""
    if flip:
        b, a = await asyncio.gather(second, first)
        return a, b
    return tuple(await asyncio.gather(first, second))  # type: ignore[return-value]


async def rows(api: Api, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async with api.db.read() as s:
        return [tuple(r) for r in await s.execute(text(sql), params)]


async def order_row(api: Api, po_id: int) -> tuple[Any, ...]:
    (row,) = await rows(api, "SELECT status, version FROM purchase_order WHERE id = :i", i=po_id)
    return row


async def audit_actions(api: Api, po_id: int) -> list[str]:
    """The order's own audit trail (creation aside), oldest first."""
    found = await rows(
        api,
        "SELECT action FROM audit_entry WHERE entity_type = 'PurchaseOrder' "
        "AND entity_id = :i ORDER BY id",
        i=po_id,
    )
    return [a for (a,) in found if a != "purchase_order.created"]


async def pending(shop: Shop) -> dict[str, Any]:
    """A 500 EUR order waiting for its one approval (version 2)."""
    po = await shop.order("50")
    p = await shop.act(PO_SUBMIT, {"id": po["id"]})
    assert p["errors"] == [], p
    assert (p["purchaseOrder"]["status"], p["purchaseOrder"]["version"]) == (
        "PENDING_APPROVAL",
        2,
    )
    assert p["purchaseOrder"]["approvalsRequired"] == 1
    return p["purchaseOrder"]  # type: ignore[no-any-return]


async def one_approval_shop(api: Api) -> Shop:
    shop = await Shop(api).setup()
    p = await shop.act(POLICY_SET, ONE_APPROVAL, "admin")
    assert p["errors"] == [], p
    return shop


# --- approve / approve --------------------------------------------------------------


async def test_two_approvers_racing_for_the_last_approval_record_one(api: Api) -> None:
    """Both approvers saw PENDING_APPROVAL with one approval missing.  The row lock lets
    one in; the other must find the order APPROVED and be refused INVALID_TRANSITION, so
    the round holds exactly one approval (not two, and not a second version bump)."""
    shop = await one_approval_shop(api)
    users = shop.buyer.users
    for i in range(ROUNDS):
        po = await pending(shop)
        pid = db_id(po["id"])
        a, b = await race(
            api.mutate(PO_APPROVE, {"id": po["id"], "comment": "A"}, shop.token("approver")),
            api.mutate(PO_APPROVE, {"id": po["id"], "comment": "B"}, shop.token("approver2")),
            flip=bool(i % 2),
        )
        winners = [p for p in (a, b) if p["errors"] == []]
        losers = [p for p in (a, b) if p["errors"] != []]
        assert len(winners) == 1 and len(losers) == 1, (a, b)
        won = winners[0]["purchaseOrder"]
        assert (won["status"], won["version"]) == ("APPROVED", 3)
        assert won["approvedTotal"] == {"amount": "500.00"}
        assert codes(losers[0]) == [("id", "INVALID_TRANSITION")]
        assert losers[0]["purchaseOrder"] is None
        winner = users["approver"] if winners[0] is a else users["approver2"]
        assert [(x["round"], x["decision"], x["approver"]["email"]) for x in won["approvals"]] == [
            (1, "APPROVED", winner.email)
        ]

        assert await order_row(api, pid) == ("APPROVED", 3)
        assert await rows(
            api,
            "SELECT round, approver_id, decision FROM po_approval WHERE purchase_order_id = :i",
            i=pid,
        ) == [(1, winner.user_id, "APPROVED")]
        assert await audit_actions(api, pid) == [
            "purchase_order.submitted",
            "purchase_order.approved",
        ]


# --- approve / cancel ---------------------------------------------------------------


async def test_approve_racing_cancel_is_serial(api: Api) -> None:
    """CANCEL is allowed from PENDING_APPROVAL and from APPROVED, so there are exactly two
    consistent outcomes: the approval first and then the cancellation (both succeed,
    version 2 -> 3 -> 4, one approval, CANCELLED), or the cancellation first and the
    approval refused with INVALID_TRANSITION (version 3, no approval recorded)."""
    shop = await one_approval_shop(api)
    approver = shop.buyer.users["approver"]
    outcomes: Counter[str] = Counter()
    for i in range(ROUNDS):
        po = await pending(shop)
        pid = db_id(po["id"])
        approved, cancelled = await race(
            api.mutate(PO_APPROVE, {"id": po["id"]}, shop.token("approver")),
            api.mutate(PO_CANCEL, {"id": po["id"], "reason": "not needed"}, shop.token("buyer")),
            flip=bool(i % 2),
        )
        assert cancelled["errors"] == [], cancelled  # cancel wins either way
        c = cancelled["purchaseOrder"]
        assert c["status"] == "CANCELLED" and c["statusReason"] == "not needed"
        approvals = await rows(
            api,
            "SELECT round, approver_id, decision FROM po_approval WHERE purchase_order_id = :i",
            i=pid,
        )
        if approved["errors"] == []:
            outcomes["approved, then cancelled"] += 1
            assert approved["purchaseOrder"]["status"] == "APPROVED"
            assert approved["purchaseOrder"]["version"] == 3
            assert c["version"] == 4
            assert await order_row(api, pid) == ("CANCELLED", 4)
            assert approvals == [(1, approver.user_id, "APPROVED")]
            assert await audit_actions(api, pid) == [
                "purchase_order.submitted",
                "purchase_order.approved",
                "purchase_order.cancelled",
            ]
        else:
            outcomes["cancelled first"] += 1
            assert codes(approved) == [("id", "INVALID_TRANSITION")]
            assert approved["purchaseOrder"] is None
            assert c["version"] == 3
            assert await order_row(api, pid) == ("CANCELLED", 3)
            assert approvals == []
            assert await audit_actions(api, pid) == [
                "purchase_order.submitted",
                "purchase_order.cancelled",
            ]
    assert sum(outcomes.values()) == ROUNDS, outcomes


# --- ship / cancel ------------------------------------------------------------------


async def test_shipment_racing_cancel_never_both(api: Api) -> None:
    """An ACKNOWLEDGED order can be shipped or cancelled, but a shipped order (IN_FULFILMENT)
    cannot be cancelled and a cancelled one cannot be shipped: exactly one of the two
    lands, and the shipped quantity agrees with it."""
    shop = await Shop(api).setup()
    outcomes: Counter[str] = Counter()
    for i in range(ROUNDS):
        po = await shop.acknowledged("50")
        assert (po["status"], po["version"]) == ("ACKNOWLEDGED", 4)
        pid = db_id(po["id"])
        line = po["lines"][0]["id"]
        shipped, cancelled = await race(
            api.mutate(
                SHIP,
                {
                    "purchaseOrderId": po["id"],
                    "carrier": "DHL",
                    "trackingNumber": f"JD{i}",
                    "lines": [{"lineId": line, "quantity": "50"}],
                },
                shop.sales,
            ),
            api.mutate(PO_CANCEL, {"id": po["id"], "reason": "changed plans"}, shop.token("buyer")),
            flip=bool(i % 2),
        )
        ok = [p for p in (shipped, cancelled) if p["errors"] == []]
        assert len(ok) == 1, (shipped, cancelled)
        shipments = await rows(
            api, "SELECT count(*) FROM shipment WHERE purchase_order_id = :i", i=pid
        )
        (qty,) = await rows(
            api,
            "SELECT shipped_quantity FROM purchase_order_line WHERE purchase_order_id = :i",
            i=pid,
        )
        if shipped["errors"] == []:
            outcomes["shipped"] += 1
            got = shipped["purchaseOrder"]
            assert (got["status"], got["version"]) == ("IN_FULFILMENT", 5)
            assert Decimal(got["lines"][0]["shippedQuantity"]) == 50
            assert codes(cancelled) == [("id", "INVALID_TRANSITION")]
            assert cancelled["purchaseOrder"] is None
            assert await order_row(api, pid) == ("IN_FULFILMENT", 5)
            assert shipments == [(1,)] and qty == (Decimal(50),)
        else:
            outcomes["cancelled"] += 1
            got = cancelled["purchaseOrder"]
            assert (got["status"], got["version"]) == ("CANCELLED", 5)
            assert Decimal(got["lines"][0]["shippedQuantity"]) == 0
            assert codes(shipped) == [("purchaseOrderId", "INVALID_TRANSITION")]
            assert shipped["shipment"] is None and shipped["purchaseOrder"] is None
            assert await order_row(api, pid) == ("CANCELLED", 5)
            assert shipments == [(0,)] and qty == (Decimal(0),)
    assert sum(outcomes.values()) == ROUNDS, outcomes
    assert await rows(
        api, "SELECT count(*) FROM audit_entry WHERE action = 'shipment.created'"
    ) == [(outcomes["shipped"],)]


# --- receipt / receipt --------------------------------------------------------------


async def test_two_receipts_of_30_against_50_shipped_accept_one(api: Api) -> None:
    """Both receipts fit on their own (30 <= 50) but not together (60 > 50).  Without the
    order and line locks both would read accepted 0 and both would pass; with them the
    second sees 30 accepted and is refused INVALID, and the order keeps 30 accepted."""
    shop = await Shop(api).setup()
    for i in range(ROUNDS):
        po = await shop.acknowledged("50")
        pid = db_id(po["id"])
        line = po["lines"][0]["id"]
        s = await api.mutate(
            SHIP,
            {"purchaseOrderId": po["id"], "lines": [{"lineId": line, "quantity": "50"}]},
            shop.sales,
        )
        assert s["errors"] == [] and s["purchaseOrder"]["version"] == 5, s
        receipt = {"purchaseOrderId": po["id"], "lines": [{"lineId": line, "accepted": "30"}]}
        a, b = await race(
            api.mutate(RECEIVE, receipt, shop.token("buyer")),
            api.mutate(RECEIVE, receipt, shop.token("buyer2")),
            flip=bool(i % 2),
        )
        winners = [p for p in (a, b) if p["errors"] == []]
        losers = [p for p in (a, b) if p["errors"] != []]
        assert len(winners) == 1 and len(losers) == 1, (a, b)
        won = winners[0]["purchaseOrder"]
        assert (won["status"], won["version"]) == ("IN_FULFILMENT", 6)
        assert Decimal(won["lines"][0]["acceptedQuantity"]) == 30
        assert codes(losers[0]) == [("lines[0]", "INVALID")]
        assert "shipped" in losers[0]["errors"][0]["message"]
        assert losers[0]["receipt"] is None and losers[0]["purchaseOrder"] is None

        assert await order_row(api, pid) == ("IN_FULFILMENT", 6)
        assert await rows(
            api,
            "SELECT accepted_quantity, rejected_quantity, shipped_quantity "
            "FROM purchase_order_line WHERE purchase_order_id = :i",
            i=pid,
        ) == [(Decimal(30), Decimal(0), Decimal(50))]
        assert await rows(
            api, "SELECT count(*) FROM goods_receipt WHERE purchase_order_id = :i", i=pid
        ) == [(1,)]
    assert await rows(
        api, "SELECT count(*) FROM audit_entry WHERE action = 'goods_receipt.created'"
    ) == [(ROUNDS,)]
