"""GraphQL documents and a builder shared by the purchase order tests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from procurement.catalog.models import Listing
from tests.helpers import Api, Org

PO_FIELDS = """
  id number status version currency source approvalsRequired approvalRound statusReason
  subtotal { amount currency } total { amount currency } approvedTotal { amount }
  confirmedDeliveryDate needBy availableActions externalReference
  supplier { name } buyer { name }
  lines { id position description quantity unitPrice { amount } lineTotal { amount }
          shippedQuantity acceptedQuantity rejectedQuantity invoicedQuantity returnedQuantity }
  approvals { round decision comment approver { email } }
  revisions { version before after changedBy { email } }
  shipments { id carrier trackingNumber lines { lineId quantity } }
  receipts { id lines { lineId accepted rejected } }
  invoices { id number status total { amount } exceptions { code lineId message } }
  returns { id status reason creditAmount { amount } lines { lineId quantity } }
"""

PO_CREATE = f"""
mutation Create($input: PurchaseOrderCreateInput!) {{
  purchaseOrderCreate(input: $input) {{ purchaseOrders {{ {PO_FIELDS} }}
    errors {{ field code message }} }}
}}
"""


def po_mutation(name: str, input_type: str) -> str:
    return f"""
mutation M($input: {input_type}!) {{
  {name}(input: $input) {{ purchaseOrder {{ {PO_FIELDS} }} errors {{ field code message }} }}
}}
"""


PO_SUBMIT = po_mutation("purchaseOrderSubmit", "PurchaseOrderActionInput")
PO_APPROVE = po_mutation("purchaseOrderApprove", "PurchaseOrderApproveInput")
PO_REJECT = po_mutation("purchaseOrderReject", "PurchaseOrderReasonInput")
PO_SEND = po_mutation("purchaseOrderSend", "PurchaseOrderActionInput")
PO_ACK = po_mutation("purchaseOrderAcknowledge", "PurchaseOrderAcknowledgeInput")
PO_DECLINE = po_mutation("purchaseOrderDecline", "PurchaseOrderReasonInput")
PO_CANCEL = po_mutation("purchaseOrderCancel", "PurchaseOrderReasonInput")
PO_CHANGE = po_mutation("purchaseOrderChange", "PurchaseOrderChangeInput")


def child_mutation(name: str, input_type: str, field: str, fields: str) -> str:
    return f"""
mutation M($input: {input_type}!) {{
  {name}(input: $input) {{ {field} {{ {fields} }} purchaseOrder {{ {PO_FIELDS} }}
    errors {{ field code message }} }}
}}
"""


SHIP = child_mutation("shipmentCreate", "ShipmentCreateInput", "shipment", "id carrier")
RECEIVE = child_mutation("goodsReceiptCreate", "GoodsReceiptCreateInput", "receipt", "id")
INVOICE = child_mutation(
    "invoiceSubmit",
    "InvoiceSubmitInput",
    "invoice",
    "id status exceptions { code message } total { amount }",
)
INVOICE_ACCEPT = child_mutation("invoiceAccept", "InvoiceDecisionInput", "invoice", "id status")
INVOICE_DISPUTE = child_mutation("invoiceDispute", "InvoiceDisputeInput", "invoice", "id status")
RETURN_CREATE = child_mutation(
    "returnRequestCreate", "ReturnRequestCreateInput", "returnRequest", "id status"
)
RETURN_APPROVE = child_mutation(
    "returnRequestApprove", "ReturnDecisionInput", "returnRequest", "id status"
)
RETURN_REJECT = child_mutation(
    "returnRequestReject", "ReturnDecisionInput", "returnRequest", "id status"
)
RETURN_RECEIVE = child_mutation(
    "returnReceive", "ReturnReceiveInput", "returnRequest", "id status creditAmount { amount }"
)

POLICY_SET = """
mutation P($input: ApprovalPolicySetInput!) {
  approvalPolicySet(input: $input) { bands { upTo approvalsRequired } errors { field code } }
}
"""

PO_QUERY = f"""
query Q($id: ID!) {{ purchaseOrder(id: $id) {{ {PO_FIELDS} }} }}
"""

ADDRESS = {"line1": "Hafenstrasse 1", "city": "Hamburg", "postalCode": "20457", "country": "DE"}


class Shop:
    """A buyer (admin, two buyers, approvers with limits, viewer) and a verified supplier
    with a listing: 10.00 EUR, 9.00 from 100, MOQ 10."""

    def __init__(self, api: Api) -> None:
        self.api = api

    async def setup(self) -> Shop:
        api = self.api
        self.buyer: Org = await api.org(
            "Northwind",
            buyer=True,
            currency="EUR",
            users={
                "admin": ["ORG_ADMIN"],
                "buyer": ["BUYER"],
                "buyer2": ["BUYER"],
                "approver": ["APPROVER"],
                "approver2": ["APPROVER"],
                "viewer": ["VIEWER"],
                "buyer_approver": ["BUYER", "APPROVER"],
            },
        )
        self.supplier: Org = await api.org(
            "Bolt Supplier", supplier=True, users={"sales": ["SUPPLIER_SALES"]}
        )
        self.other_supplier: Org = await api.org(
            "Other Supplier", supplier=True, users={"sales": ["SUPPLIER_SALES"]}
        )
        self.other_buyer: Org = await api.org("Other Buyer", buyer=True, users={"buyer": ["BUYER"]})
        async with api.db.transaction() as s:
            listing = Listing(
                supplier_org_id=self.supplier.id,
                title="M8 bolt",
                unit="EA",
                currency="EUR",
                unit_price=Decimal("10.00"),
                moq=Decimal(10),
                tiers=[{"min_quantity": "100", "unit_price": "9.00"}],
                lead_time_days=7,
                stock_status="IN_STOCK",
                status="ACTIVE",
            )
            s.add(listing)
            await s.flush()
            self.listing_id = listing.id or 0
        return self

    def token(self, label: str) -> str:
        return self.buyer.users[label].token

    @property
    def sales(self) -> str:
        return self.supplier.users["sales"].token

    async def order(self, quantity: str = "50", **over: Any) -> dict[str, Any]:
        from graphql_schema.ids import to_global_id

        payload = await self.api.mutate(
            PO_CREATE,
            {
                "lines": [
                    {"listingId": to_global_id("Listing", self.listing_id), "quantity": quantity}
                ],
                "deliveryAddress": ADDRESS,
                **over,
            },
            self.token("buyer"),
        )
        assert payload["errors"] == [], payload["errors"]
        return payload["purchaseOrders"][0]  # type: ignore[no-any-return]

    async def act(
        self, doc: str, input: dict[str, Any], label: str = "buyer", token: str | None = None
    ) -> dict[str, Any]:
        return await self.api.mutate(doc, input, token or self.token(label))

    async def acknowledged(self, quantity: str = "50") -> dict[str, Any]:
        po = await self.order(quantity)
        p = await self.act(PO_SUBMIT, {"id": po["id"]})
        assert p["purchaseOrder"]["status"] == "APPROVED", p
        await self.act(PO_SEND, {"id": po["id"]})
        p = await self.act(PO_ACK, {"id": po["id"]}, token=self.sales)
        assert p["errors"] == [], p
        return p["purchaseOrder"]  # type: ignore[no-any-return]
