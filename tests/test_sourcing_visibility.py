"""Who sees which RFQ and quote, and which prices (DESIGN §2-§3).

The rules under test:

- the buying organisation's members see all its RFQs, drafts included; nobody outside
  it (other buyers, suppliers, anonymous callers) sees a DRAFT;
- a supplier sees an OPEN PUBLIC RFQ only while it is VERIFIED and serves the RFQ's
  category or a parent of it; an OPEN INVITED RFQ only when invited; and any RFQ it has
  quoted on, so it can follow the outcome after the close;
- what a viewer may not see is reported as null, exactly like a missing object, through
  ``rfq(id:)``, ``node(id:)`` and the supplier feed alike;
- supplier views never show buyer-internal fields;
- a supplier sees its own quotes only; the buyer sees every non-draft quote;
- a sealed RFQ hides every price from everyone but the quoting supplier until it is
  closed, whether closed early or by its deadline passing (no sweep needed).

Every test builds its own market (the database is emptied before each test).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from graphql_schema.ids import to_global_id
from procurement.parties.models import VerificationStatus
from procurement.sourcing.models import Rfq
from tests.helpers import Api, Org, sales
from tests.sourcing_docs import (
    FEED,
    QUOTE_CREATE,
    QUOTE_FIELDS,
    QUOTE_REVISE,
    QUOTE_SUBMIT,
    QUOTE_WITHDRAW,
    RFQ_CLOSE,
    RFQ_FIELDS,
    RFQ_INVITE,
    RFQ_PUBLISH,
    RFQ_QUOTES,
    RFQ_UNINVITE,
    Market,
    in_future,
    pass_deadline,
    quote_input,
)

# --- GraphQL documents --------------------------------------------------------------

SUPPLIER_SUSPEND = """
mutation Suspend($input: SupplierDecisionInput!) {
  supplierSuspend(input: $input) { organization { verificationStatus } errors { code } }
}
"""

SUPPLIER_REJECT = """
mutation Reject($input: SupplierDecisionInput!) {
  supplierReject(input: $input) { organization { verificationStatus } errors { code } }
}
"""

RFQ_BY_ID = f"""
query Rfq($id: ID!) {{
  rfq(id: $id) {{ {RFQ_FIELDS} }}
}}
"""

NODE_RFQ = f"""
query NodeRfq($id: ID!) {{
  node(id: $id) {{ __typename id ... on Rfq {{ {RFQ_FIELDS} }} }}
}}
"""

NODE_QUOTE = f"""
query NodeQuote($id: ID!) {{
  node(id: $id) {{ __typename id ... on Quote {{ {QUOTE_FIELDS} }} }}
}}
"""

QUOTE_BY_ID = f"""
query Quote($id: ID!) {{
  quote(id: $id) {{ {QUOTE_FIELDS} }}
}}
"""

NODE_QUOTE_LINE = """
query NodeQuoteLine($id: ID!) {
  node(id: $id) {
    __typename id
    ... on QuoteLine { quantity unitPrice { amount } lineTotal { amount }
                       priceBreaks { minQuantity unitPrice { amount } } }
  }
}
"""

# --- helpers ------------------------------------------------------------------------

VIEWERS = (
    "buyer",
    "viewer",
    "other_buyer",
    "supplier",
    "rival",
    "it_supplier",
    "pending",
    "anonymous",
)
BUYER_SIDE = {"buyer", "viewer"}
SUPPLIERS = {"supplier", "rival", "it_supplier", "pending"}

# Who sees the RFQ of each kind (the INVITED one invites the Rival Supplier only, so
# the Bolt Supplier serves the category but is *not* invited).
SEES = {
    "PUBLIC": BUYER_SIDE | {"supplier", "rival"},
    "INVITED": BUYER_SIDE | {"rival"},
    "DRAFT": BUYER_SIDE,
}

EXTERNAL_REFERENCE = "ERP-4711"

# Prices of the default quote_input (two lines, 150 shipping).
LINE_TOTALS = ["450.00", "160.00"]  # 10000 x 0.045 ; 8000 x 0.02
UNIT_PRICES = ["0.045000", "0.020000"]


def token_of(m: Market, who: str) -> str | None:
    """The access token of a named viewer in the market (None: anonymous)."""
    tokens: dict[str, str | None] = {
        "buyer": m.buyer.users["buyer"].token,
        "viewer": m.buyer.users["viewer"].token,
        "other_buyer": m.other_buyer.users["buyer"].token,
        "supplier": m.supplier.users["sales"].token,
        "rival": m.rival.users["sales"].token,
        "it_supplier": m.it_supplier.users["sales"].token,
        "pending": m.pending.users["sales"].token,
        "anonymous": None,
    }
    return tokens[who]


async def read_rfq(api: Api, rfq_id: str, token: str | None) -> dict[str, Any] | None:
    """The RFQ as ``rfq(id:)`` shows it, after checking ``node(id:)`` agrees exactly:
    the two entry points must apply the same visibility."""
    by_id = (await api.gql(RFQ_BY_ID, {"id": rfq_id}, token))["rfq"]
    node = (await api.gql(NODE_RFQ, {"id": rfq_id}, token))["node"]
    if by_id is None:
        assert node is None
        return None
    assert node is not None
    assert node.pop("__typename") == "Rfq"
    assert node == by_id
    return by_id  # type: ignore[no-any-return]


async def feed(api: Api, token: str | None) -> list[str] | str:
    """The RFQ ids in the viewer's feed, or the error code when it is refused."""
    r = await api.raw(FEED, {}, token)
    assert r.status_code == 200, r.text
    body = r.json()
    if "errors" in body:
        assert body["data"] is None
        return str(body["errors"][0]["extensions"]["code"])
    conn = body["data"]["rfqFeed"]
    ids = [e["node"]["id"] for e in conn["edges"]]
    assert conn["totalCount"] == len(ids)
    for e in conn["edges"]:
        node = e["node"]
        # the feed is a supplier view: no buyer internals, whoever the buyer is
        assert node["invitations"] is None and node["createdBy"] is None
        assert node["quoteCount"] is None and node["externalReference"] is None
    return ids


