"""From a catalog order to a closed order through the API, and the approval policy."""

from __future__ import annotations

from tests.helpers import Api
from tests.ordering_docs import (
    INVOICE,
    PO_ACK,
    PO_APPROVE,
    PO_QUERY,
    PO_SEND,
    PO_SUBMIT,
    POLICY_SET,
    RECEIVE,
    SHIP,
    Shop,
)


async def test_catalog_order_to_closed(api: Api) -> None:
    shop = await Shop(api).setup()
    po = await shop.order("120")
    assert po["status"] == "DRAFT" and po["source"] == "CATALOG"
    assert po["lines"][0]["unitPrice"] == {"amount": "9.000000"}  # tier from 100
    assert po["total"] == {"amount": "1080.00", "currency": "EUR"}
    assert po["availableActions"] == ["SUBMIT", "CHANGE", "CANCEL"]
    p = await shop.act(PO_SUBMIT, {"id": po["id"], "expectedVersion": 1})
    assert p["purchaseOrder"]["status"] == "APPROVED"  # no policy: no approval needed
    p = await shop.act(PO_SEND, {"id": po["id"]})
    assert p["purchaseOrder"]["status"] == "SENT"
    p = await shop.act(PO_ACK, {"id": po["id"], "deliveryDate": "2099-01-31"}, token=shop.sales)
    assert p["purchaseOrder"]["status"] == "ACKNOWLEDGED"
    assert p["purchaseOrder"]["availableActions"] == ["SHIP"]
    line = po["lines"][0]["id"]
    p = await shop.act(
        SHIP,
        {
            "purchaseOrderId": po["id"],
            "carrier": "DHL",
            "trackingNumber": "JD0001",
            "lines": [{"lineId": line, "quantity": "120"}],
        },
        token=shop.sales,
    )
    assert p["errors"] == [] and p["purchaseOrder"]["status"] == "IN_FULFILMENT"
    p = await shop.act(
        RECEIVE, {"purchaseOrderId": po["id"], "lines": [{"lineId": line, "accepted": "120"}]}
    )
    assert p["errors"] == [] and p["purchaseOrder"]["status"] == "RECEIVED"
    p = await shop.act(
        INVOICE,
        {
            "purchaseOrderId": po["id"],
            "number": "INV-1",
            "tax": "205.20",
            "lines": [{"lineId": line, "quantity": "120", "unitPrice": "9.00"}],
        },
        token=shop.sales,
    )
    assert p["errors"] == []
    assert p["invoice"]["status"] == "MATCHED" and p["invoice"]["total"]["amount"] == "1285.20"
    assert p["purchaseOrder"]["status"] == "CLOSED"
    final = (await api.gql(PO_QUERY, {"id": po["id"]}, shop.token("buyer")))["purchaseOrder"]
    assert final["lines"][0]["invoicedQuantity"] == "120.0000"
    assert final["availableActions"] == ["REQUEST_RETURN"]


async def test_approval_bands_limits_and_self_approval(api: Api) -> None:
    shop = await Shop(api).setup()
    p = await api.mutate(
        POLICY_SET,
        {
            "bands": [
                {"upTo": "500", "approvalsRequired": 0},
                {"upTo": "5000", "approvalsRequired": 2},
                {"upTo": None, "approvalsRequired": 3},
            ]
        },
        shop.token("admin"),
    )
    assert p["errors"] == []
    small = await shop.order("20")  # 200 EUR
    assert (await shop.act(PO_SUBMIT, {"id": small["id"]}))["purchaseOrder"]["status"] == "APPROVED"
    big = await shop.order("120", externalReference="ERP-1")  # 1080 EUR: two approvals
    sub = await shop.act(PO_SUBMIT, {"id": big["id"]}, "buyer_approver")
    assert sub["purchaseOrder"]["status"] == "PENDING_APPROVAL"
    assert sub["purchaseOrder"]["approvalsRequired"] == 2
    own = await shop.act(PO_APPROVE, {"id": big["id"]}, "buyer_approver")
    assert own["errors"][0]["code"] == "FORBIDDEN"
    first = await shop.act(PO_APPROVE, {"id": big["id"], "comment": "ok"}, "approver")
    assert first["purchaseOrder"]["status"] == "PENDING_APPROVAL"
    twice = await shop.act(PO_APPROVE, {"id": big["id"]}, "approver")
    assert twice["errors"][0]["code"] == "DUPLICATE"
    second = await shop.act(PO_APPROVE, {"id": big["id"]}, "approver2")
    assert second["purchaseOrder"]["status"] == "APPROVED"
    assert second["purchaseOrder"]["approvedTotal"] == {"amount": "1080.00"}
    assert [a["approver"]["email"] for a in second["purchaseOrder"]["approvals"]] == [
        shop.buyer.users["approver"].email,
        shop.buyer.users["approver2"].email,
    ]


async def test_awarded_order_gets_an_external_reference_by_change(api: Api) -> None:
    """ERP systems tag orders they did not create (awards) with their own key."""
    from tests.ordering_docs import PO_CHANGE

    shop = await Shop(api).setup()
    first = await shop.order("20")
    second = await shop.order("20")
    p = await shop.act(
        PO_CHANGE, {"id": first["id"], "expectedVersion": 1, "externalReference": "SAP-4500001"}
    )
    assert p["errors"] == [] and p["purchaseOrder"]["externalReference"] == "SAP-4500001"
    dup = await shop.act(
        PO_CHANGE, {"id": second["id"], "expectedVersion": 1, "externalReference": "SAP-4500001"}
    )
    assert dup["errors"][0]["code"] == "DUPLICATE"
    found = await api.gql(
        '{ purchaseOrder(externalReference: "SAP-4500001") { number } }', token=shop.token("buyer")
    )
    assert found["purchaseOrder"]["number"] == first["number"]
