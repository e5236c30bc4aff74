"""``availableActions`` is a promise: for each aggregate, in each state, for each actor,
every action either is offered and succeeds, or is not offered and is refused.

Each case builds its world through the API; the actions not offered are tried on that
world (a refusal writes nothing, so the world stays in its state), and each offered
action is tried on a fresh world of its own.  The purchase order's walk is in
``test_ordering_lifecycle.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from graphql_schema.ids import to_global_id
from procurement.catalog.models import Listing
from tests.helpers import Api
from tests.ordering_docs import (
    INVOICE_ACCEPT,
    INVOICE_DISPUTE,
    RETURN_APPROVE,
    RETURN_RECEIVE,
    RETURN_REJECT,
    Shop,
)
from tests.sourcing_docs import (
    QUOTE_CREATE,
    QUOTE_REVISE,
    QUOTE_SUBMIT,
    QUOTE_UPDATE,
    QUOTE_WITHDRAW,
    RFQ_CANCEL,
    RFQ_CLOSE,
    RFQ_EXTEND,
    RFQ_INVITE,
    RFQ_PUBLISH,
    RFQ_UPDATE,
    Market,
    in_future,
    pass_deadline,
    quote_input,
)
from tests.test_fulfilment_and_catalog import invoice, receive, received, request_return, ship

World = dict[str, Any]
_numbers = itertools.count(1)
ACTORS = ["buyer", "viewer", "approver", "sales", "other_sales"]

CHILDREN = """
query Q($id: ID!) {
  purchaseOrder(id: $id) {
    invoices { id status availableActions }
    returns { id status availableActions }
  }
}
"""
LISTING = "query L($id: ID!) { listing(id: $id) { id status availableActions } }"
LISTING_UPDATE = """
mutation U($input: ListingUpdateInput!) {
  listingUpdate(input: $input) { listing { id } errors { field code message } }
}
"""
LISTING_ARCHIVE = """
mutation A($input: ListingArchiveInput!) {
  listingArchive(input: $input) { listing { id } errors { field code message } }
}
"""


def token(shop: Shop, who: str) -> str:
    if who == "sales":
        return shop.sales
    if who == "other_sales":
        return shop.other_supplier.users["sales"].token
    return shop.token(who)


async def walk(
    shop: Shop,
    build: Callable[[Shop], Awaitable[World]],
    offered: Callable[[Shop, dict[str, Any], str], Awaitable[list[str]]],
    attempt: Callable[[Shop, dict[str, Any], str, str], Awaitable[dict[str, Any]]],
    actions: list[str],
) -> dict[str, list[str]]:
    world = await build(shop)
    offers = {who: await offered(shop, world, who) for who in ACTORS}
    for who in ACTORS:
        for action in actions:
            if action not in offers[who]:
                p = await attempt(shop, world, who, action)
                assert p["errors"], f"{who} may {action} though it was not offered"
    for who in ACTORS:
        for action in offers[who]:
            p = await attempt(shop, await build(shop), who, action)
            assert p["errors"] == [], f"{who} was offered {action}: {p['errors']}"
    return offers


# --------------------------------------------------------------------------- invoices


async def _invoice_world(shop: Shop, state: str) -> World:
    number = f"INV-{next(_numbers)}"
    if state == "MATCHED":  # on an order still in fulfilment: disputable, not acceptable
        po = await shop.acknowledged("50")
        await ship(shop, po, "50")
        await receive(shop, po, "20")
        p = await invoice(shop, po, number, "20")
    else:
        po = await received(shop, "50")
        p = await invoice(shop, po, number, "50", unit_price="11.00")  # needs review
    assert p["errors"] == [] and p["invoice"]["status"] in ("MATCHED", "NEEDS_REVIEW"), p
    world = {"po": po["id"], "id": p["invoice"]["id"]}
    if state in ("ACCEPTED", "DISPUTED"):
        doc = INVOICE_ACCEPT if state == "ACCEPTED" else INVOICE_DISPUTE
        d = await shop.act(
            doc, {"id": world["id"], "reason": "x"} if state == "DISPUTED" else {"id": world["id"]}
        )
        assert d["invoice"]["status"] == state, d
    return world


async def _child_actions(shop: Shop, world: dict[str, Any], who: str, kind: str) -> list[str]:
    data = await shop.api.gql(CHILDREN, {"id": world["po"]}, token(shop, who))
    if data["purchaseOrder"] is None:
        return []
    (child,) = [c for c in data["purchaseOrder"][kind] if c["id"] == world["id"]]
    return child["availableActions"]  # type: ignore[no-any-return]


async def _invoice_attempt(
    shop: Shop, world: dict[str, Any], who: str, action: str
) -> dict[str, Any]:
    if action == "ACCEPT":
        return await shop.act(INVOICE_ACCEPT, {"id": world["id"]}, token=token(shop, who))
    return await shop.act(
        INVOICE_DISPUTE, {"id": world["id"], "reason": "x"}, token=token(shop, who)
    )


INVOICE_OFFERS = {
    "NEEDS_REVIEW": {"buyer": ["ACCEPT", "DISPUTE"]},
    "MATCHED": {"buyer": ["DISPUTE"]},
    "ACCEPTED": {},
    "DISPUTED": {},
}


@pytest.mark.parametrize("state", list(INVOICE_OFFERS))
async def test_invoice_actions_are_what_succeeds(api: Api, state: str) -> None:
    offers = await walk(
        await Shop(api).setup(),
        lambda shop: _invoice_world(shop, state),
        lambda shop, world, who: _child_actions(shop, world, who, "invoices"),
        _invoice_attempt,
        ["ACCEPT", "DISPUTE"],
    )
    assert {who: got for who, got in offers.items() if got} == INVOICE_OFFERS[state]


# --------------------------------------------------------------------------- returns


async def _return_world(shop: Shop, state: str) -> World:
    po = await received(shop, "50")
    p = await request_return(shop, po, "5")
    assert p["errors"] == [], p
    world = {"po": po["id"], "id": p["returnRequest"]["id"]}
    if state in ("APPROVED", "RECEIVED"):
        assert (await shop.act(RETURN_APPROVE, {"id": world["id"]}, token=shop.sales))[
            "errors"
        ] == []
    if state == "RECEIVED":
        d = await shop.act(
            RETURN_RECEIVE, {"id": world["id"], "creditAmount": "0"}, token=shop.sales
        )
        assert d["errors"] == [], d
    if state == "REJECTED":
        d = await shop.act(RETURN_REJECT, {"id": world["id"], "note": "no"}, token=shop.sales)
        assert d["errors"] == [], d
    return world


async def _return_attempt(
    shop: Shop, world: dict[str, Any], who: str, action: str
) -> dict[str, Any]:
    doc, extra = {
        "APPROVE": (RETURN_APPROVE, {}),
        "REJECT": (RETURN_REJECT, {"note": "no"}),
        "RECEIVE": (RETURN_RECEIVE, {"creditAmount": "0"}),
    }[action]
    return await shop.act(doc, {"id": world["id"], **extra}, token=token(shop, who))


RETURN_OFFERS = {
    "REQUESTED": {"sales": ["APPROVE", "REJECT"]},
    "APPROVED": {"sales": ["RECEIVE"]},
    "REJECTED": {},
    "RECEIVED": {},
}


@pytest.mark.parametrize("state", list(RETURN_OFFERS))
async def test_return_actions_are_what_succeeds(api: Api, state: str) -> None:
    offers = await walk(
        await Shop(api).setup(),
        lambda shop: _return_world(shop, state),
        lambda shop, world, who: _child_actions(shop, world, who, "returns"),
        _return_attempt,
        ["APPROVE", "REJECT", "RECEIVE"],
    )
    assert {who: got for who, got in offers.items() if got} == RETURN_OFFERS[state]


# --------------------------------------------------------------------------- listings


async def _listing_world(shop: Shop, state: str) -> World:
    async with shop.api.db.transaction() as s:
        listing = Listing(
            supplier_org_id=shop.supplier.id,
            title="M8 nut",
            unit="EA",
            currency="EUR",
            unit_price=Decimal("1.00"),
            moq=Decimal(1),
            tiers=[],
            lead_time_days=7,
            stock_status="IN_STOCK",
            status="ACTIVE",
        )
        s.add(listing)
        await s.flush()
        world = {"id": to_global_id("Listing", listing.id or 0)}
    if state == "ARCHIVED":
        p = await shop.act(LISTING_ARCHIVE, {"id": world["id"]}, token=shop.sales)
        assert p["errors"] == [], p
    return world


async def _listing_actions(shop: Shop, world: dict[str, Any], who: str) -> list[str]:
    data = await shop.api.gql(LISTING, {"id": world["id"]}, token(shop, who))
    return [] if data["listing"] is None else data["listing"]["availableActions"]


async def _listing_attempt(
    shop: Shop, world: dict[str, Any], who: str, action: str
) -> dict[str, Any]:
    if action == "UPDATE":
        return await shop.act(
            LISTING_UPDATE, {"id": world["id"], "title": "Bolt"}, token=token(shop, who)
        )
    return await shop.act(LISTING_ARCHIVE, {"id": world["id"]}, token=token(shop, who))


LISTING_OFFERS = {"ACTIVE": {"sales": ["UPDATE", "ARCHIVE"]}, "ARCHIVED": {}}


@pytest.mark.parametrize("state", list(LISTING_OFFERS))
async def test_listing_actions_are_what_succeeds(api: Api, state: str) -> None:
    offers = await walk(
        await Shop(api).setup(),
        lambda shop: _listing_world(shop, state),
        _listing_actions,
        _listing_attempt,
        ["UPDATE", "ARCHIVE"],
    )
    assert {who: got for who, got in offers.items() if got} == LISTING_OFFERS[state]


# --------------------------------------------------------------------------- RFQs

RFQ_ACTIONS = "query R($id: ID!) { rfq(id: $id) { id status availableActions } }"
RFQ_AWARD = """
mutation A($input: RfqAwardInput!) {
  rfqAward(input: $input) { rfq { id status } errors { field code message } }
}
"""
RFQ_ACTORS = {"buyer": "buyer", "viewer": "viewer", "other_buyer": None, "sales": None}


def rfq_token(m: Market, who: str) -> str:
    if who == "other_buyer":
        return m.other_buyer.users["buyer"].token
    if who == "sales":
        return m.supplier.users["sales"].token
    return m.buyer.users[who].token


async def _rfq_world(m: Market, state: str) -> World:
    rfq = await m.rfq(publish=state != "DRAFT", sealed=state == "OPEN_SEALED")
    world: World = {"id": rfq["id"], "quote": to_global_id("Quote", 10**9)}
    if state == "DRAFT":
        return world
    world["quote"] = (await m.quote(rfq))["id"]
    if state == "PAST_DEADLINE":
        await pass_deadline(m.api.db, rfq["id"])
    elif state in ("CLOSED", "CANCELLED", "AWARDED"):
        doc, extra = {
            "CLOSED": (RFQ_CLOSE, {}),
            "CANCELLED": (RFQ_CANCEL, {"reason": "x"}),
            "AWARDED": (RFQ_AWARD, {}),
        }[state]
        args = {"rfqId": rfq["id"], "quoteId": world["quote"]} if state == "AWARDED" else {}
        p = await m.api.mutate(doc, args or {"id": rfq["id"], **extra}, m.buyer_token)
        assert p["errors"] == [], p
    return world


async def _rfq_attempt(m: Market, world: World, who: str, action: str) -> dict[str, Any]:
    rid = world["id"]
    doc, args = {
        "UPDATE": (RFQ_UPDATE, {"id": rid, "title": "M8 bolts, again"}),
        "PUBLISH": (RFQ_PUBLISH, {"id": rid}),
        "INVITE": (
            RFQ_INVITE,
            {"id": rid, "supplierIds": [to_global_id("Organization", m.supplier.id or 0)]},
        ),
        "EXTEND": (RFQ_EXTEND, {"id": rid, "deadline": in_future(days=30)}),
        "CLOSE": (RFQ_CLOSE, {"id": rid}),
        "AWARD": (RFQ_AWARD, {"rfqId": rid, "quoteId": world["quote"]}),
        "CANCEL": (RFQ_CANCEL, {"id": rid, "reason": "x"}),
    }[action]
    return await m.api.mutate(doc, args, rfq_token(m, who))


async def _rfq_offered(m: Market, world: World, who: str) -> list[str]:
    data = await m.api.gql(RFQ_ACTIONS, {"id": world["id"]}, rfq_token(m, who))
    return [] if data["rfq"] is None else data["rfq"]["availableActions"]


RFQ_OFFERS: dict[str, list[str]] = {
    "DRAFT": ["UPDATE", "PUBLISH", "CANCEL"],  # a public RFQ takes no invitations
    "OPEN": ["EXTEND", "CLOSE", "AWARD", "CANCEL"],
    "OPEN_SEALED": ["EXTEND", "CLOSE", "CANCEL"],  # awarded once its prices are open
    "PAST_DEADLINE": ["AWARD", "CANCEL"],
    "CLOSED": ["AWARD", "CANCEL"],
    "CANCELLED": [],
    "AWARDED": [],
}


@pytest.mark.parametrize("state", list(RFQ_OFFERS))
async def test_rfq_actions_are_what_succeeds(api: Api, state: str) -> None:
    m = await Market(api).setup()
    world = await _rfq_world(m, state)
    offers = {who: await _rfq_offered(m, world, who) for who in RFQ_ACTORS}
    assert offers == {"buyer": RFQ_OFFERS[state], "viewer": [], "other_buyer": [], "sales": []}
    for who in RFQ_ACTORS:
        for action in ["UPDATE", "PUBLISH", "INVITE", "EXTEND", "CLOSE", "AWARD", "CANCEL"]:
            if action not in offers[who]:
                p = await _rfq_attempt(m, world, who, action)
                assert p["errors"], f"{who} may {action} though it was not offered"
    for action in offers["buyer"]:
        p = await _rfq_attempt(m, await _rfq_world(m, state), "buyer", action)
        assert p["errors"] == [], f"buyer was offered {action}: {p['errors']}"


# --------------------------------------------------------------------------- quotes

QUOTE_OFFERED = "query Q($id: ID!) { quote(id: $id) { id status availableActions } }"
QUOTE_ACTORS = ["sales", "rival", "buyer"]


def quote_token(m: Market, who: str) -> str:
    if who == "buyer":
        return m.buyer_token
    return (m.supplier if who == "sales" else m.rival).users["sales"].token


async def _quote_world(m: Market, state: str) -> World:
    rfq = await m.rfq()
    if state.startswith("DRAFT"):
        full = quote_input(rfq)
        p = await m.api.mutate(QUOTE_CREATE, full, m.supplier.users["sales"].token)
        assert p["errors"] == [], p
        quote = p["quote"]
    else:
        quote = await m.quote(rfq)
    if state == "WITHDRAWN":
        p = await m.api.mutate(QUOTE_WITHDRAW, {"id": quote["id"]}, quote_token(m, "sales"))
        assert p["errors"] == [], p
    if state.endswith("PAST_DEADLINE"):
        await pass_deadline(m.api.db, rfq["id"])
    return {"id": quote["id"]}


async def _quote_attempt(m: Market, world: World, who: str, action: str) -> dict[str, Any]:
    qid = world["id"]
    doc, args = {
        "UPDATE": (QUOTE_UPDATE, {"id": qid, "notes": "Again"}),
        "SUBMIT": (QUOTE_SUBMIT, {"id": qid}),
        "REVISE": (QUOTE_REVISE, {"id": qid, "notes": "Again"}),
        "WITHDRAW": (QUOTE_WITHDRAW, {"id": qid}),
    }[action]
    return await m.api.mutate(doc, args, quote_token(m, who))


QUOTE_OFFERS: dict[str, list[str]] = {
    "DRAFT": ["UPDATE", "SUBMIT", "WITHDRAW"],
    "DRAFT_PAST_DEADLINE": ["WITHDRAW"],  # a draft may always be discarded
    "SUBMITTED": ["REVISE", "WITHDRAW"],
    "SUBMITTED_PAST_DEADLINE": [],  # the offer binds until the award
    "WITHDRAWN": [],
}


@pytest.mark.parametrize("state", list(QUOTE_OFFERS))
async def test_quote_actions_are_what_succeeds(api: Api, state: str) -> None:
    m = await Market(api).setup()
    world = await _quote_world(m, state)
    offers = {}
    for who in QUOTE_ACTORS:
        data = await m.api.gql(QUOTE_OFFERED, {"id": world["id"]}, quote_token(m, who))
        offers[who] = [] if data["quote"] is None else data["quote"]["availableActions"]
    assert offers == {"sales": QUOTE_OFFERS[state], "rival": [], "buyer": []}
    for who in QUOTE_ACTORS:
        for action in ["UPDATE", "SUBMIT", "REVISE", "WITHDRAW"]:
            if action not in offers[who]:
                p = await _quote_attempt(m, world, who, action)
                assert p["errors"], f"{who} may {action} though it was not offered"
    for action in offers["sales"]:
        p = await _quote_attempt(m, await _quote_world(m, state), "sales", action)
        assert p["errors"] == [], f"sales was offered {action}: {p['errors']}"