async def invite(m: Market, rfq_id: str, *orgs: Org) -> dict[str, Any]:
    return await m.api.mutate(
        RFQ_INVITE, {"id": rfq_id, "supplierIds": [o.gid for o in orgs]}, m.buyer_token
    )


async def invited_rfq(m: Market, *orgs: Org, **over: Any) -> dict[str, Any]:
    """An OPEN INVITED RFQ: created as a draft, suppliers invited, then published."""
    rfq = await m.rfq(visibility="INVITED", externalReference=EXTERNAL_REFERENCE, **over)
    assert rfq["status"] == "DRAFT"
    p = await invite(m, rfq["id"], *orgs)
    assert p["errors"] == [], p["errors"]
    pub = await m.api.mutate(RFQ_PUBLISH, {"id": rfq["id"]}, m.buyer_token)
    assert pub["errors"] == [], pub["errors"]
    rfq["status"] = pub["rfq"]["status"]
    return rfq


async def make_rfq(m: Market, kind: str) -> dict[str, Any]:
    if kind == "PUBLIC":
        return await m.rfq(externalReference=EXTERNAL_REFERENCE)
    if kind == "INVITED":
        return await invited_rfq(m, m.rival)
    assert kind == "DRAFT"
    return await m.rfq(publish=False, externalReference=EXTERNAL_REFERENCE)


async def buyer_quotes(api: Api, rfq_id: str, token: str) -> dict[str, Any]:
    data = (await api.gql(RFQ_QUOTES, {"id": rfq_id}, token))["rfq"]
    assert data is not None
    return data  # type: ignore[no-any-return]


def assert_sealed(quote: dict[str, Any]) -> None:
    """Every price of the quote is null, and it says so; the rest stays readable."""
    assert quote["pricesSealed"] is True
    assert quote["shippingCost"] is None and quote["total"] is None
    assert [ln["quantity"] for ln in quote["lines"]] == ["10000.0000", "8000.0000"]
    assert [(ln["unitPrice"], ln["lineTotal"]) for ln in quote["lines"]] == [(None, None)] * 2
    assert quote["lines"][0]["priceBreaks"] == [{"minQuantity": "20000.0000", "unitPrice": None}]
    assert quote["lines"][1]["priceBreaks"] == []
    assert quote["revisions"], "a submitted quote has at least one revision"
    for rev in quote["revisions"]:
        assert rev["total"] is None
        assert [ln["unitPrice"] for ln in rev["lines"]] == [None, None]


