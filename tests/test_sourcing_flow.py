"""The whole sourcing flow through the API: create, publish, feed, quote, revise,
withdraw, close; numbering, clarifications and audit along the way."""

from __future__ import annotations

from sqlalchemy import select

from procurement.audit.models import AuditEntry, OutboxEvent
from tests.helpers import Api, db_id
from tests.sourcing_docs import (
    ANSWER,
    ASK,
    FEED,
    QUESTIONS,
    QUOTE_CREATE,
    QUOTE_REVISE,
    QUOTE_SUBMIT,
    QUOTE_UPDATE,
    QUOTE_WITHDRAW,
    RFQ_CLOSE,
    RFQ_CREATE,
    RFQ_PUBLISH,
    RFQ_QUOTES,
    RFQ_UPDATE,
    Market,
    in_future,
    quote_input,
    rfq_input,
)


async def test_create_draft_with_lines_and_numbers(api: Api) -> None:
    m = await Market(api).setup()
    p = await api.mutate(
        RFQ_CREATE, rfq_input(m.category_gid, externalReference="SAP-4711"), m.buyer_token
    )
    assert p["errors"] == []
    rfq = p["rfq"]
    assert rfq["status"] == "DRAFT" and rfq["version"] == 1
    assert rfq["number"].startswith("RFQ-") and rfq["number"].endswith("-000001")
    assert [ln["unit"] for ln in rfq["lines"]] == ["EA", "EA"]
    assert rfq["lines"][0]["targetUnitPrice"] == {"amount": "0.050000", "currency": "EUR"}
    assert rfq["lines"][0]["specifications"] == [{"key": "Standard", "value": "DIN 933"}]
    assert rfq["evaluationWeights"] == {
        "price": "0.500000",
        "leadTime": "0.200000",
        "coverage": "0.200000",
        "supplierScore": "0.100000",
    }
    assert rfq["createdBy"]["email"] == m.buyer.users["buyer"].email
    assert rfq["externalReference"] == "SAP-4711"
    second = await api.mutate(RFQ_CREATE, rfq_input(m.category_gid), m.buyer_token)
    assert second["rfq"]["number"].endswith("-000002")
    other = await api.mutate(
        RFQ_CREATE, rfq_input(m.category_gid), m.other_buyer.users["buyer"].token
    )
    assert other["rfq"]["number"].endswith("-000001")  # numbering is per organisation
    by_ref = await api.gql('{ rfq(externalReference: "SAP-4711") { number } }', token=m.buyer_token)
    assert by_ref["rfq"]["number"] == rfq["number"]


