"""The ordering world of the access matrix: an order in every state a row acts on."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from graphql_schema.ids import to_global_id
from procurement.parties.credentials import hash_password
from procurement.parties.models import User
from tests.access_matrix.harness import World
from tests.helpers import PASSWORD, Api, Org
from tests.ordering_docs import (
    ADDRESS,
    INVOICE,
    PO_CREATE,
    PO_SEND,
    POLICY_SET,
    RECEIVE,
    RETURN_APPROVE,
    RETURN_CREATE,
    SHIP,
    Shop,
)

MISSING_ID = 10**9
#: orders above 400 EUR need one approval; this world's small ones need none
POLICY = [{"upTo": "400", "approvalsRequired": 0}, {"upTo": None, "approvalsRequired": 1}]


async def add_user(api: Api, org: Org, label: str, roles: list[str]) -> str:
    """A user with ``roles`` in an existing organisation; its access token."""
    email = f"{label}.{org.id}@extra.example"
    async with api.db.transaction() as s:
        user = User(
            organization_id=org.id,
            email=email,
            email_normalized=email,
            full_name=label.title(),
            password_hash=await hash_password(PASSWORD),
            roles=roles,
            approval_limit=Decimal("10000") if "APPROVER" in roles else None,
        )
        s.add(user)
        await s.flush()
    return api.token_for(user)


API_KEY_CREATE = """
mutation K($input: ApiKeyCreateInput!) {
  apiKeyCreate(input: $input) { secret errors { field code message } }
}"""


async def api_key(api: Api, admin_token: str, roles: list[str]) -> str:
    """The secret of a new API key (an ERP system) of the admin's organisation."""
    made = await api.mutate(API_KEY_CREATE, {"name": "ERP", "roles": roles}, admin_token)
    assert made["errors"] == [], made
    return str(made["secret"])


async def _ok(shop: Shop, doc: str, input: dict[str, Any], token: str) -> dict[str, Any]:
    payload = await shop.act(doc, input, token=token)
    assert payload["errors"] == [], payload["errors"]
    return payload