def assert_priced(quote: dict[str, Any], total: str, shipping: str) -> None:
    """The quote's prices are all shown."""
    assert quote["pricesSealed"] is False
    assert quote["shippingCost"] == {"amount": shipping, "currency": "EUR"}
    assert quote["total"] == {"amount": total, "currency": "EUR"}
    assert [ln["unitPrice"]["amount"] for ln in quote["lines"]] == UNIT_PRICES
    assert [ln["lineTotal"]["amount"] for ln in quote["lines"]] == LINE_TOTALS
    assert quote["lines"][0]["priceBreaks"] == [
        {"minQuantity": "20000.0000", "unitPrice": {"amount": "0.040000"}}
    ]
    assert quote["revisions"][-1]["total"] == {"amount": total}
    assert all(ln["unitPrice"] is not None for ln in quote["revisions"][-1]["lines"])


# --- 1. the visibility matrix -------------------------------------------------------


@pytest.mark.parametrize("who", VIEWERS)
@pytest.mark.parametrize("kind", ["PUBLIC", "INVITED", "DRAFT"])
async def test_rfq_visibility_matrix(api: Api, kind: str, who: str) -> None:
    """Each kind of viewer sees an OPEN PUBLIC, OPEN INVITED or DRAFT RFQ exactly when
    DESIGN §2-§3 says so, and ``rfq``, ``node`` and the feed agree on it."""
    m = await Market(api).setup()
    rfq = await make_rfq(m, kind)
    token = token_of(m, who)
    visible = who in SEES[kind]

    seen = await read_rfq(api, rfq["id"], token)
    if not visible:
        assert seen is None
    else:
        assert seen is not None
        assert (seen["id"], seen["status"], seen["visibility"]) == (
            rfq["id"],
            "DRAFT" if kind == "DRAFT" else "OPEN",
            "INVITED" if kind == "INVITED" else "PUBLIC",
        )
        if who in BUYER_SIDE:
            assert seen["createdBy"] == {"email": m.buyer.users["buyer"].email}
            assert seen["externalReference"] == EXTERNAL_REFERENCE
            assert seen["quoteCount"] == 0
            expected_invites = (
                [{"supplier": {"name": "Rival Supplier"}}] if kind == "INVITED" else []
            )
            assert seen["invitations"] == expected_invites
        else:
            # a supplier's view hides what is internal to the buyer
            assert seen["createdBy"] is None
            assert seen["invitations"] is None
            assert seen["quoteCount"] is None
            assert seen["externalReference"] is None
            assert seen["alreadyQuoted"] is False and seen["pricesSealed"] is False
            # ... but shows what it needs to quote
            assert [ln["description"] for ln in seen["lines"]] == ["M8x30 bolt", "M8 nut"]

    got_feed = await feed(api, token)
    if who == "anonymous":
        assert got_feed == "UNAUTHENTICATED"
    elif who in {"buyer", "other_buyer"}:
        assert got_feed == "FORBIDDEN"  # the feed is for suppliers' staff
    elif who == "viewer":
        assert got_feed == []  # a buyer's own RFQ is not in its own feed
    else:
        assert who in SUPPLIERS
        assert got_feed == ([rfq["id"]] if visible else [])


async def test_quoted_supplier_follows_rfq_after_close(api: Api) -> None:
    """A supplier that quoted keeps reading the RFQ after it closes (to follow the
    outcome), but it is no longer offered in the feed; a supplier that did not quote
    loses sight of it, because it can no longer quote."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    await m.quote(rfq, m.supplier)
    closed = await api.mutate(RFQ_CLOSE, {"id": rfq["id"]}, m.buyer_token)
    assert closed["errors"] == [] and closed["rfq"]["status"] == "CLOSED"

    seen = await read_rfq(api, rfq["id"], sales(m.supplier))
    assert seen is not None
    assert (seen["status"], seen["alreadyQuoted"]) == ("CLOSED", True)
    assert seen["createdBy"] is None and seen["quoteCount"] is None
    assert await feed(api, sales(m.supplier)) == []

    assert await read_rfq(api, rfq["id"], sales(m.rival)) is None
    assert await feed(api, sales(m.rival)) == []


async def test_withdrawn_quote_still_lets_supplier_follow(api: Api) -> None:
    """Having quoted is what counts, not the quote's current state: after withdrawing
    and the close, the supplier still reads the RFQ."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    q = await m.quote(rfq, m.supplier)
    wd = await api.mutate(QUOTE_WITHDRAW, {"id": q["id"]}, sales(m.supplier))
    assert wd["errors"] == [] and wd["quote"]["status"] == "WITHDRAWN"
    await api.mutate(RFQ_CLOSE, {"id": rfq["id"]}, m.buyer_token)
    seen = await read_rfq(api, rfq["id"], sales(m.supplier))
    assert seen is not None and seen["status"] == "CLOSED"