async def test_update_draft_lines_added_changed_removed(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq(publish=False)
    first, second = rfq["lines"]
    p = await api.mutate(
        RFQ_UPDATE,
        {
            "id": rfq["id"],
            "expectedVersion": 1,
            "title": "Bolts and washers",
            "changeLines": [{"id": first["id"], "quantity": "12000"}],
            "removeLineIds": [second["id"]],
            "addLines": [{"description": "M8 washer", "quantity": "12000", "unit": "EA"}],
            "evaluationWeights": {"price": 2, "leadTime": 1, "coverage": 1, "supplierScore": 0},
        },
        m.buyer_token,
    )
    assert p["errors"] == []
    got = p["rfq"]
    assert got["title"] == "Bolts and washers" and got["version"] == 2
    assert [(ln["position"], ln["description"], ln["quantity"]) for ln in got["lines"]] == [
        (1, "M8x30 bolt", "12000.0000"),
        (2, "M8 washer", "12000.0000"),
    ]
    assert got["evaluationWeights"] == {
        "price": "0.500000",
        "leadTime": "0.250000",
        "coverage": "0.250000",
        "supplierScore": "0.000000",
    }
    stale = await api.mutate(
        RFQ_UPDATE, {"id": rfq["id"], "expectedVersion": 1, "title": "x"}, m.buyer_token
    )
    assert stale["errors"][0]["code"] == "VERSION_CONFLICT"


async def test_full_flow(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq()
    assert rfq["status"] == "OPEN"
    sales = m.supplier.users["sales"].token

    # the feed offers it to the supplier serving the parent category, without internals
    feed = (await api.gql(FEED, {}, sales))["rfqFeed"]
    assert feed["totalCount"] == 1
    node = feed["edges"][0]["node"]
    assert node["id"] == rfq["id"] and node["alreadyQuoted"] is False
    assert node["invitations"] is None and node["createdBy"] is None
    assert node["quoteCount"] is None and node["externalReference"] is None
    # ... and not to the IT supplier or the unverified one
    for org in (m.it_supplier, m.pending):
        assert (await api.gql(FEED, {}, org.users["sales"].token))["rfqFeed"]["totalCount"] == 0

    # draft, edit, submit
    draft = await api.mutate(QUOTE_CREATE, quote_input(rfq, lines=[]), sales)
    assert draft["errors"] == [] and draft["quote"]["status"] == "DRAFT"
    qid = draft["quote"]["id"]
    empty = await api.mutate(QUOTE_SUBMIT, {"id": qid}, sales)
    assert empty["errors"][0]["code"] == "NO_LINES"
    full = quote_input(rfq)
    del full["rfqId"]
    upd = await api.mutate(QUOTE_UPDATE, {"id": qid, **full}, sales)
    assert upd["errors"] == []
    sub = await api.mutate(QUOTE_SUBMIT, {"id": qid}, sales)
    assert sub["errors"] == []
    q = sub["quote"]
    assert (q["status"], q["revision"]) == ("SUBMITTED", 1)
    assert q["lines"][0]["lineTotal"] == {"amount": "450.00"}
    assert q["lines"][0]["unitPrice"] == {"amount": "0.045000"}
    assert q["lines"][0]["priceBreaks"] == [
        {"minQuantity": "20000.0000", "unitPrice": {"amount": "0.040000"}}
    ]
    assert q["total"] == {"amount": "760.00", "currency": "EUR"}  # 450 + 160 + 150 shipping

    # the buyer sees it (open RFQ, not sealed: prices visible)
    seen = (await api.gql(RFQ_QUOTES, {"id": rfq["id"]}, m.buyer_token))["rfq"]
    assert seen["quoteCount"] == 1 and seen["pricesSealed"] is False
    assert seen["quotes"]["edges"][0]["node"]["supplier"] == {"name": "Bolt Supplier"}
    assert seen["quotes"]["edges"][0]["node"]["shippingCost"]["amount"] == "150.000000"

    # revise: revision 2, revision 1 kept
    rev = await api.mutate(QUOTE_REVISE, {"id": qid, "shippingCost": "90"}, sales)
    assert rev["errors"] == []
    assert rev["quote"]["revision"] == 2
    assert [r["revision"] for r in rev["quote"]["revisions"]] == [1, 2]
    assert rev["quote"]["revisions"][0]["total"]["amount"] == "760.00"
    assert rev["quote"]["revisions"][1]["total"]["amount"] == "700.00"
    feed = (await api.gql(FEED, {}, sales))["rfqFeed"]
    assert feed["edges"][0]["node"]["alreadyQuoted"] is True

    # a second live quote is refused; the rival quotes too
    dup = await api.mutate(QUOTE_SUBMIT, quote_input(rfq), sales)
    assert dup["errors"][0]["code"] == "ALREADY_QUOTED"
    rival = await m.quote(rfq, m.rival, shippingCost="0")
    # withdraw the rival's quote
    wd = await api.mutate(
        QUOTE_WITHDRAW, {"id": rival["id"], "reason": "capacity"}, m.rival.users["sales"].token
    )
    assert wd["quote"]["status"] == "WITHDRAWN"

    # close early; then quotes are refused
    closed = await api.mutate(RFQ_CLOSE, {"id": rfq["id"]}, m.buyer_token)
    assert closed["rfq"]["status"] == "CLOSED"
    late = await api.mutate(QUOTE_REVISE, {"id": qid, "shippingCost": "1"}, sales)
    assert late["errors"][0]["code"] == "RFQ_NOT_OPEN"
    assert (await api.gql(FEED, {}, sales))["rfqFeed"]["totalCount"] == 0

    async with api.db.read() as s:
        actions = list(
            (
                await s.execute(
                    select(AuditEntry.action)
                    .where(AuditEntry.entity_type.in_(["Rfq", "Quote"]))
                    .order_by(AuditEntry.id)
                )
            ).scalars()
        )
    assert actions == [
        "rfq.created",
        "rfq.published",
        "quote.created",
        "quote.updated",
        "quote.submitted",
        "quote.revised",
        "quote.submitted",
        "quote.withdrawn",
        "rfq.closed",
    ]


async def test_clarifications(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq()
    asked = await api.mutate(
        ASK,
        {"rfqId": rfq["id"], "question": "Is DIN 931 acceptable?"},
        m.supplier.users["sales"].token,
    )
    assert asked["errors"] == [] and asked["question"]["mine"] is True
    # the buyer's systems are told which question was asked
    async with api.db.read() as s:
        payload = (
            await s.execute(
                select(OutboxEvent.payload).where(OutboxEvent.event_type == "rfq.question_asked")
            )
        ).scalar_one()
    assert payload["question_id"] == db_id(asked["question"]["id"])
    # the rival does not see an unanswered question of someone else
    rival_view = await api.gql(QUESTIONS, {"id": rfq["id"]}, m.rival.users["sales"].token)
    assert rival_view["rfq"]["questions"] == []
    # the buyer sees who asked, and answers
    buyer_view = await api.gql(QUESTIONS, {"id": rfq["id"]}, m.buyer_token)
    assert buyer_view["rfq"]["questions"][0]["askedBy"] == {"name": "Bolt Supplier"}
    ans = await api.mutate(
        ANSWER, {"id": asked["question"]["id"], "answer": "No, DIN 933."}, m.buyer_token
    )
    assert ans["errors"] == []
    rival_view = await api.gql(QUESTIONS, {"id": rfq["id"]}, m.rival.users["sales"].token)
    assert rival_view["rfq"]["questions"] == [
        {
            "question": "Is DIN 931 acceptable?",
            "answer": "No, DIN 933.",
            "mine": False,
            "askedBy": None,
        }
    ]
    # buyers do not ask; suppliers do not answer
    no = await api.mutate(ASK, {"rfqId": rfq["id"], "question": "?"}, m.buyer_token)
    assert no["errors"][0]["code"] == "FORBIDDEN"
    no = await api.mutate(
        ANSWER, {"id": asked["question"]["id"], "answer": "x"}, m.supplier.users["sales"].token
    )
    assert no["errors"][0]["code"] == "NOT_FOUND"


async def test_publish_refusals(api: Api) -> None:
    m = await Market(api).setup()
    no_lines = await m.rfq(publish=False, lines=[])
    p = await api.mutate(RFQ_PUBLISH, {"id": no_lines["id"]}, m.buyer_token)
    assert p["errors"] == [
        {"field": "lines", "code": "NO_LINES", "message": "Add at least one line before publishing"}
    ]
    past = await api.mutate(
        RFQ_CREATE, rfq_input(m.category_gid, deadline=in_future(days=-1)), m.buyer_token
    )
    assert past["errors"][0]["code"] == "DEADLINE_NOT_IN_FUTURE"
    invited = await m.rfq(publish=False, visibility="INVITED")
    p = await api.mutate(RFQ_PUBLISH, {"id": invited["id"]}, m.buyer_token)
    assert p["errors"][0]["code"] == "NO_INVITATIONS"
    ok = await m.rfq()
    again = await api.mutate(RFQ_PUBLISH, {"id": ok["id"]}, m.buyer_token)
    assert again["errors"][0]["code"] == "INVALID_TRANSITION"


async def test_absurd_amounts_are_refused_not_crashed(api: Api) -> None:
    """Numbers beyond the columns' precision are the client's error, never a 500."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    data = quote_input(rfq)
    data["lines"][0]["unitPrice"] = "1e30"
    data["shippingCost"] = "99999999999999999"
    p = await api.mutate(QUOTE_SUBMIT, data, m.supplier.users["sales"].token)
    assert {(e["field"], e["code"]) for e in p["errors"]} == {
        ("lines[0].unitPrice", "OUT_OF_RANGE"),
        ("shippingCost", "OUT_OF_RANGE"),
    }
    big = await api.mutate(
        RFQ_CREATE,
        rfq_input(m.category_gid, lines=[{"description": "x", "quantity": "1e13", "unit": "EA"}]),
        m.buyer_token,
    )
    assert big["errors"] == [
        {
            "field": "lines[0].quantity",
            "code": "OUT_OF_RANGE",
            "message": "Must be below 1,000,000,000,000",
        }
    ]