async def build_world(api: Api) -> World:
    """Northwind (``buyer.*``, ``buyer.key`` an ERP key with BUYER) orders from ``sup``
    (``sup.sales``, ``sup.viewer``, ``sup.key`` with SUPPLIER_SALES);
    ``rival`` (another supplier) and ``other`` (another buyer) are outsiders.

    Orders (50 x 10.00 EUR unless said): ``po.draft``, ``po.pending`` (and
    ``po.pending.own``, requested by ``buyer.buyer_approver``), ``po.approved``
    (30), ``po.sent``, ``po.ack``, ``po.shipped`` (shipped, nothing received;
    ``inv.review`` holds an invoice for 50 for review), ``po.received`` (all accepted;
    returns ``ret.requested`` and ``ret.approved`` of 5 each).
    """
    shop = await Shop(api).setup()
    platform = await api.platform_admin()
    sup_viewer = await add_user(api, shop.supplier, "viewer", ["VIEWER"])
    other_admin = await add_user(api, shop.other_buyer, "admin", ["ORG_ADMIN"])
    sup_admin = await add_user(api, shop.supplier, "admin", ["ORG_ADMIN"])
    policy = await api.mutate(POLICY_SET, {"bands": POLICY}, shop.token("admin"))
    assert policy["errors"] == [], policy
    buyer, sales = shop.token("buyer"), shop.sales

    draft = await shop.order()
    pending = await shop.order()
    await _ok(shop, PO_SUBMIT_DOC, {"id": pending["id"]}, buyer)
    own = await api.mutate(
        PO_CREATE,
        {
            "lines": [{"listingId": to_global_id("Listing", shop.listing_id), "quantity": "50"}],
            "deliveryAddress": ADDRESS,
        },
        shop.token("buyer_approver"),
    )
    assert own["errors"] == [], own
    own_pending = own["purchaseOrders"][0]
    await _ok(shop, PO_SUBMIT_DOC, {"id": own_pending["id"]}, shop.token("buyer_approver"))
    approved = await shop.order("30")
    await _ok(shop, PO_SUBMIT_DOC, {"id": approved["id"]}, buyer)
    sent = await shop.order("30", externalReference="ERP-PO-1")
    await _ok(shop, PO_SUBMIT_DOC, {"id": sent["id"]}, buyer)
    await _ok(shop, PO_SEND, {"id": sent["id"]}, buyer)
    ack = await shop.acknowledged("30")
    shipped = await shop.acknowledged("30")
    line = shipped["lines"][0]["id"]
    await _ok(
        shop,
        SHIP,
        {
            "purchaseOrderId": shipped["id"],
            "carrier": "DHL",
            "lines": [{"lineId": line, "quantity": "30"}],
        },
        sales,
    )
    review = await _ok(
        shop,
        INVOICE,
        {
            "purchaseOrderId": shipped["id"],
            "number": "INV-REVIEW",
            "lines": [{"lineId": line, "quantity": "30", "unitPrice": "10.00"}],
        },
        sales,
    )
    assert review["invoice"]["status"] == "NEEDS_REVIEW"
    received = await shop.acknowledged("30")
    rline = received["lines"][0]["id"]
    await _ok(
        shop,
        SHIP,
        {
            "purchaseOrderId": received["id"],
            "carrier": "DHL",
            "lines": [{"lineId": rline, "quantity": "30"}],
        },
        sales,
    )
    await _ok(
        shop,
        RECEIVE,
        {
            "purchaseOrderId": received["id"],
            "lines": [{"lineId": rline, "accepted": "30", "rejected": "0"}],
        },
        buyer,
    )
    returns = []
    for _ in range(2):
        made = await _ok(
            shop,
            RETURN_CREATE,
            {
                "purchaseOrderId": received["id"],
                "reason": "Threads damaged",
                "lines": [{"lineId": rline, "quantity": "5"}],
            },
            buyer,
        )
        returns.append(made["returnRequest"]["id"])
    await _ok(shop, RETURN_APPROVE, {"id": returns[1]}, sales)

    tokens: dict[str, str | None] = {
        "anonymous": None,
        "platform.admin": platform.token,
        "sup.sales": sales,
        "sup.viewer": sup_viewer,
        "rival.sales": shop.other_supplier.users["sales"].token,
        "other.buyer": shop.other_buyer.users["buyer"].token,
        "other.admin": other_admin,
        "buyer.key": await api_key(api, shop.token("admin"), ["BUYER"]),
        "sup.key": await api_key(api, sup_admin, ["SUPPLIER_SALES"]),
    }
    for label, actor in shop.buyer.users.items():
        tokens[f"buyer.{label}"] = actor.token
    orders = {
        "po.draft": draft,
        "po.pending": pending,
        "po.pending.own": own_pending,
        "po.approved": approved,
        "po.sent": sent,
        "po.ack": ack,
        "po.shipped": shipped,
        "po.received": received,
    }
    gids = {key: po["id"] for key, po in orders.items()}
    gids |= {
        "listing": to_global_id("Listing", shop.listing_id),
        "inv.review": review["invoice"]["id"],
        "ret.requested": returns[0],
        "ret.approved": returns[1],
        "missing.po": to_global_id("PurchaseOrder", MISSING_ID),
        "missing.listing": to_global_id("Listing", MISSING_ID),
        "missing.invoice": to_global_id("Invoice", MISSING_ID),
        "missing.return": to_global_id("ReturnRequest", MISSING_ID),
    }
    lines = {key: po["lines"][0]["id"] for key, po in orders.items()}
    versions = {key: po["version"] for key, po in orders.items()}
    return World(tokens=tokens, gids=gids, data={"lines": lines, "versions": versions})


PO_SUBMIT_DOC = """
mutation M($input: PurchaseOrderActionInput!) {
  purchaseOrderSubmit(input: $input) { purchaseOrder { id status } errors { field code message } }
}"""