# --- 2. category matching -----------------------------------------------------------


async def test_parent_segment_supplier_sees_child_family_rfq(api: Api) -> None:
    """Serving a segment covers every family below it: the Bolt Supplier (31000000)
    sees an RFQ placed in family 31160000."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    seen = await read_rfq(api, rfq["id"], sales(m.supplier))
    assert seen is not None and seen["category"] == {"code": "31160000"}
    assert await feed(api, sales(m.supplier)) == [rfq["id"]]


async def test_family_supplier_does_not_see_parent_segment_rfq(api: Api) -> None:
    """Serving a family does not cover its parent: an RFQ placed on segment 31000000 is
    not shown to the Rival Supplier (31160000 only), while the segment supplier sees it."""
    m = await Market(api).setup()
    assert m.segment.id is not None
    rfq = await m.rfq(categoryId=to_global_id("Category", m.segment.id))

    assert await read_rfq(api, rfq["id"], sales(m.rival)) is None
    assert await feed(api, sales(m.rival)) == []

    seen = await read_rfq(api, rfq["id"], sales(m.supplier))
    assert seen is not None and seen["category"] == {"code": "31000000"}
    assert await feed(api, sales(m.supplier)) == [rfq["id"]]

    # an unrelated category sees neither
    assert await read_rfq(api, rfq["id"], sales(m.it_supplier)) is None


# --- 3. quote visibility ------------------------------------------------------------


async def test_supplier_never_sees_another_suppliers_quote(api: Api) -> None:
    """Two suppliers quote on the same RFQ: each sees its own quote only, by any path."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    mine = await m.quote(rfq, m.supplier)
    theirs = await m.quote(rfq, m.rival, shippingCost="80")
    their_line = theirs["lines"][0]["id"]

    for doc in (NODE_QUOTE, QUOTE_BY_ID):
        (value,) = (await api.gql(doc, {"id": theirs["id"]}, sales(m.supplier))).values()
        assert value is None
    assert (await api.gql(NODE_QUOTE_LINE, {"id": their_line}, sales(m.supplier)))["node"] is None

    own = (await api.gql(RFQ_QUOTES, {"id": rfq["id"]}, sales(m.supplier)))["rfq"]
    assert own["quoteCount"] is None
    assert own["quotes"]["totalCount"] == 1
    assert [e["node"]["id"] for e in own["quotes"]["edges"]] == [mine["id"]]
    assert own["quotes"]["edges"][0]["node"]["supplier"] == {"name": "Bolt Supplier"}

    rival_view = (await api.gql(RFQ_QUOTES, {"id": rfq["id"]}, sales(m.rival)))["rfq"]
    assert [e["node"]["id"] for e in rival_view["quotes"]["edges"]] == [theirs["id"]]
    assert (await api.gql(NODE_QUOTE, {"id": mine["id"]}, sales(m.rival)))["node"] is None

    # the supplier reads its own quote through node(id:)
    node = (await api.gql(NODE_QUOTE, {"id": mine["id"]}, sales(m.supplier)))["node"]
    assert node["id"] == mine["id"] and node["supplier"] == {"name": "Bolt Supplier"}


