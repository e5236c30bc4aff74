"""The purchase order lifecycle through the API, driven by the state table itself.

``procurement.ordering.states.TRANSITIONS`` is the single source of truth for what may
happen to an order; the first test walks every (state, action) pair of it through the
real mutations, so a state the service reaches but the table forbids (or the other way
round) shows up as a failing case named after the pair.  The rest pins the approval
policy, change orders and the order queries to exact values.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from graphql_schema.ids import to_global_id
from procurement.catalog.models import Listing
from procurement.money.models import FxRate
from procurement.ordering.models import PoStatus
from procurement.ordering.states import TRANSITIONS
from tests.helpers import Api
from tests.ordering_docs import (
    INVOICE,
    PO_ACK,
    PO_APPROVE,
    PO_CANCEL,
    PO_CHANGE,
    PO_CREATE,
    PO_DECLINE,
    PO_QUERY,
    PO_REJECT,
    PO_SEND,
    PO_SUBMIT,
    POLICY_SET,
    RECEIVE,
    RETURN_CREATE,
    SHIP,
    Shop,
)

PurchaseOrder = dict[str, Any]

API_KEY_CREATE = """
mutation K($input: ApiKeyCreateInput!) {
  apiKeyCreate(input: $input) { apiKey { id roles } secret errors { field code message } }
}
"""

ORDERS = """
query L($filter: PurchaseOrderFilter, $sortBy: PurchaseOrderSort) {
  purchaseOrders(filter: $filter, sortBy: $sortBy) {
    totalCount nodes { id number status createdAt externalReference }
  }
}
"""

AWAITING = """
query A { purchaseOrdersAwaitingMyApproval { totalCount nodes { id } } }
"""

BY_REFERENCE = """
query R($ref: String!) { purchaseOrder(externalReference: $ref) { id externalReference } }
"""

ACTIONS_ONLY = """
query Q($id: ID!) { purchaseOrder(id: $id) { status version availableActions } }
"""

ONE_APPROVAL = [{"upTo": None, "approvalsRequired": 1}]


# --------------------------------------------------------------------------- helpers


async def fetch(shop: Shop, po_id: str, label: str = "buyer") -> PurchaseOrder:
    """The order as the buying side sees it now (fresh read, not a mutation payload)."""
    data = await shop.api.gql(PO_QUERY, {"id": po_id}, shop.token(label))
    po: PurchaseOrder = data["purchaseOrder"]
    return po


async def ok(shop: Shop, doc: str, input: dict[str, Any], label: str = "buyer", **kw: Any) -> Any:
    """A mutation that must succeed; its order."""
    p = await shop.act(doc, input, label, **kw)
    assert p["errors"] == [], p["errors"]
    return p["purchaseOrder"]


def band(up_to: str | None, approvals: int) -> dict[str, Any]:
    return {"upTo": up_to, "approvalsRequired": approvals}


async def set_policy(shop: Shop, bands: list[dict[str, Any]]) -> None:
    p = await shop.api.mutate(POLICY_SET, {"bands": bands}, shop.token("admin"))
    assert p["errors"] == [], p["errors"]


def line_of(po: PurchaseOrder) -> str:
    line: str = po["lines"][0]["id"]
    return line


async def ship(shop: Shop, po: PurchaseOrder, quantity: str) -> PurchaseOrder:
    return await ok(
        shop,
        SHIP,
        {"purchaseOrderId": po["id"], "lines": [{"lineId": line_of(po), "quantity": quantity}]},
        token=shop.sales,
    )


async def receive(shop: Shop, po: PurchaseOrder, accepted: str) -> PurchaseOrder:
    return await ok(
        shop,
        RECEIVE,
        {"purchaseOrderId": po["id"], "lines": [{"lineId": line_of(po), "accepted": accepted}]},
    )


# Each builder starts from a fresh 50-unit DRAFT order (500.00 EUR) and drives it through
# the API only, so the states are the ones a real client would produce.


async def to_draft(shop: Shop) -> PurchaseOrder:
    return await shop.order("50")


async def to_pending_approval(shop: Shop) -> PurchaseOrder:
    await set_policy(shop, ONE_APPROVAL)
    po = await shop.order("50")
    return await ok(shop, PO_SUBMIT, {"id": po["id"]})


async def to_approved(shop: Shop) -> PurchaseOrder:
    po = await shop.order("50")
    return await ok(shop, PO_SUBMIT, {"id": po["id"]})


async def to_sent(shop: Shop) -> PurchaseOrder:
    po = await to_approved(shop)
    return await ok(shop, PO_SEND, {"id": po["id"]})


async def to_acknowledged(shop: Shop) -> PurchaseOrder:
    po = await to_sent(shop)
    return await ok(shop, PO_ACK, {"id": po["id"]}, token=shop.sales)


async def to_declined(shop: Shop) -> PurchaseOrder:
    po = await to_sent(shop)
    return await ok(shop, PO_DECLINE, {"id": po["id"], "reason": "Out of stock"}, token=shop.sales)


async def to_in_fulfilment(shop: Shop) -> PurchaseOrder:
    """20 of 50 shipped and 10 accepted: every fulfilment action has something to act on."""
    po = await to_acknowledged(shop)
    await ship(shop, po, "20")
    return await receive(shop, po, "10")


async def to_received(shop: Shop) -> PurchaseOrder:
    po = await to_acknowledged(shop)
    await ship(shop, po, "50")
    return await receive(shop, po, "50")


async def to_closed(shop: Shop) -> PurchaseOrder:
    po = await to_received(shop)
    p = await shop.act(
        INVOICE,
        {
            "purchaseOrderId": po["id"],
            "number": "INV-CLOSE",
            "lines": [{"lineId": line_of(po), "quantity": "50", "unitPrice": "10.00"}],
        },
        token=shop.sales,
    )
    assert p["errors"] == [], p["errors"]
    return p["purchaseOrder"]  # type: ignore[no-any-return]


async def to_cancelled(shop: Shop) -> PurchaseOrder:
    po = await shop.order("50")
    return await ok(shop, PO_CANCEL, {"id": po["id"], "reason": "Not needed"})


BUILDERS: dict[PoStatus, Callable[[Shop], Awaitable[PurchaseOrder]]] = {
    PoStatus.DRAFT: to_draft,
    PoStatus.PENDING_APPROVAL: to_pending_approval,
    PoStatus.APPROVED: to_approved,
    PoStatus.SENT: to_sent,
    PoStatus.ACKNOWLEDGED: to_acknowledged,
    PoStatus.DECLINED: to_declined,
    PoStatus.IN_FULFILMENT: to_in_fulfilment,
    PoStatus.RECEIVED: to_received,
    PoStatus.CLOSED: to_closed,
    PoStatus.CANCELLED: to_cancelled,
}


# One mutation per action that takes an order id, with an input valid in every state the
# table allows the action in (RESOLVE_INVOICE and DECIDE_RETURN act on an invoice or a
# return, not an order, and are covered by the fulfilment tests).
Input = Callable[[PurchaseOrder], dict[str, Any]]


def _id(po: PurchaseOrder) -> dict[str, Any]:
    return {"id": po["id"]}


MUTATIONS: dict[str, tuple[str, str, Input]] = {
    # action: (document, who: buyer-org label or "sales", input)
    "SUBMIT": (PO_SUBMIT, "buyer", _id),
    "APPROVE": (PO_APPROVE, "approver", _id),
    "REJECT": (PO_REJECT, "approver", lambda po: {"id": po["id"], "reason": "Too dear"}),
    "SEND": (PO_SEND, "buyer", _id),
    "ACKNOWLEDGE": (PO_ACK, "sales", _id),
    "DECLINE": (PO_DECLINE, "sales", lambda po: {"id": po["id"], "reason": "No stock"}),
    "CHANGE": (
        PO_CHANGE,
        "buyer",
        lambda po: {
            "id": po["id"],
            "expectedVersion": po["version"],
            "lines": [{"lineId": line_of(po), "quantity": "40"}],
        },
    ),
    "CANCEL": (PO_CANCEL, "buyer", lambda po: {"id": po["id"], "reason": "Not needed"}),
    "SHIP": (
        SHIP,
        "sales",
        lambda po: {
            "purchaseOrderId": po["id"],
            "lines": [{"lineId": line_of(po), "quantity": "10"}],
        },
    ),
    "RECEIVE": (
        RECEIVE,
        "buyer",
        lambda po: {
            "purchaseOrderId": po["id"],
            "lines": [{"lineId": line_of(po), "accepted": "5"}],
        },
    ),
    "INVOICE": (
        INVOICE,
        "sales",
        lambda po: {
            "purchaseOrderId": po["id"],
            "number": "INV-T",
            "lines": [
                {
                    "lineId": line_of(po),
                    "quantity": po["lines"][0]["acceptedQuantity"],
                    "unitPrice": "10.00",
                }
            ],
        },
    ),
    "REQUEST_RETURN": (
        RETURN_CREATE,
        "buyer",
        lambda po: {
            "purchaseOrderId": po["id"],
            "reason": "Damaged",
            "lines": [{"lineId": line_of(po), "quantity": "1"}],
        },
    ),
}

PAIRS = [(state, action) for state in BUILDERS for action in MUTATIONS]

#: states the builders reach without sending the order: the supplier does not see it
NEVER_SENT = frozenset(
    {PoStatus.DRAFT, PoStatus.PENDING_APPROVAL, PoStatus.APPROVED, PoStatus.CANCELLED}
)


async def attempt(shop: Shop, action: str, po: PurchaseOrder) -> dict[str, Any]:
    doc, who, make = MUTATIONS[action]
    if who == "sales":
        return await shop.act(doc, make(po), token=shop.sales)
    return await shop.act(doc, make(po), who)


# --------------------------------------------------------------------------- 1. the table


def test_the_matrix_covers_the_table() -> None:
    """Every order-level pair of the table is exercised, so a new edge cannot go untested."""
    tested = set(PAIRS)
    for state, action in TRANSITIONS:
        if action in MUTATIONS:
            assert (state, action) in tested
    assert set(BUILDERS) == set(PoStatus)


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s.value}-{a}" for s, a in PAIRS])
async def test_transition(api: Api, state: PoStatus, action: str) -> None:
    """Allowed pairs land in one of the table's targets; every other pair is refused with
    INVALID_TRANSITION and leaves the order exactly as it was (status and version)."""
    shop = await Shop(api).setup()
    po = await BUILDERS[state](shop)
    before = await fetch(shop, po["id"])
    assert before["status"] == state.value
    p = await attempt(shop, action, before)
    after = await fetch(shop, po["id"])
    allowed = TRANSITIONS.get((state, action))
    if allowed is None:
        # the supplier acting on an order it was never sent does not find it
        unseen = state in NEVER_SENT and MUTATIONS[action][1] == "sales"
        expected = "NOT_FOUND" if unseen else "INVALID_TRANSITION"
        assert [e["code"] for e in p["errors"]] == [expected], p["errors"]
        assert p["purchaseOrder"] is None
        assert (after["status"], after["version"]) == (state.value, before["version"])
    else:
        assert p["errors"] == [], p["errors"]
        assert after["status"] in {t.value for t in allowed}
        assert p["purchaseOrder"]["status"] == after["status"]
        assert after["version"] == before["version"] + 1


# --------------------------------------------------------------------------- 2. buttons


async def actions_for(shop: Shop, po_id: str, who: str) -> list[str] | None:
    token = shop.sales if who == "sales" else shop.token(who)
    data = await shop.api.gql(ACTIONS_ONLY, {"id": po_id}, token)
    order = data["purchaseOrder"]
    return None if order is None else order["availableActions"]


EXPECTED_ACTIONS: dict[PoStatus, dict[str, list[str] | None]] = {
    PoStatus.DRAFT: {
        "buyer": ["SUBMIT", "CHANGE", "CANCEL"],
        "approver": [],
        "viewer": [],
        "sales": None,  # not sent: the supplier does not see it
    },
    PoStatus.PENDING_APPROVAL: {
        "buyer": ["CHANGE", "CANCEL"],  # the submitter cannot approve (and is no approver)
        "approver": ["APPROVE", "REJECT"],
        "buyer_approver": ["APPROVE", "REJECT", "CHANGE", "CANCEL"],
        "viewer": [],
        "sales": None,
    },
    PoStatus.APPROVED: {
        "buyer": ["SEND", "CHANGE", "CANCEL"],
        "approver": [],
        "viewer": [],
        "sales": None,
    },
    PoStatus.SENT: {
        "buyer": ["CHANGE", "CANCEL"],
        "approver": [],
        "viewer": [],
        "sales": ["ACKNOWLEDGE", "DECLINE"],
    },
    PoStatus.ACKNOWLEDGED: {"buyer": ["CHANGE", "CANCEL"], "viewer": [], "sales": ["SHIP"]},
    PoStatus.IN_FULFILMENT: {
        "buyer": ["RECEIVE", "RESOLVE_INVOICE", "REQUEST_RETURN"],
        "viewer": [],
        "sales": ["SHIP", "INVOICE", "DECIDE_RETURN"],
    },
    PoStatus.RECEIVED: {
        "buyer": ["RESOLVE_INVOICE", "REQUEST_RETURN"],
        "sales": ["INVOICE", "DECIDE_RETURN"],
    },
    PoStatus.CLOSED: {"buyer": ["REQUEST_RETURN"], "sales": ["DECIDE_RETURN"]},
    PoStatus.DECLINED: {"buyer": [], "sales": []},
    PoStatus.CANCELLED: {"buyer": [], "sales": None},  # cancelled before it was sent
}


@pytest.mark.parametrize("state", list(EXPECTED_ACTIONS), ids=lambda s: s.value)
async def test_available_actions(api: Api, state: PoStatus) -> None:
    """``availableActions`` is what the table and the approval rules allow this viewer now:
    the client shows exactly the buttons that will work."""
    shop = await Shop(api).setup()
    po = await BUILDERS[state](shop)
    got = {who: await actions_for(shop, po["id"], who) for who in EXPECTED_ACTIONS[state]}
    assert got == EXPECTED_ACTIONS[state]
    other = await shop.api.gql(
        ACTIONS_ONLY, {"id": po["id"]}, shop.other_buyer.users["buyer"].token
    )
    assert other["purchaseOrder"] is None  # another buyer does not even see it


# --------------------------------------------------------------------------- 3. approvals


async def test_policy_is_for_org_admins_and_bands_must_ascend(api: Api) -> None:
    """Only an ORG_ADMIN sets the bands, and only a well-formed ladder is stored."""
    shop = await Shop(api).setup()
    p = await api.mutate(POLICY_SET, {"bands": ONE_APPROVAL}, shop.token("buyer"))
    assert p == {"bands": None, "errors": [{"field": None, "code": "FORBIDDEN"}]}
    p = await api.mutate(
        POLICY_SET,
        {
            "bands": [
                {"upTo": "5000", "approvalsRequired": 1},
                {"upTo": "500", "approvalsRequired": 2},
            ]
        },
        shop.token("admin"),
    )
    assert p == {"bands": None, "errors": [{"field": "bands[1].upTo", "code": "INVALID"}]}
    p = await api.mutate(
        POLICY_SET,
        {
            "bands": [
                {"upTo": None, "approvalsRequired": 1},
                {"upTo": "500", "approvalsRequired": 2},
            ]
        },
        shop.token("admin"),
    )
    assert p["errors"] == [{"field": "bands[0].upTo", "code": "INVALID"}]
    p = await api.mutate(
        POLICY_SET,
        {
            "bands": [
                {"upTo": "500", "approvalsRequired": 0},
                {"upTo": None, "approvalsRequired": 2},
            ]
        },
        shop.token("admin"),
    )
    assert p == {
        "bands": [
            {"upTo": "500.000000", "approvalsRequired": 0},
            {"upTo": None, "approvalsRequired": 2},
        ],
        "errors": [],
    }


async def test_approval_counts_per_band(api: Api) -> None:
    """The band of the order total decides how many approvals it needs."""
    shop = await Shop(api).setup()
    await set_policy(
        shop,
        [
            {"upTo": "200", "approvalsRequired": 0},
            {"upTo": "600", "approvalsRequired": 1},
            {"upTo": None, "approvalsRequired": 2},
        ],
    )
    got = []
    for qty in ("20", "60", "100"):  # 200.00 (band edge), 600.00 (band edge), 900.00 EUR
        po = await shop.order(qty)
        s = await ok(shop, PO_SUBMIT, {"id": po["id"]})
        got.append((s["total"]["amount"], s["status"], s["approvalsRequired"], s["approvalRound"]))
    assert got == [
        ("200.00", "APPROVED", 0, 1),
        ("600.00", "PENDING_APPROVAL", 1, 1),
        ("900.00", "PENDING_APPROVAL", 2, 1),
    ]


async def test_approver_limit_below_total(api: Api) -> None:
    """An approver whose limit (10000 EUR) is below the total may not approve, is not
    offered the button, and does not see the order among those awaiting them."""
    shop = await Shop(api).setup()
    await set_policy(shop, ONE_APPROVAL)
    small = await ok(shop, PO_SUBMIT, {"id": (await shop.order("50"))["id"]})
    big = await ok(shop, PO_SUBMIT, {"id": (await shop.order("1200"))["id"]})  # 10800.00 EUR
    assert big["total"]["amount"] == "10800.00"
    p = await shop.act(PO_APPROVE, {"id": big["id"]}, "approver")
    assert [e["code"] for e in p["errors"]] == ["FORBIDDEN"]
    assert "10000.00 EUR" in p["errors"][0]["message"]
    assert (await fetch(shop, big["id"]))["version"] == big["version"]
    assert await actions_for(shop, big["id"], "approver") == ["REJECT"]
    data = await api.gql(AWAITING, token=shop.token("approver"))
    assert data["purchaseOrdersAwaitingMyApproval"] == {
        "totalCount": 1,
        "nodes": [{"id": small["id"]}],
    }


async def test_self_and_double_approval_refused(api: Api) -> None:
    """The submitter never approves their own order; one person approves once a round."""
    shop = await Shop(api).setup()
    await set_policy(shop, [{"upTo": None, "approvalsRequired": 2}])
    po = await shop.order("50")
    await ok(shop, PO_SUBMIT, {"id": po["id"]}, "buyer_approver")
    own = await shop.act(PO_APPROVE, {"id": po["id"]}, "buyer_approver")
    assert [e["code"] for e in own["errors"]] == ["FORBIDDEN"]
    mine = await api.gql(AWAITING, token=shop.token("buyer_approver"))
    assert mine["purchaseOrdersAwaitingMyApproval"]["totalCount"] == 0
    own_reject = await shop.act(PO_REJECT, {"id": po["id"], "reason": "x"}, "buyer_approver")
    assert [e["code"] for e in own_reject["errors"]] == ["FORBIDDEN"]
    first = await ok(shop, PO_APPROVE, {"id": po["id"]}, "approver")
    assert (first["status"], first["version"]) == ("PENDING_APPROVAL", 3)
    twice = await shop.act(PO_APPROVE, {"id": po["id"]}, "approver")
    assert [e["code"] for e in twice["errors"]] == ["DUPLICATE"]
    assert await actions_for(shop, po["id"], "approver") == ["REJECT"]
    assert (await fetch(shop, po["id"]))["version"] == 3


async def test_rejection_starts_a_new_round(api: Api) -> None:
    """A rejection returns the order to DRAFT with the reason; the next submission is a new
    round in which the earlier approvals no longer count."""
    shop = await Shop(api).setup()
    await set_policy(shop, [{"upTo": None, "approvalsRequired": 2}])
    po = await shop.order("50")
    await ok(shop, PO_SUBMIT, {"id": po["id"]})
    await ok(shop, PO_APPROVE, {"id": po["id"], "comment": "fine"}, "approver")
    rejected = await ok(shop, PO_REJECT, {"id": po["id"], "reason": " Too dear "}, "approver2")
    assert (rejected["status"], rejected["statusReason"], rejected["version"]) == (
        "DRAFT",
        "Too dear",
        4,
    )
    assert rejected["availableActions"] == []  # approver2 is no buyer
    again = await ok(shop, PO_SUBMIT, {"id": po["id"]})
    assert (again["status"], again["approvalRound"], again["approvalsRequired"]) == (
        "PENDING_APPROVAL",
        2,
        2,
    )
    assert again["statusReason"] is None
    one = await ok(shop, PO_APPROVE, {"id": po["id"]}, "approver")
    assert one["status"] == "PENDING_APPROVAL"  # round 1's approval does not count
    two = await ok(shop, PO_APPROVE, {"id": po["id"]}, "approver2")
    assert two["status"] == "APPROVED"
    assert two["approvedTotal"] == {"amount": "500.00"}
    u = shop.buyer.users
    assert [
        (a["round"], a["decision"], a["comment"], a["approver"]["email"]) for a in two["approvals"]
    ] == [
        (1, "APPROVED", "fine", u["approver"].email),
        (1, "REJECTED", "Too dear", u["approver2"].email),
        (2, "APPROVED", None, u["approver"].email),
        (2, "APPROVED", None, u["approver2"].email),
    ]


async def test_approval_cannot_be_bypassed(api: Api) -> None:
    """No path around approval: not sending or acknowledging early, not by the wrong
    role, the wrong side, an API key or another organisation."""
    shop = await Shop(api).setup()
    await set_policy(shop, ONE_APPROVAL)
    draft = await shop.order("50")
    viewer = await shop.act(PO_SUBMIT, {"id": draft["id"]}, "viewer")
    assert [e["code"] for e in viewer["errors"]] == ["FORBIDDEN"]
    supplier = await shop.act(PO_SUBMIT, {"id": draft["id"]}, token=shop.sales)
    assert [e["code"] for e in supplier["errors"]] == ["NOT_FOUND"]  # not sent: unseen
    outsider = await shop.act(
        PO_SUBMIT, {"id": draft["id"]}, token=shop.other_buyer.users["buyer"].token
    )
    assert outsider["errors"] == [
        {"field": "id", "code": "NOT_FOUND", "message": outsider["errors"][0]["message"]}
    ]
    pending = await ok(shop, PO_SUBMIT, {"id": draft["id"]})
    assert pending["status"] == "PENDING_APPROVAL"
    early = await shop.act(PO_SEND, {"id": draft["id"]})
    assert [e["code"] for e in early["errors"]] == ["INVALID_TRANSITION"]
    stranger = await shop.act(
        PO_APPROVE, {"id": draft["id"]}, token=shop.other_buyer.users["buyer"].token
    )
    assert [e["code"] for e in stranger["errors"]] == ["NOT_FOUND"]
    key = await api.mutate(API_KEY_CREATE, {"name": "ERP", "roles": ["BUYER"]}, shop.token("admin"))
    assert key["errors"] == [] and key["apiKey"]["roles"] == ["BUYER"]
    by_key = await shop.act(PO_APPROVE, {"id": draft["id"]}, token=key["secret"])
    assert [e["code"] for e in by_key["errors"]] == ["FORBIDDEN"]
    approver_key = await api.mutate(
        API_KEY_CREATE, {"name": "Bot", "roles": ["APPROVER"]}, shop.token("admin")
    )
    assert [e["code"] for e in approver_key["errors"]] == ["INVALID"]
    assert (await fetch(shop, draft["id"]))["version"] == pending["version"]
    approved = await ok(shop, PO_APPROVE, {"id": draft["id"]}, "approver")
    assert approved["status"] == "APPROVED"
    ack = await shop.act(PO_ACK, {"id": draft["id"]}, token=shop.sales)
    assert [e["code"] for e in ack["errors"]] == ["NOT_FOUND"]  # approved, not yet sent
    final = await fetch(shop, draft["id"])
    assert (final["status"], final["version"]) == ("APPROVED", approved["version"])


async def usd_listing(shop: Shop) -> str:
    """A USD listing of the same supplier (10.00, 9.00 from 100) and USD->EUR at 0.5."""
    async with shop.api.db.transaction() as s:
        listing = Listing(
            supplier_org_id=shop.supplier.id,
            title="M8 bolt (US)",
            unit="EA",
            currency="USD",
            unit_price=Decimal("10.00"),
            moq=Decimal(10),
            tiers=[{"min_quantity": "100", "unit_price": "9.00"}],
            lead_time_days=7,
            stock_status="IN_STOCK",
            status="ACTIVE",
        )
        s.add(listing)
        s.add(FxRate(base="USD", quote="EUR", rate=Decimal("0.5"), as_of=date(2020, 1, 1)))
        await s.flush()
        return to_global_id("Listing", listing.id or 0)


async def test_foreign_currency_order_uses_fx_for_band_and_limit(api: Api) -> None:
    """A USD order of a EUR buyer is judged in EUR: 13500.00 USD is 6750.00 EUR, so it
    falls in the one-approval band and within a 10000 EUR approval limit."""
    shop = await Shop(api).setup()
    listing = await usd_listing(shop)
    await set_policy(
        shop,
        [
            {"upTo": "300", "approvalsRequired": 0},
            {"upTo": "7000", "approvalsRequired": 1},
            {"upTo": None, "approvalsRequired": 2},
        ],
    )

    async def order(qty: str) -> PurchaseOrder:
        p = await api.mutate(
            PO_CREATE,
            {"lines": [{"listingId": listing, "quantity": qty}]},
            shop.token("buyer"),
        )
        assert p["errors"] == [], p["errors"]
        po: PurchaseOrder = p["purchaseOrders"][0]
        return po

    small = await order("50")  # 500.00 USD = 250.00 EUR: no approval
    s = await ok(shop, PO_SUBMIT, {"id": small["id"]})
    assert (s["currency"], s["total"]["amount"], s["status"], s["approvalsRequired"]) == (
        "USD",
        "500.00",
        "APPROVED",
        0,
    )
    big = await order("1500")  # 13500.00 USD = 6750.00 EUR
    b = await ok(shop, PO_SUBMIT, {"id": big["id"]})
    assert (b["total"]["amount"], b["status"], b["approvalsRequired"]) == (
        "13500.00",
        "PENDING_APPROVAL",
        1,
    )
    assert await actions_for(shop, big["id"], "approver") == ["APPROVE", "REJECT"]
    data = await api.gql(AWAITING, token=shop.token("approver"))
    assert data["purchaseOrdersAwaitingMyApproval"]["nodes"] == [{"id": big["id"]}]
    a = await ok(shop, PO_APPROVE, {"id": big["id"]}, "approver")
    assert (a["status"], a["approvedTotal"]) == ("APPROVED", {"amount": "13500.00"})


# --------------------------------------------------------------------------- 4. changes


def change(po: PurchaseOrder, quantity: str, version: int | None = None) -> dict[str, Any]:
    return {
        "id": po["id"],
        "expectedVersion": po["version"] if version is None else version,
        "lines": [{"lineId": line_of(po), "quantity": quantity}],
    }


async def test_stale_version_conflicts(api: Api) -> None:
    """A change made against an old version is refused, naming the current one."""
    shop = await Shop(api).setup()
    po = await to_approved(shop)  # version 2
    p = await shop.act(PO_CHANGE, change(po, "40", version=1))
    assert p["purchaseOrder"] is None
    assert [(e["field"], e["code"]) for e in p["errors"]] == [
        ("expectedVersion", "VERSION_CONFLICT")
    ]
    assert "current version 2" in p["errors"][0]["message"]
    assert (await fetch(shop, po["id"]))["lines"][0]["quantity"] == "50.0000"


async def test_decrease_keeps_approval_and_records_revision(api: Api) -> None:
    """Less than was approved needs no new approval; the revision keeps before and after."""
    shop = await Shop(api).setup()
    po = await to_approved(shop)
    c = await ok(shop, PO_CHANGE, change(po, "40"))
    assert (c["status"], c["version"], c["total"], c["approvedTotal"]) == (
        "APPROVED",
        3,
        {"amount": "400.00", "currency": "EUR"},
        {"amount": "500.00"},
    )
    (rev,) = c["revisions"]
    assert rev["version"] == 3
    assert rev["changedBy"] == {"email": shop.buyer.users["buyer"].email}
    assert (rev["before"]["version"], rev["after"]["version"]) == (2, 3)
    assert (rev["before"]["status"], rev["after"]["status"]) == ("APPROVED", "APPROVED")
    assert Decimal(rev["before"]["lines"][0]["quantity"]) == 50
    assert Decimal(rev["after"]["lines"][0]["quantity"]) == 40
    assert Decimal(rev["before"]["total"]) == 500
    assert Decimal(rev["after"]["total"]) == 400


async def test_increase_above_approved_total_needs_approval_again(api: Api) -> None:
    """Raising the total above what was approved sends the order back through approval."""
    shop = await Shop(api).setup()
    po = await to_approved(shop)  # approved without a policy, round 1
    await set_policy(shop, ONE_APPROVAL)
    c = await ok(shop, PO_CHANGE, change(po, "60"))
    assert (c["status"], c["version"], c["approvalRound"], c["approvalsRequired"]) == (
        "PENDING_APPROVAL",
        3,
        2,
        1,
    )
    assert c["total"]["amount"] == "600.00"
    send = await shop.act(PO_SEND, {"id": po["id"]})
    assert [e["code"] for e in send["errors"]] == ["INVALID_TRANSITION"]
    a = await ok(shop, PO_APPROVE, {"id": po["id"]}, "approver")
    assert (a["status"], a["approvedTotal"]) == ("APPROVED", {"amount": "600.00"})


async def test_change_to_acknowledged_order_needs_acknowledging_again(api: Api) -> None:
    """The supplier agreed to other numbers: the changed order is SENT again."""
    shop = await Shop(api).setup()
    po = await to_acknowledged(shop)
    p = await shop.act(PO_CHANGE, change(po, "40"))
    assert p["errors"] == []
    c = p["purchaseOrder"]
    assert (c["status"], c["version"]) == ("SENT", po["version"] + 1)
    assert await actions_for(shop, po["id"], "sales") == ["ACKNOWLEDGE", "DECLINE"]
    again = await ok(shop, PO_ACK, {"id": po["id"]}, token=shop.sales)
    assert again["status"] == "ACKNOWLEDGED"


async def test_no_change_after_first_shipment(api: Api) -> None:
    shop = await Shop(api).setup()
    po = await to_acknowledged(shop)
    shipped = await ship(shop, po, "10")
    p = await shop.act(PO_CHANGE, change(shipped, "40"))
    assert [e["code"] for e in p["errors"]] == ["INVALID_TRANSITION"]
    assert (await fetch(shop, po["id"]))["version"] == shipped["version"]


async def test_change_line_checks(api: Api) -> None:
    """A line of another order is NOT_FOUND; a zero quantity is NOT_POSITIVE; both leave
    the order untouched."""
    shop = await Shop(api).setup()
    po = await shop.order("50")
    other = await shop.order("30")
    p = await shop.act(
        PO_CHANGE,
        {
            "id": po["id"],
            "expectedVersion": 1,
            "lines": [{"lineId": line_of(other), "quantity": "40"}],
        },
    )
    assert [(e["field"], e["code"]) for e in p["errors"]] == [("lines[0].lineId", "NOT_FOUND")]
    p = await shop.act(PO_CHANGE, change(po, "0"))
    assert [(e["field"], e["code"]) for e in p["errors"]] == [("lines[0].quantity", "NOT_POSITIVE")]
    after = await fetch(shop, po["id"])
    assert (after["version"], after["lines"][0]["quantity"], after["revisions"]) == (
        1,
        "50.0000",
        [],
    )


# --------------------------------------------------------------------------- 5. queries


async def other_supplier_order(shop: Shop) -> PurchaseOrder:
    async with shop.api.db.transaction() as s:
        listing = Listing(
            supplier_org_id=shop.other_supplier.id,
            title="Washer",
            unit="EA",
            currency="EUR",
            unit_price=Decimal("1.00"),
            moq=Decimal(1),
            tiers=[],
            lead_time_days=3,
            stock_status="IN_STOCK",
            status="ACTIVE",
        )
        s.add(listing)
        await s.flush()
        listing_id = listing.id or 0
    p = await shop.api.mutate(
        PO_CREATE,
        {
            "lines": [{"listingId": to_global_id("Listing", listing_id), "quantity": "5"}],
            "externalReference": "ERP-2",
        },
        shop.token("buyer"),
    )
    assert p["errors"] == [], p["errors"]
    po: PurchaseOrder = p["purchaseOrders"][0]
    return po


async def numbers(api: Api, token: str, **variables: Any) -> list[str]:
    data = await api.gql(ORDERS, variables, token)
    conn = data["purchaseOrders"]
    assert conn["totalCount"] == len(conn["nodes"])
    return [n["number"] for n in conn["nodes"]]


async def test_order_queries(api: Api) -> None:
    """Filters and sort, and each organisation seeing only the orders it is party to."""
    shop = await Shop(api).setup()
    a = await shop.order("50", externalReference="ERP-1")
    b = await to_approved(shop)
    c = await other_supplier_order(shop)
    buyer = shop.token("buyer")
    assert await numbers(api, buyer, sortBy="NUMBER") == sorted(
        [a["number"], b["number"], c["number"]]
    )
    assert await numbers(api, buyer) == [c["number"], b["number"], a["number"]]  # newest
    assert await numbers(api, buyer, filter={"status": "APPROVED"}) == [b["number"]]
    assert await numbers(api, buyer, filter={"status": "DRAFT"}, sortBy="NUMBER") == sorted(
        [a["number"], c["number"]]
    )
    assert await numbers(api, buyer, filter={"counterpartyId": shop.other_supplier.gid}) == [
        c["number"]
    ]
    assert await numbers(api, buyer, filter={"text": b["number"]}) == [b["number"]]
    assert await numbers(api, buyer, filter={"text": "erp-2"}) == [c["number"]]
    listed = (await api.gql(ORDERS, {"sortBy": "OLDEST"}, buyer))["purchaseOrders"]["nodes"]
    assert await numbers(api, buyer, filter={"createdAfter": listed[0]["createdAt"]}) == [
        c["number"],
        b["number"],
    ]
    # the supplier side: nothing before it is sent, then its own orders only,
    # counterparty is the buyer
    assert await numbers(api, shop.sales) == []
    assert await numbers(api, shop.other_supplier.users["sales"].token) == []
    for po in (a, c):
        await ok(shop, PO_SUBMIT, {"id": po["id"]})
    for po in (a, b, c):
        await ok(shop, PO_SEND, {"id": po["id"]})
    assert await numbers(api, shop.sales, sortBy="OLDEST") == [a["number"], b["number"]]
    assert await numbers(
        api, shop.sales, filter={"counterpartyId": shop.buyer.gid}, sortBy="OLDEST"
    ) == [a["number"], b["number"]]
    other_sales = shop.other_supplier.users["sales"].token
    assert await numbers(api, other_sales) == [c["number"]]
    assert (await api.gql(PO_QUERY, {"id": a["id"]}, other_sales))["purchaseOrder"] is None
    assert (await api.gql(PO_QUERY, {"id": a["id"]}, shop.sales))["purchaseOrder"]["id"] == a["id"]
    assert await numbers(api, shop.other_buyer.users["buyer"].token) == []


async def test_external_reference_is_the_buyers_own(api: Api) -> None:
    """External references are the buyer's ERP keys: unique per buyer and looked up by
    the buyer only."""
    shop = await Shop(api).setup()
    a = await shop.order("50", externalReference="ERP-1")
    got = await api.gql(BY_REFERENCE, {"ref": "ERP-1"}, shop.token("viewer"))
    assert got["purchaseOrder"] == {"id": a["id"], "externalReference": "ERP-1"}
    for token in (shop.sales, shop.other_buyer.users["buyer"].token):
        assert (await api.gql(BY_REFERENCE, {"ref": "ERP-1"}, token))["purchaseOrder"] is None
    dup = await api.mutate(
        PO_CREATE,
        {
            "lines": [{"listingId": to_global_id("Listing", shop.listing_id), "quantity": "20"}],
            "externalReference": " ERP-1 ",
        },
        shop.token("buyer"),
    )
    assert dup["purchaseOrders"] == []
    assert [(e["field"], e["code"]) for e in dup["errors"]] == [("externalReference", "DUPLICATE")]


async def test_increase_on_sent_order_without_policy(api: Api) -> None:
    """With no approval needed the raised total is approved at once, but an order the
    supplier already has stays SENT (the table's only targets are SENT and
    PENDING_APPROVAL); it must not crash or fall back to APPROVED."""
    shop = await Shop(api).setup()
    po = await to_sent(shop)
    p = await shop.act(PO_CHANGE, change(po, "60"))
    assert p["errors"] == []
    c = p["purchaseOrder"]
    assert (c["status"], c["version"], c["approvedTotal"]) == ("SENT", 4, {"amount": "600.00"})


async def test_change_on_pending_order_into_a_no_approval_band(api: Api) -> None:
    """A pending order changed into a band needing no approval is approved at once
    ("change" is one of the ways into APPROVED), not a server error."""
    shop = await Shop(api).setup()
    await set_policy(shop, [band("450", 0), band(None, 1)])
    po = await ok(shop, PO_SUBMIT, {"id": (await shop.order("50"))["id"]})
    assert po["status"] == "PENDING_APPROVAL"
    p = await shop.act(PO_CHANGE, change(po, "40"))
    assert p["errors"] == []
    c = p["purchaseOrder"]
    assert (c["status"], c["approvalsRequired"], c["approvedTotal"]) == (
        "APPROVED",
        0,
        {"amount": "400.00"},
    )
