"""What a supplier sees of a buyer's orders: nothing before the order is sent; after
that the order in every state, its commercial content and a cleaned change history, and
none of the buyer's approval trail or internal fields (``procurement.field_sides``)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from tests.helpers import Api, db_id
from tests.ordering_docs import (
    PO_APPROVE,
    PO_CANCEL,
    PO_CHANGE,
    PO_REJECT,
    PO_SEND,
    PO_SUBMIT,
    POLICY_SET,
    Shop,
)

LIST = """
query L($status: PurchaseOrderStatus) {
  purchaseOrders(filter: {status: $status}, sortBy: OLDEST) {
    totalCount nodes { id status }
  }
}
"""

NODE = """
query N($id: ID!, $ids: [ID!]!) {
  node(id: $id) { id }
  nodes(ids: $ids) { id }
  purchaseOrder(id: $id) { id }
}
"""

SUPPLIER_VIEW = """
query S($id: ID!) { purchaseOrder(id: $id) {
  status statusReason externalReference approvalsRequired approvalRound
  approvedTotal { amount } approvals { comment approver { email } }
  revisions { before after }
  total { amount }
  lines { id quantity unitPrice { amount } lineTotal { amount } }
  changes { version fields { field lineId before after } }
} }
"""


async def ok(shop: Shop, doc: str, input: dict[str, Any], who: str = "buyer") -> Any:
    p = await shop.act(doc, input, who)
    assert p["errors"] == [], p["errors"]
    return p["purchaseOrder"]


async def one_approval(shop: Shop) -> None:
    p = await shop.api.mutate(
        POLICY_SET, {"bands": [{"upTo": None, "approvalsRequired": 1}]}, shop.token("admin")
    )
    assert p["errors"] == []


async def listed(shop: Shop, token: str, status: str | None = None) -> tuple[int, list[str]]:
    conn = (await shop.api.gql(LIST, {"status": status}, token))["purchaseOrders"]
    return conn["totalCount"], [n["id"] for n in conn["nodes"]]


async def test_supplier_sees_an_order_from_its_sending_on(api: Api) -> None:
    shop = await Shop(api).setup()
    await one_approval(shop)
    draft = await shop.order("50")
    pending = await ok(shop, PO_SUBMIT, {"id": (await shop.order("50"))["id"]})
    approved = await shop.order("50")
    await ok(shop, PO_SUBMIT, {"id": approved["id"]})
    approved = await ok(shop, PO_APPROVE, {"id": approved["id"]}, "approver")
    cancelled = await shop.order("50")
    await ok(shop, PO_CANCEL, {"id": cancelled["id"], "reason": "Budget cut"})
    unsent = [draft, pending, approved, cancelled]
    assert [p["status"] for p in (draft, pending, approved)] == [
        "DRAFT",
        "PENDING_APPROVAL",
        "APPROVED",
    ]

    # nothing listed, counted or readable by id or node before sending
    assert await listed(shop, shop.sales) == (0, [])
    for status in ("DRAFT", "PENDING_APPROVAL", "APPROVED", "CANCELLED"):
        assert await listed(shop, shop.sales, status) == (0, [])
    for po in unsent:
        got = await api.gql(NODE, {"id": po["id"], "ids": [po["id"]]}, shop.sales)
        assert got == {"node": None, "nodes": [None], "purchaseOrder": None}
    assert (await listed(shop, shop.token("buyer")))[0] == 4  # the buyer sees them all

    # sent: the supplier sees it, and keeps seeing it through a change back into
    # approval and a cancellation
    sent = await ok(shop, PO_SEND, {"id": approved["id"]})
    assert await listed(shop, shop.sales) == (1, [sent["id"]])
    got = await api.gql(NODE, {"id": sent["id"], "ids": [sent["id"]]}, shop.sales)
    assert got == {
        "node": {"id": sent["id"]},
        "nodes": [{"id": sent["id"]}],
        "purchaseOrder": {"id": sent["id"]},
    }
    bigger = await ok(
        shop,
        PO_CHANGE,
        {
            "id": sent["id"],
            "expectedVersion": sent["version"],
            "lines": [{"lineId": sent["lines"][0]["id"], "quantity": "60"}],
        },
    )
    assert bigger["status"] == "PENDING_APPROVAL"
    assert await listed(shop, shop.sales, "PENDING_APPROVAL") == (1, [sent["id"]])
    await ok(shop, PO_CANCEL, {"id": sent["id"], "reason": "Found elsewhere"})
    assert await listed(shop, shop.sales, "CANCELLED") == (1, [sent["id"]])
    assert await listed(shop, shop.other_supplier.users["sales"].token) == (0, [])

    async with api.db.read() as s:
        rows = dict(
            (await s.execute(text("SELECT id, sent_at IS NOT NULL FROM purchase_order"))).all()
        )
    assert rows == {db_id(po["id"]): po["id"] == sent["id"] for po in unsent}


async def test_supplier_reads_no_buyer_internals(api: Api) -> None:
    """Approval trail, approval bookkeeping, raw revisions and the buyer's reference are
    null to the supplier; the changes made after sending are shown to both sides in
    shared terms; a rejection's reason is the buyer's."""
    shop = await Shop(api).setup()
    await one_approval(shop)
    po = await shop.order("50", externalReference="ERP-SECRET-1")
    line = po["lines"][0]["id"]
    await ok(shop, PO_SUBMIT, {"id": po["id"]})
    await ok(shop, PO_APPROVE, {"id": po["id"], "comment": "Budget line 4711 ok"}, "approver")
    sent = await ok(shop, PO_SEND, {"id": po["id"]})
    changed = await ok(
        shop,
        PO_CHANGE,
        {
            "id": po["id"],
            "expectedVersion": sent["version"],
            "lines": [{"lineId": line, "quantity": "120"}],
        },
    )
    assert changed["status"] == "PENDING_APPROVAL"
    await ok(shop, PO_REJECT, {"id": po["id"], "reason": "Over the Q3 budget"}, "approver")

    supplier = (await api.gql(SUPPLIER_VIEW, {"id": po["id"]}, shop.sales))["purchaseOrder"]
    change = {
        "version": changed["version"],
        "fields": [
            {"field": "subtotal", "lineId": None, "before": "500.000000", "after": "1080.000000"},
            {"field": "total", "lineId": None, "before": "500.000000", "after": "1080.000000"},
            {"field": "quantity", "lineId": line, "before": "50.0000", "after": "120.0000"},
            {"field": "unitPrice", "lineId": line, "before": "10.000000", "after": "9.000000"},
            {"field": "lineTotal", "lineId": line, "before": "500.000000", "after": "1080.000000"},
        ],
    }
    assert supplier == {
        "status": "DRAFT",
        "statusReason": None,
        "externalReference": None,
        "approvalsRequired": None,
        "approvalRound": None,
        "approvedTotal": None,
        "approvals": None,
        "revisions": None,
        "total": {"amount": "1080.00"},
        "lines": [
            {
                "id": line,
                "quantity": "120.0000",
                "unitPrice": {"amount": "9.000000"},
                "lineTotal": {"amount": "1080.00"},
            }
        ],
        "changes": [change],
    }
    raw = json.dumps(supplier)
    for secret in ("ERP-SECRET-1", "4711", "Q3", "approver", "buyer_org_id", "approval_round"):
        assert secret not in raw

    buyer = (await api.gql(SUPPLIER_VIEW, {"id": po["id"]}, shop.token("buyer")))["purchaseOrder"]
    assert buyer["statusReason"] == "Over the Q3 budget"
    assert buyer["externalReference"] == "ERP-SECRET-1"
    assert [a["comment"] for a in buyer["approvals"]] == [
        "Budget line 4711 ok",
        "Over the Q3 budget",
    ]
    assert buyer["revisions"][0]["before"]["external_reference"] == "ERP-SECRET-1"
    assert buyer["changes"] == [change]  # the same shared history