async def test_other_buyer_and_anonymous_see_no_quotes(api: Api) -> None:
    """Quotes received are the buying organisation's; nobody else reads them."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    q = await m.quote(rfq, m.supplier)
    for token in (m.other_buyer.users["buyer"].token, sales(m.it_supplier), None):
        assert (await api.gql(NODE_QUOTE, {"id": q["id"]}, token))["node"] is None
        assert (await api.gql(QUOTE_BY_ID, {"id": q["id"]}, token))["quote"] is None
        line = q["lines"][0]["id"]
        assert (await api.gql(NODE_QUOTE_LINE, {"id": line}, token))["node"] is None
        assert (await api.gql(RFQ_QUOTES, {"id": rfq["id"]}, token))["rfq"] is None


async def test_buyer_does_not_see_draft_quotes(api: Api) -> None:
    """A draft is the supplier's work in progress: the buyer neither lists nor counts nor
    reads it; once submitted it appears, and a withdrawn quote stays listed."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    draft = await api.mutate(QUOTE_CREATE, quote_input(rfq), sales(m.supplier))
    assert draft["errors"] == [] and draft["quote"]["status"] == "DRAFT"
    qid = draft["quote"]["id"]
    line_id = draft["quote"]["lines"][0]["id"]

    seen = await buyer_quotes(api, rfq["id"], m.buyer_token)
    assert seen["quoteCount"] == 0
    assert seen["quotes"]["totalCount"] == 0 and seen["quotes"]["edges"] == []
    assert (await api.gql(NODE_QUOTE, {"id": qid}, m.buyer_token))["node"] is None
    assert (await api.gql(QUOTE_BY_ID, {"id": qid}, m.buyer_token))["quote"] is None
    assert (await api.gql(NODE_QUOTE_LINE, {"id": line_id}, m.buyer_token))["node"] is None
    # the supplier reads its own draft
    own = (await api.gql(NODE_QUOTE, {"id": qid}, sales(m.supplier)))["node"]
    assert own["status"] == "DRAFT" and own["revision"] == 0

    sub = await api.mutate(QUOTE_SUBMIT, {"id": qid}, sales(m.supplier))
    assert sub["errors"] == []
    seen = await buyer_quotes(api, rfq["id"], m.buyer_token)
    assert seen["quoteCount"] == 1
    assert [(e["node"]["id"], e["node"]["status"]) for e in seen["quotes"]["edges"]] == [
        (qid, "SUBMITTED")
    ]
    node = (await api.gql(NODE_QUOTE, {"id": qid}, m.buyer_token))["node"]
    assert node["status"] == "SUBMITTED" and node["supplier"] == {"name": "Bolt Supplier"}

    wd = await api.mutate(QUOTE_WITHDRAW, {"id": qid}, sales(m.supplier))
    assert wd["errors"] == []
    seen = await buyer_quotes(api, rfq["id"], m.buyer_token)
    # still listed (the buyer sees it was withdrawn) but no longer counted as an offer
    assert seen["quotes"]["totalCount"] == 1
    assert seen["quotes"]["edges"][0]["node"]["status"] == "WITHDRAWN"
    assert seen["quoteCount"] == 0
    node = (await api.gql(NODE_QUOTE, {"id": qid}, m.buyer_token))["node"]
    assert node["status"] == "WITHDRAWN"


# --- 4. sealed bidding --------------------------------------------------------------


async def test_sealed_rfq_hides_every_price_from_the_buyer(api: Api) -> None:
    """While a sealed RFQ is open the buyer learns who quoted, but no price at all:
    not on the quote, its lines, price breaks, revisions, nor through node(id:)."""
    m = await Market(api).setup()
    rfq = await m.rfq(sealed=True)
    mine = await m.quote(rfq, m.supplier)
    rev = await api.mutate(
        QUOTE_REVISE, {"id": mine["id"], "shippingCost": "90"}, sales(m.supplier)
    )
    assert rev["errors"] == [] and rev["quote"]["revision"] == 2
    theirs = await m.quote(rfq, m.rival, shippingCost="80")

    seen = await buyer_quotes(api, rfq["id"], m.buyer_token)
    assert seen["status"] == "OPEN"
    assert seen["pricesSealed"] is True
    assert seen["quoteCount"] == 2
    nodes = [e["node"] for e in seen["quotes"]["edges"]]
    assert [q["supplier"]["name"] for q in nodes] == ["Bolt Supplier", "Rival Supplier"]
    assert [len(q["revisions"]) for q in nodes] == [2, 1]
    for q in nodes:
        assert_sealed(q)

    for q in (mine, theirs):
        node = (await api.gql(NODE_QUOTE, {"id": q["id"]}, m.buyer_token))["node"]
        assert node["__typename"] == "Quote"
        assert_sealed(node)
        assert_sealed((await api.gql(QUOTE_BY_ID, {"id": q["id"]}, m.buyer_token))["quote"])
        # QuoteLine ids come from the supplier's own (unsealed) view
        for line in q["lines"]:
            got = (await api.gql(NODE_QUOTE_LINE, {"id": line["id"]}, m.buyer_token))["node"]
            assert got["__typename"] == "QuoteLine" and got["quantity"] is not None
            assert (got["unitPrice"], got["lineTotal"]) == (None, None)
            assert all(b["unitPrice"] is None for b in got["priceBreaks"])


