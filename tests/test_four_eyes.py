"""Four eyes on spend, and change orders held to what the order was held to.

- Whoever changes an order's amount back into approval asked for that round: they may
  not approve it.
- An order an API key submits records the key; the key's creator may not approve it.
- A change of quantity meets the listing's MOQ and tiers, or the quote's MOQ, price
  breaks and quantity offered.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import text

from tests.helpers import Api, codes, db_id, rows
from tests.ordering_docs import (
    PO_APPROVE,
    PO_CHANGE,
    PO_QUERY,
    PO_REJECT,
    PO_SEND,
    PO_SUBMIT,
    POLICY_SET,
    Shop,
)
from tests.sourcing_docs import RFQ_CLOSE, Market

API_KEY_CREATE = """
mutation K($input: ApiKeyCreateInput!) {
  apiKeyCreate(input: $input) { apiKey { id } secret errors { field code message } }
}
"""

AWAITING = "query A { purchaseOrdersAwaitingMyApproval { totalCount nodes { id } } }"

ACTIONS = "query Q($id: ID!) { purchaseOrder(id: $id) { status version availableActions } }"


async def ok(shop: Shop, doc: str, input: dict[str, Any], who: str = "buyer", **kw: Any) -> Any:
    p = await shop.act(doc, input, who, **kw)
    assert p["errors"] == [], p["errors"]
    return p["purchaseOrder"]


async def one_approval(shop: Shop) -> None:
    p = await shop.api.mutate(
        POLICY_SET, {"bands": [{"upTo": None, "approvalsRequired": 1}]}, shop.token("admin")
    )
    assert p["errors"] == []


def change(po: dict[str, Any], quantity: str) -> dict[str, Any]:
    return {
        "id": po["id"],
        "expectedVersion": po["version"],
        "lines": [{"lineId": po["lines"][0]["id"], "quantity": quantity}],
    }


async def state(api: Api, po_id: str) -> tuple[Any, ...]:
    (row,) = await rows(
        api.db,
        "SELECT status, version, approval_round, round_requester_ids, submitted_by_id, "
        "submitted_by_api_key_id FROM purchase_order WHERE id = :id",
        id=db_id(po_id),
    )
    return row


async def test_whoever_raises_the_amount_cannot_approve_that_round(api: Api) -> None:
    """buyer submits, approver approves, the order is sent; buyer_approver (BUYER and
    APPROVER, within limit) raises it back into approval and is refused as its
    approver, in the check and in what the API offers; another approver decides."""
    shop = await Shop(api).setup()
    await one_approval(shop)
    po = await shop.order("50")
    await ok(shop, PO_SUBMIT, {"id": po["id"]})
    await ok(shop, PO_APPROVE, {"id": po["id"]}, "approver")
    sent = await ok(shop, PO_SEND, {"id": po["id"]})
    raised = await ok(shop, PO_CHANGE, change(sent, "60"), "buyer_approver")
    assert (raised["status"], raised["approvalRound"]) == ("PENDING_APPROVAL", 2)
    changer = shop.buyer.users["buyer_approver"].user_id
    assert (await state(api, po["id"]))[3] == [changer]

    own = await shop.act(PO_APPROVE, {"id": po["id"]}, "buyer_approver")
    assert codes(own) == [("id", "FORBIDDEN")] and own["purchaseOrder"] is None
    own = await shop.act(PO_REJECT, {"id": po["id"], "reason": "no"}, "buyer_approver")
    assert codes(own) == [("id", "FORBIDDEN")]
    offered = await api.gql(ACTIONS, {"id": po["id"]}, shop.token("buyer_approver"))
    assert offered["purchaseOrder"]["availableActions"] == ["CHANGE", "CANCEL"]
    awaiting = await api.gql(AWAITING, None, shop.token("buyer_approver"))
    assert awaiting["purchaseOrdersAwaitingMyApproval"]["totalCount"] == 0
    assert (await state(api, po["id"]))[:3] == ("PENDING_APPROVAL", raised["version"], 2)

    approved = await ok(shop, PO_APPROVE, {"id": po["id"]}, "approver")
    assert approved["status"] == "APPROVED"
    assert [(a["round"], a["approver"]["email"]) for a in approved["approvals"]] == [
        (1, shop.buyer.users["approver"].email),
        (2, shop.buyer.users["approver"].email),
    ]


async def test_whoever_changes_a_pending_order_cannot_approve_it(api: Api) -> None:
    """A change while approval is pending starts a new round; the changer asked for it."""
    shop = await Shop(api).setup()
    await one_approval(shop)
    po = await shop.order("50")
    pending = await ok(shop, PO_SUBMIT, {"id": po["id"]})
    changed = await ok(shop, PO_CHANGE, change(pending, "40"), "buyer_approver")
    assert changed["status"] == "PENDING_APPROVAL"
    own = await shop.act(PO_APPROVE, {"id": po["id"]}, "buyer_approver")
    assert codes(own) == [("id", "FORBIDDEN")]
    assert (await ok(shop, PO_APPROVE, {"id": po["id"]}, "approver"))["status"] == "APPROVED"


async def test_an_api_key_submission_records_the_key_and_bars_its_creator(api: Api) -> None:
    """The admin who created the ERP's key is also an approver: what the key submits,
    the admin may not approve; the order records the key and the admin as requester."""
    shop = await Shop(api).setup()
    await one_approval(shop)
    admin = shop.buyer.users["admin"]
    async with api.db.transaction() as s:
        await s.execute(
            text(
                "UPDATE app_user SET roles = ARRAY['ORG_ADMIN', 'APPROVER'], "
                "approval_limit = 10000 WHERE id = :id"
            ),
            {"id": admin.user_id},
        )
    key = await api.mutate(API_KEY_CREATE, {"name": "ERP", "roles": ["BUYER"]}, admin.token)
    assert key["errors"] == []
    po = await shop.order("50")
    pending = await ok(shop, PO_SUBMIT, {"id": po["id"]}, token=key["secret"])
    assert pending["status"] == "PENDING_APPROVAL"
    assert (await state(api, po["id"]))[3:] == ([admin.user_id], None, db_id(key["apiKey"]["id"]))

    refused = await shop.act(PO_APPROVE, {"id": po["id"]}, "admin")
    assert codes(refused) == [("id", "FORBIDDEN")]
    offered = await api.gql(ACTIONS, {"id": po["id"]}, admin.token)
    assert "APPROVE" not in offered["purchaseOrder"]["availableActions"]
    assert (await state(api, po["id"]))[:2] == ("PENDING_APPROVAL", pending["version"])
    assert (await ok(shop, PO_APPROVE, {"id": po["id"]}, "approver"))["status"] == "APPROVED"


# ------------------------------------------------------------------ change re-checks


async def test_a_change_of_a_listing_order_meets_moq_and_tiers(api: Api) -> None:
    """Listing: 10.00 EUR, 9.00 from 100, MOQ 10.  Below the MOQ is BELOW_MOQ and changes
    nothing; reaching the tier prices the line at 9.00; falling back prices it at 10.00."""
    shop = await Shop(api).setup()
    po = await shop.order("50")
    below = await shop.act(PO_CHANGE, change(po, "5"))
    assert codes(below) == [("lines[0].quantity", "BELOW_MOQ")]
    after = (await api.gql(PO_QUERY, {"id": po["id"]}, shop.token("buyer")))["purchaseOrder"]
    assert (after["version"], after["lines"][0]["quantity"]) == (po["version"], "50.0000")

    tier = await ok(shop, PO_CHANGE, change(po, "120"))
    line = tier["lines"][0]
    assert (line["unitPrice"]["amount"], line["lineTotal"]["amount"]) == ("9.000000", "1080.00")
    assert tier["total"]["amount"] == "1080.00"
    back = await ok(shop, PO_CHANGE, change(tier, "60"))
    assert back["lines"][0]["unitPrice"]["amount"] == "10.000000"
    assert back["total"]["amount"] == "600.00"
    (stored,) = await rows(
        api.db,
        "SELECT unit_price, line_total FROM purchase_order_line WHERE id = :id",
        id=db_id(line["id"]),
    )
    assert stored == (Decimal("10.000000"), Decimal("600.000000"))


async def awarded_order(api: Api) -> tuple[Market, dict[str, Any]]:
    """An order awarded from a quote line offering 1000 at 2.00 (MOQ 200, 1.50 from
    500), 300 of them awarded."""
    from tests.test_comparison_api import award

    m = await Market(api).setup()
    rfq = await m.rfq()
    quote = await m.quote(
        rfq,
        lines=[
            {
                "rfqLineId": rfq["lines"][0]["id"],
                "unitPrice": "2.00",
                "quantity": "1000",
                "moq": "200",
                "priceBreaks": [{"minQuantity": "500", "unitPrice": "1.50"}],
            }
        ],
    )
    assert (await api.mutate(RFQ_CLOSE, {"id": rfq["id"]}, m.buyer_token))["errors"] == []
    p = await award(
        api,
        m.buyer_token,
        rfqId=rfq["id"],
        allocations=[{"quoteLineId": quote["lines"][0]["id"], "quantity": "300"}],
    )
    assert p["errors"] == [], p["errors"]
    (po,) = p["purchaseOrders"]
    full = await api.gql(PO_QUERY, {"id": po["id"]}, m.buyer_token)
    return m, full["purchaseOrder"]


async def test_a_change_of_an_awarded_order_meets_the_quote(api: Api) -> None:
    m, po = await awarded_order(api)
    assert po["lines"][0]["unitPrice"]["amount"] == "2.000000"

    async def act(quantity: str, version: int) -> dict[str, Any]:
        return await api.mutate(
            PO_CHANGE, change({**po, "version": version}, quantity), m.buyer_token
        )

    assert codes(await act("100", po["version"])) == [("lines[0].quantity", "BELOW_MOQ")]
    assert codes(await act("1200", po["version"])) == [("lines[0].quantity", "ALLOCATION_INVALID")]
    unchanged = (await api.gql(PO_QUERY, {"id": po["id"]}, m.buyer_token))["purchaseOrder"]
    assert (unchanged["version"], unchanged["total"]) == (po["version"], po["total"])

    p = await act("600", po["version"])
    assert p["errors"] == [], p["errors"]
    line = p["purchaseOrder"]["lines"][0]
    assert (line["unitPrice"]["amount"], line["lineTotal"]["amount"]) == ("1.500000", "900.00")
    # shipping 150.00 of the quote on top
    assert p["purchaseOrder"]["total"]["amount"] == "1050.00"