async def test_sealed_rfq_shows_supplier_its_own_prices(api: Api) -> None:
    """Sealing protects suppliers from the buyer, not from themselves: the quoting
    supplier sees its own prices, and nothing is sealed from its point of view."""
    m = await Market(api).setup()
    rfq = await m.rfq(sealed=True)
    mine = await m.quote(rfq, m.supplier)
    assert mine["pricesSealed"] is False
    assert mine["total"] == {"amount": "760.00", "currency": "EUR"}

    own = (await api.gql(RFQ_QUOTES, {"id": rfq["id"]}, sales(m.supplier)))["rfq"]
    assert own["pricesSealed"] is False
    assert_priced(own["quotes"]["edges"][0]["node"], "760.00", "150.000000")
    assert_priced(
        (await api.gql(NODE_QUOTE, {"id": mine["id"]}, sales(m.supplier)))["node"],
        "760.00",
        "150.000000",
    )
    line = (await api.gql(NODE_QUOTE_LINE, {"id": mine["lines"][0]["id"]}, sales(m.supplier)))[
        "node"
    ]
    assert line["unitPrice"] == {"amount": "0.045000"}
    assert line["lineTotal"] == {"amount": "450.00"}


async def test_sealed_prices_open_when_buyer_closes(api: Api) -> None:
    """Closing the RFQ early unseals: the buyer then sees every price."""
    m = await Market(api).setup()
    rfq = await m.rfq(sealed=True)
    mine = await m.quote(rfq, m.supplier)
    await m.quote(rfq, m.rival, shippingCost="80")
    closed = await api.mutate(RFQ_CLOSE, {"id": rfq["id"]}, m.buyer_token)
    assert closed["errors"] == []

    seen = await buyer_quotes(api, rfq["id"], m.buyer_token)
    assert (seen["status"], seen["pricesSealed"], seen["quoteCount"]) == ("CLOSED", False, 2)
    bolt, rival = (e["node"] for e in seen["quotes"]["edges"])
    assert_priced(bolt, "760.00", "150.000000")
    assert_priced(rival, "690.00", "80.000000")
    assert_priced(
        (await api.gql(NODE_QUOTE, {"id": mine["id"]}, m.buyer_token))["node"],
        "760.00",
        "150.000000",
    )
    line = (await api.gql(NODE_QUOTE_LINE, {"id": mine["lines"][1]["id"]}, m.buyer_token))["node"]
    assert line["unitPrice"] == {"amount": "0.020000"}
    assert line["lineTotal"] == {"amount": "160.00"}


async def test_sealed_prices_open_when_deadline_passes_without_sweep(api: Api) -> None:
    """An OPEN RFQ past its deadline is CLOSED at once: the status reads CLOSED and the
    prices show, although no sweep has persisted the close."""
    m = await Market(api).setup()
    rfq = await m.rfq(sealed=True, deadline=in_future(hours=1))
    q = await m.quote(rfq, m.supplier)
    seen = await buyer_quotes(api, rfq["id"], m.buyer_token)
    assert (seen["status"], seen["pricesSealed"]) == ("OPEN", True)
    assert_sealed(seen["quotes"]["edges"][0]["node"])

    await pass_deadline(api.db, rfq["id"])

    seen = await buyer_quotes(api, rfq["id"], m.buyer_token)
    assert (seen["status"], seen["pricesSealed"], seen["quoteCount"]) == ("CLOSED", False, 1)
    assert_priced(seen["quotes"]["edges"][0]["node"], "760.00", "150.000000")
    node = (await api.gql(NODE_QUOTE, {"id": q["id"]}, m.buyer_token))["node"]
    assert_priced(node, "760.00", "150.000000")
    line = (await api.gql(NODE_QUOTE_LINE, {"id": q["lines"][0]["id"]}, m.buyer_token))["node"]
    assert line["unitPrice"] == {"amount": "0.045000"}
    # the stored status is still OPEN: only the clock closed it
    async with api.db.read() as s:
        stored = (await s.execute(select(Rfq.status))).scalar_one()
    assert stored == "OPEN"


async def test_unsealed_rfq_shows_prices_while_open(api: Api) -> None:
    """The contrast case: without the sealed flag the buyer sees prices at once."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    await m.quote(rfq, m.supplier)
    seen = await buyer_quotes(api, rfq["id"], m.buyer_token)
    assert (seen["status"], seen["pricesSealed"]) == ("OPEN", False)
    assert_priced(seen["quotes"]["edges"][0]["node"], "760.00", "150.000000")


# --- 5. invitations -----------------------------------------------------------------


async def test_invite_on_public_rfq_is_invalid(api: Api) -> None:
    """Invitations only mean something on an invited-only RFQ."""
    m = await Market(api).setup()
    rfq = await m.rfq(publish=False)
    p = await invite(m, rfq["id"], m.supplier)
    assert p["rfq"] is None
    assert [(e["field"], e["code"]) for e in p["errors"]] == [("supplierIds", "INVALID")]


@pytest.mark.parametrize("status", [VerificationStatus.REJECTED, VerificationStatus.SUSPENDED])
async def test_invite_inactive_supplier_not_eligible(api: Api, status: VerificationStatus) -> None:
    """A rejected or suspended supplier cannot be invited, and nothing is recorded."""
    m = await Market(api).setup()
    bad = await api.org(
        f"{status.value.title()} Supplier",
        supplier=True,
        status=status,
        users={"sales": ["SUPPLIER_SALES"]},
        category_codes=["31000000"],
    )
    rfq = await m.rfq(visibility="INVITED")
    p = await invite(m, rfq["id"], m.rival, bad)
    assert p["rfq"] is None
    assert [(e["field"], e["code"]) for e in p["errors"]] == [
        ("supplierIds", "SUPPLIER_NOT_ELIGIBLE")
    ]
    seen = await read_rfq(api, rfq["id"], m.buyer_token)
    assert seen is not None and seen["invitations"] == []


async def test_buyer_sees_invited_supplier_names(api: Api) -> None:
    """The buyer's view lists who was invited; suppliers never see the list."""
    m = await Market(api).setup()
    rfq = await invited_rfq(m, m.rival, m.supplier)
    seen = await read_rfq(api, rfq["id"], m.buyer_token)
    assert seen is not None
    assert sorted(i["supplier"]["name"] for i in seen["invitations"]) == [
        "Bolt Supplier",
        "Rival Supplier",
    ]
    for org in (m.rival, m.supplier):
        theirs = await read_rfq(api, rfq["id"], sales(org))
        assert theirs is not None and theirs["invitations"] is None


async def test_pending_supplier_can_be_invited(api: Api) -> None:
    """An invitation is the buyer's choice: a PENDING supplier it invites sees the RFQ,
    although it would not see a PUBLIC one."""
    m = await Market(api).setup()
    rfq = await invited_rfq(m, m.pending)
    assert await feed(api, sales(m.pending)) == [rfq["id"]]
    assert await read_rfq(api, rfq["id"], sales(m.pending)) is not None


@pytest.mark.parametrize(
    ("who", "decision"), [("rival", SUPPLIER_SUSPEND), ("pending", SUPPLIER_REJECT)]
)
async def test_invited_supplier_loses_access_when_deactivated(
    api: Api, who: str, decision: str
) -> None:
    """Only active suppliers (verified or pending) may take part in an invited RFQ:
    that is why inviting a suspended or rejected one is SUPPLIER_NOT_ELIGIBLE. A supplier
    that platform staff suspend (verified) or reject (pending) *after* its invitation
    must lose access the same way, or the sanction would not bite on invited RFQs."""
    m = await Market(api).setup()
    org = m.rival if who == "rival" else m.pending
    rfq = await invited_rfq(m, org)
    assert await feed(api, sales(org)) == [rfq["id"]]
    admin = await api.platform_admin()
    d = await api.mutate(decision, {"id": org.gid, "reason": "compliance"}, admin.token)
    assert d["errors"] == [], d["errors"]

    assert await feed(api, sales(org)) == []
    assert await read_rfq(api, rfq["id"], sales(org)) is None
    p = await api.mutate(QUOTE_SUBMIT, quote_input(rfq), sales(org))
    assert p["quote"] is None
    # refused by the viewer's standing before the RFQ is even looked up (issue 9)
    assert [(e["field"], e["code"]) for e in p["errors"]] == [(None, "FORBIDDEN")]
    seen = await buyer_quotes(api, rfq["id"], m.buyer_token)
    assert seen["quoteCount"] == 0


async def test_uninvite_removes_rfq_from_feed(api: Api) -> None:
    """Uninviting takes the RFQ away from the supplier at once (feed and reads)."""
    m = await Market(api).setup()
    rfq = await invited_rfq(m, m.rival, m.supplier)
    assert await feed(api, sales(m.rival)) == [rfq["id"]]

    p = await api.mutate(RFQ_UNINVITE, {"id": rfq["id"], "supplierId": m.rival.gid}, m.buyer_token)
    assert p["errors"] == []
    assert await feed(api, sales(m.rival)) == []
    assert await read_rfq(api, rfq["id"], sales(m.rival)) is None
    seen = await read_rfq(api, rfq["id"], m.buyer_token)
    assert seen is not None
    assert seen["invitations"] == [{"supplier": {"name": "Bolt Supplier"}}]
    # the other invited supplier is untouched
    assert await feed(api, sales(m.supplier)) == [rfq["id"]]


async def test_uninvite_supplier_that_quoted_is_invalid(api: Api) -> None:
    """A supplier holding a live quote stays invited: its offer stands."""
    m = await Market(api).setup()
    rfq = await invited_rfq(m, m.rival)
    await m.quote(rfq, m.rival)
    p = await api.mutate(RFQ_UNINVITE, {"id": rfq["id"], "supplierId": m.rival.gid}, m.buyer_token)
    assert p["rfq"] is None
    assert [(e["field"], e["code"]) for e in p["errors"]] == [("supplierId", "INVALID")]
    seen = await read_rfq(api, rfq["id"], m.buyer_token)
    assert seen is not None
    assert seen["invitations"] == [{"supplier": {"name": "Rival Supplier"}}]
    assert seen["quoteCount"] == 1


# --- 6. platform admin --------------------------------------------------------------


async def test_platform_admin_reads_any_rfq_but_not_sealed_prices(api: Api) -> None:
    """Platform staff can read every RFQ (drafts too) for support, but sealed bidding
    binds them like the buyer: prices stay null until the close."""
    m = await Market(api).setup()
    admin = await api.platform_admin()
    draft = await m.rfq(publish=False)
    rfq = await m.rfq(sealed=True)
    q = await m.quote(rfq, m.supplier)

    seen_draft = await read_rfq(api, draft["id"], admin.token)
    assert seen_draft is not None and seen_draft["status"] == "DRAFT"

    seen = await buyer_quotes(api, rfq["id"], admin.token)
    assert (seen["status"], seen["pricesSealed"], seen["quoteCount"]) == ("OPEN", True, 1)
    assert_sealed(seen["quotes"]["edges"][0]["node"])
    node = (await api.gql(NODE_QUOTE, {"id": q["id"]}, admin.token))["node"]
    assert_sealed(node)
    line = (await api.gql(NODE_QUOTE_LINE, {"id": q["lines"][0]["id"]}, admin.token))["node"]
    assert (line["unitPrice"], line["lineTotal"]) == (None, None)

    await api.mutate(RFQ_CLOSE, {"id": rfq["id"]}, m.buyer_token)
    seen = await buyer_quotes(api, rfq["id"], admin.token)
    assert (seen["status"], seen["pricesSealed"]) == ("CLOSED", False)
    assert_priced(seen["quotes"]["edges"][0]["node"], "760.00", "150.000000")
    node = (await api.gql(NODE_QUOTE, {"id": q["id"]}, admin.token))["node"]
    assert_priced(node, "760.00", "150.000000")
    line = (await api.gql(NODE_QUOTE_LINE, {"id": q["lines"][0]["id"]}, admin.token))["node"]
    assert line["unitPrice"] == {"amount": "0.045000"}
