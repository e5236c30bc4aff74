"""Access matrix of sourcing: RFQs, quotes, questions, the feed and the award.

Rules (DESIGN §2, §3): an RFQ is written by its buying organisation's BUYERs only and
read by its members, by the suppliers who may quote on it (VERIFIED and serving its
category, or invited) and by those who quoted on it; a quote is written by its
supplier's SUPPLIER_SALES staff, read by them and (once submitted) by the buyer; to
anyone else both are not found.  Users of a SUSPENDED or REJECTED supplier may not act
as that supplier (issue 9).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from graphql_schema.ids import to_global_id
from procurement.parties.models import VerificationStatus
from tests.access_matrix.harness import (
    FORBIDDEN,
    HIDDEN,
    NODE_QUERIES,
    NOT_FOUND,
    OK,
    SEEN,
    UNAUTHENTICATED,
    Mutation,
    Query,
    Row,
    Snapshot,
    World,
    node_rows,
    run_mutation,
    run_query,
    truncate,
)
from tests.access_matrix.ordering_world import api_key
from tests.helpers import Api
from tests.sourcing_docs import (
    ASK,
    QUOTE_CREATE,
    QUOTE_REVISE,
    QUOTE_SUBMIT,
    QUOTE_UPDATE,
    QUOTE_WITHDRAW,
    RFQ_CANCEL,
    RFQ_CLOSE,
    RFQ_CREATE,
    RFQ_EXTEND,
    RFQ_INVITE,
    RFQ_PUBLISH,
    RFQ_UNINVITE,
    RFQ_UPDATE,
    Market,
    in_future,
    quote_input,
    rfq_input,
)
from tests.test_comparison_api import AWARD

MISSING_ID = 10**9
ANSWER = """
mutation Answer($input: RfqQuestionAnswerInput!) {
  rfqQuestionAnswer(input: $input) { question { id answer } errors { field code message } }
}"""

# --- the world ---------------------------------------------------------------------------


async def build_world(api: Api) -> World:
    """Northwind (``buyer.*``; ``buyer.key``, an ERP key with BUYER) buys; ``sup``
    (``sup.key`` with SUPPLIER_SALES), ``rival`` (VERIFIED, the RFQs' category), ``it``
    (another category), ``pending`` and ``fallen`` (quoted, then SUSPENDED) sell.

    RFQs: ``rfq.draft``; ``rfq.open`` (``q.sub`` by sup, ``q.fallen``, a question by
    sup); ``rfq.open2`` (``q.draft``, sup's draft); ``rfq.invited`` (DRAFT, sup
    invited); ``rfq.closed`` (``q.win`` by sup).
    """
    m = await Market(api).setup()
    fallen = await api.org(
        "Fallen Supplier",
        supplier=True,
        users={"sales": ["SUPPLIER_SALES"]},
        category_codes=["31000000"],
    )
    platform = await api.platform_admin()
    draft = await m.rfq(publish=False, externalReference="ERP-RFQ-1")
    open_ = await m.rfq(title="Open RFQ")
    open2 = await m.rfq(title="Second open RFQ")
    invited = await m.rfq(visibility="INVITED", title="Invited RFQ")
    closing = await m.rfq(title="Closed RFQ")
    sub = await m.quote(open_)
    fallen_quote = await m.quote(open_, fallen)
    win = await m.quote(closing)
    sales = m.supplier.users["sales"].token
    made = await api.mutate(QUOTE_CREATE, quote_input(open2), sales)
    assert made["errors"] == [], made
    inv = await api.mutate(
        RFQ_INVITE, {"id": invited["id"], "supplierIds": [m.supplier.gid]}, m.buyer_token
    )
    assert inv["errors"] == [], inv
    closed = await api.mutate(RFQ_CLOSE, {"id": closing["id"]}, m.buyer_token)
    assert closed["errors"] == [], closed
    asked = await api.mutate(ASK, {"rfqId": open_["id"], "question": "Zinc flake?"}, sales)
    assert asked["errors"] == [], asked
    async with api.db.transaction() as s:
        await s.execute(
            text("UPDATE organization SET verification_status = :st WHERE id = :id"),
            {"st": VerificationStatus.SUSPENDED.value, "id": fallen.id},
        )

    tokens: dict[str, str | None] = {"anonymous": None, "platform.admin": platform.token}
    orgs = {
        "buyer": m.buyer,
        "other": m.other_buyer,
        "sup": m.supplier,
        "rival": m.rival,
        "it": m.it_supplier,
        "pending": m.pending,
        "fallen": fallen,
    }
    gids: dict[str, str] = {
        "rfq.draft": draft["id"],
        "rfq.open": open_["id"],
        "rfq.open2": open2["id"],
        "rfq.invited": invited["id"],
        "rfq.closed": closing["id"],
        "q.sub": sub["id"],
        "q.fallen": fallen_quote["id"],
        "q.win": win["id"],
        "q.draft": made["quote"]["id"],
        "question": asked["question"]["id"],
        "rfqline.draft": draft["lines"][0]["id"],
        "rfqline.open": open_["lines"][0]["id"],
        "quoteline.sub": sub["lines"][0]["id"],
        "quoteline.draft": made["quote"]["lines"][0]["id"],
        "missing.rfq": to_global_id("Rfq", MISSING_ID),
        "missing.quote": to_global_id("Quote", MISSING_ID),
        "missing.question": to_global_id("RfqQuestion", MISSING_ID),
    }
    for key, org in orgs.items():
        gids[key] = org.gid
        for label, actor in org.users.items():
            tokens[f"{key}.{label}"] = actor.token
    tokens["buyer.key"] = await api_key(api, m.buyer.users["admin"].token, ["BUYER"])
    tokens["sup.key"] = await api_key(api, m.supplier.users["admin"].token, ["SUPPLIER_SALES"])
    rfqs = {"rfq.open": open_, "rfq.open2": open2}
    return World(tokens=tokens, gids=gids, data={"rfqs": rfqs, "category": m.category_gid})


@pytest.fixture(scope="module")
async def world(matrix_api: Api, snapshot: Snapshot) -> World:
    await truncate(matrix_api.db)
    built = await build_world(matrix_api)
    await snapshot.take()
    return built


# --- reading back --------------------------------------------------------------------

RFQ_STATE = """
query R($id: ID!) {
  rfq(id: $id) { title status deadline buyer: createdBy { email }
                 invitations { supplier { name } } questions { answer } }
}"""
QUOTE_STATE = (
    "query Q($id: ID!) { quote(id: $id) { status revision leadTimeDays supplier { name } } }"
)


async def _as_platform(api: Api, world: World, document: str, key_or_gid: str) -> Any:
    gid = world.gids.get(key_or_gid, key_or_gid)
    data = await api.gql(document, {"id": gid}, world.token("platform.admin"))
    return next(iter(data.values()))


def _expect_rfq(**want: Any) -> Any:
    async def check(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
        rfq = await _as_platform(api, world, RFQ_STATE, payload["rfq"]["id"])
        assert {k: rfq[k] for k in want} == want

    return check


def _expect_quote(**want: Any) -> Any:
    async def check(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
        """Read back by its supplier (drafts are for the supplier's eyes only)."""
        data = await api.gql(QUOTE_STATE, {"id": payload["quote"]["id"]}, world.token(row.caller))
        quote = data["quote"]
        assert {k: quote[k] for k in want} == want

    return check


async def rfq_created(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
    """A DRAFT of the caller's own organisation: its own members see it, others don't."""
    gid = payload["rfq"]["id"]
    own = await api.gql(
        "query R($id: ID!) { rfq(id: $id) { status } }", {"id": gid}, world.token(row.caller)
    )
    assert own["rfq"] == {"status": "DRAFT"}
    others = "buyer.viewer" if row.caller.startswith("other") else "other.buyer"
    seen = await api.gql(
        "query R($id: ID!) { rfq(id: $id) { id } }", {"id": gid}, world.token(others)
    )
    assert seen["rfq"] is None


async def invited(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
    rfq = await _as_platform(api, world, RFQ_STATE, "rfq.invited")
    names = {i["supplier"]["name"] for i in rfq["invitations"]}
    assert names == ({"Bolt Supplier", "Rival Supplier"} if row.operation.endswith("s") else set())


async def question_asked(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
    """The buyer sees the new question (unanswered, beside sup's)."""
    data = await api.gql(
        "query R($id: ID!) { rfq(id: $id) { questions { question } } }",
        {"id": world.gids["rfq.open"]},
        world.token("buyer.viewer"),
    )
    assert {q["question"] for q in data["rfq"]["questions"]} == {"Zinc flake?", "Coating?"}


async def question_answered(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
    """Every supplier who may see the RFQ now reads the answer."""
    data = await api.gql(
        "query R($id: ID!) { rfq(id: $id) { questions { answer } } }",
        {"id": world.gids["rfq.open"]},
        world.token("rival.sales"),
    )
    assert data["rfq"]["questions"] == [{"answer": "Yes"}]


async def awarded(api: Api, world: World, row: Row, payload: dict[str, Any]) -> None:
    rfq = await _as_platform(api, world, RFQ_STATE, "rfq.closed")
    assert rfq["status"] == "AWARDED"
    orders = await api.gql(
        "{ purchaseOrders { nodes { status supplier { name } } } }",
        token=world.token("buyer.viewer"),
    )
    assert orders["purchaseOrders"]["nodes"] == [
        {"status": "DRAFT", "supplier": {"name": "Bolt Supplier"}}
    ]


# --- the mutations -------------------------------------------------------------------


def _id(world: World, target: str) -> dict[str, Any]:
    return {"id": world.gids[target]}


def _quote_on(world: World, target: str) -> dict[str, Any]:
    rfq = world.data["rfqs"]["rfq.open"]
    return quote_input({**rfq, "id": world.gids[target]})


MUTATIONS: dict[str, Mutation] = {
    "rfqCreate": Mutation(RFQ_CREATE, lambda w, t: rfq_input(w.data["category"]), rfq_created),
    "rfqUpdate": Mutation(
        RFQ_UPDATE,
        lambda w, t: {**_id(w, t), "title": "Renamed RFQ"},
        _expect_rfq(title="Renamed RFQ", status="DRAFT"),
        "rfq.draft",
        "missing.rfq",
    ),
    "rfqPublish": Mutation(
        RFQ_PUBLISH, _id, _expect_rfq(status="OPEN"), "rfq.draft", "missing.rfq"
    ),
    "rfqClose": Mutation(RFQ_CLOSE, _id, _expect_rfq(status="CLOSED"), "rfq.open", "missing.rfq"),
    "rfqCancel": Mutation(
        RFQ_CANCEL,
        lambda w, t: {**_id(w, t), "reason": "Budget cut"},
        _expect_rfq(status="CANCELLED"),
        "rfq.open",
        "missing.rfq",
    ),
    "rfqExtendDeadline": Mutation(
        RFQ_EXTEND,
        lambda w, t: {**_id(w, t), "deadline": in_future(days=20)},
        _expect_rfq(status="OPEN"),
        "rfq.open",
        "missing.rfq",
    ),
    "rfqInviteSuppliers": Mutation(
        RFQ_INVITE,
        lambda w, t: {**_id(w, t), "supplierIds": [w.gids["rival"]]},
        invited,
        "rfq.invited",
        "missing.rfq",
    ),
    "rfqUninviteSupplier": Mutation(
        RFQ_UNINVITE,
        lambda w, t: {**_id(w, t), "supplierId": w.gids["sup"]},
        invited,
        "rfq.invited",
        "missing.rfq",
    ),
    "quoteCreate": Mutation(
        QUOTE_CREATE,
        _quote_on,
        _expect_quote(status="DRAFT", supplier={"name": "Rival Supplier"}),
        "rfq.open",
        "missing.rfq",
    ),
    "quoteUpdate": Mutation(
        QUOTE_UPDATE,
        lambda w, t: {**_id(w, t), "leadTimeDays": 30},
        _expect_quote(status="DRAFT", leadTimeDays=30),
        "q.draft",
        "missing.quote",
    ),
    "quoteSubmit": Mutation(
        QUOTE_SUBMIT, _id, _expect_quote(status="SUBMITTED"), "q.draft", "missing.quote"
    ),
    "quoteRevise": Mutation(
        QUOTE_REVISE,
        lambda w, t: {**_id(w, t), "leadTimeDays": 30},
        _expect_quote(status="SUBMITTED", revision=2, leadTimeDays=30),
        "q.sub",
        "missing.quote",
    ),
    "quoteWithdraw": Mutation(
        QUOTE_WITHDRAW,
        lambda w, t: {**_id(w, t), "reason": "Price error"},
        _expect_quote(status="WITHDRAWN"),
        "q.sub",
        "missing.quote",
    ),
    "rfqQuestionAsk": Mutation(
        ASK,
        lambda w, t: {"rfqId": w.gids[t], "question": "Coating?"},
        question_asked,
        "rfq.open",
        "missing.rfq",
    ),
    "rfqQuestionAnswer": Mutation(
        ANSWER,
        lambda w, t: {**_id(w, t), "answer": "Yes"},
        question_answered,
        "question",
        "missing.question",
    ),
    "rfqAward": Mutation(
        AWARD,
        lambda w, t: {"rfqId": w.gids[t], "quoteId": w.gids["q.win"]},
        awarded,
        "rfq.closed",
        "missing.rfq",
    ),
}

RFQ_ID = ("NOT_FOUND", "rfqId")

M = Row
MUTATION_ROWS: list[Row] = [
    # rfqCreate: BUYERs of a buying organisation, for their own organisation
    M("rfqCreate", "anonymous", "anonymous", UNAUTHENTICATED),
    M("rfqCreate", "outsider-creates-for-own-org", "other.buyer", OK),
    M("rfqCreate", "wrong-role", "buyer.viewer", FORBIDDEN),
    M("rfqCreate", "wrong-role-supplier", "sup.sales", FORBIDDEN),
    M("rfqCreate", "wrong-role-platform-admin", "platform.admin", FORBIDDEN),
    M("rfqCreate", "right", "buyer.buyer", OK),
    M("rfqCreate", "right-api-key", "buyer.key", OK),
    M("rfqPublish", "right-api-key", "buyer.key", OK),
    M("quoteSubmit", "right-api-key", "sup.key", OK),
    M("quoteWithdraw", "outsider-api-key", "buyer.key", NOT_FOUND),
]
# the buyer's writes on its own RFQ: anyone else's RFQ is not found, even one a supplier
# may read (rfqClose and friends on rfq.open, which sup sees)
for _op in (
    "rfqUpdate",
    "rfqPublish",
    "rfqClose",
    "rfqCancel",
    "rfqExtendDeadline",
    "rfqInviteSuppliers",
    "rfqUninviteSupplier",
):
    MUTATION_ROWS += [
        M(_op, "anonymous", "anonymous", UNAUTHENTICATED),
        M(_op, "outsider", "other.buyer", NOT_FOUND),
        M(_op, "outsider-supplier", "sup.sales", NOT_FOUND),
        M(_op, "outsider-platform-admin", "platform.admin", NOT_FOUND),
        M(_op, "wrong-role", "buyer.viewer", FORBIDDEN),
        M(_op, "wrong-role-admin", "buyer.admin", FORBIDDEN),
        M(_op, "right", "buyer.buyer", OK),
    ]
MUTATION_ROWS += [
    # quoteCreate: SUPPLIER_SALES of a supplier that may quote on the RFQ
    M("quoteCreate", "anonymous", "anonymous", UNAUTHENTICATED),
    M("quoteCreate", "outsider-other-category", "it.sales", RFQ_ID),
    M("quoteCreate", "outsider-unverified", "pending.sales", RFQ_ID),
    M("quoteCreate", "wrong-role", "sup.admin", FORBIDDEN),
    M("quoteCreate", "wrong-role-buyer", "other.buyer", FORBIDDEN),
    M("quoteCreate", "right", "rival.sales", OK),
]
# the supplier's writes on its own quote: to anyone else, the buyer included, not found
for _op in ("quoteUpdate", "quoteSubmit", "quoteRevise", "quoteWithdraw"):
    MUTATION_ROWS += [
        M(_op, "anonymous", "anonymous", UNAUTHENTICATED),
        M(_op, "outsider", "rival.sales", NOT_FOUND),
        M(_op, "outsider-the-buyer", "buyer.buyer", NOT_FOUND),
        M(_op, "wrong-role", "sup.admin", FORBIDDEN),
        M(_op, "right", "sup.sales", OK),
    ]
MUTATION_ROWS += [
    M(
        "quoteWithdraw",
        "wrong-role-suspended-supplier",
        "fallen.sales",
        FORBIDDEN,
        target="q.fallen",
    ),
    # rfqQuestionAsk: sales staff of a supplier that may see the RFQ
    M("rfqQuestionAsk", "anonymous", "anonymous", UNAUTHENTICATED),
    M("rfqQuestionAsk", "outsider", "other.buyer", RFQ_ID),
    M("rfqQuestionAsk", "outsider-other-category", "it.sales", RFQ_ID),
    M("rfqQuestionAsk", "wrong-role", "sup.admin", FORBIDDEN),
    M("rfqQuestionAsk", "wrong-role-the-buyer", "buyer.buyer", FORBIDDEN),
    M(
        "rfqQuestionAsk",
        "wrong-role-suspended-supplier",
        "fallen.sales",
        FORBIDDEN,
    ),
    M("rfqQuestionAsk", "right", "sup.sales", OK),
    # rfqQuestionAnswer: the buyer's BUYERs; the asker does not see the question to answer
    M("rfqQuestionAnswer", "anonymous", "anonymous", UNAUTHENTICATED),
    M("rfqQuestionAnswer", "outsider", "other.buyer", NOT_FOUND),
    M("rfqQuestionAnswer", "outsider-the-asker", "sup.sales", NOT_FOUND),
    M("rfqQuestionAnswer", "wrong-role", "buyer.viewer", FORBIDDEN),
    M("rfqQuestionAnswer", "right", "buyer.buyer", OK),
    # rfqAward: the buyer's BUYERs; a supplier who quoted sees the RFQ but may not award
    M("rfqAward", "anonymous", "anonymous", UNAUTHENTICATED),
    M("rfqAward", "outsider", "other.buyer", RFQ_ID),
    M("rfqAward", "outsider-supplier-who-quoted", "sup.sales", FORBIDDEN),
    M("rfqAward", "wrong-role", "buyer.viewer", FORBIDDEN),
    M("rfqAward", "right", "buyer.buyer", OK),
]


@pytest.mark.parametrize("row", [r.param() for r in MUTATION_ROWS])
async def test_mutation(matrix_api: Api, snapshot: Snapshot, world: World, row: Row) -> None:
    await run_mutation(matrix_api, snapshot, world, MUTATIONS[row.operation], row)


# --- the queries -------------------------------------------------------------------------


def _nodes_have(field: str) -> Any:
    def seen(data: dict[str, Any], world: World, target: str) -> bool:
        return world.gids[target] in {n["id"] for n in data[field]["nodes"]}

    return seen


def _is(field: str) -> Any:
    def seen(data: dict[str, Any], world: World, target: str) -> bool:
        found = data[field]
        assert found is None or found == {"id": world.gids[target]}
        return found is not None

    return seen


QUERIES: dict[str, Query] = {
    "rfqs": Query(
        "{ rfqs(first: 100) { nodes { id } } }", lambda w, t: {}, _nodes_have("rfqs"), "rfq.draft"
    ),
    "rfq": Query(
        "query R($id: ID, $ref: String) { rfq(id: $id, externalReference: $ref) { id } }",
        _id,
        _is("rfq"),
        "rfq.draft",
    ),
    "rfqFeed": Query(
        "{ rfqFeed(first: 100) { nodes { id } } }",
        lambda w, t: {},
        _nodes_have("rfqFeed"),
        "rfq.open",
    ),
    "myQuotes": Query(
        "{ myQuotes(first: 100) { nodes { id } } }",
        lambda w, t: {},
        _nodes_have("myQuotes"),
        "q.draft",
    ),
    "quote": Query("query Q($id: ID!) { quote(id: $id) { id } }", _id, _is("quote"), "q.sub"),
    **NODE_QUERIES,
}

BY_REFERENCE = {"id": None, "ref": "ERP-RFQ-1"}

Q = Row
QUERY_ROWS: list[Row] = [
    # rfqs: the buying organisation's own RFQs, drafts included, for every member
    Q("rfqs", "anonymous", "anonymous", UNAUTHENTICATED),
    Q("rfqs", "outsider", "other.buyer", HIDDEN),
    Q("rfqs", "wrong-role-supplier", "sup.sales", HIDDEN, target="rfq.open"),
    Q("rfqs", "right-viewer", "buyer.viewer", SEEN),
    # rfq: as rfqs, plus the suppliers who may quote on it or did
    Q("rfq", "anonymous", "anonymous", HIDDEN),
    Q("rfq", "anonymous-open", "anonymous", HIDDEN, target="rfq.open"),
    Q("rfq", "outsider", "other.buyer", HIDDEN),
    Q("rfq", "outsider-open", "other.buyer", HIDDEN, target="rfq.open"),
    Q("rfq", "outsider-other-category", "it.sales", HIDDEN, target="rfq.open"),
    Q("rfq", "outsider-unverified", "pending.sales", HIDDEN, target="rfq.open"),
    Q("rfq", "wrong-role-supplier-sees-no-draft", "sup.sales", HIDDEN),
    Q("rfq", "outsider-not-invited", "rival.sales", HIDDEN, target="rfq.invited"),
    Q("rfq", "right-viewer", "buyer.viewer", SEEN),
    Q("rfq", "right-supplier", "sup.sales", SEEN, target="rfq.open"),
    Q("rfq", "right-supplier-who-quoted-closed", "sup.sales", SEEN, target="rfq.closed"),
    Q("rfq", "right-platform-admin", "platform.admin", SEEN),
    Q("rfq", "missing", "buyer.viewer", HIDDEN, target="missing.rfq"),
    # by external reference: the buying organisation's own key, meaningless to anyone else
    *(
        Q("rfq", f"{kind}-by-reference", caller, expect, extra=BY_REFERENCE)
        for kind, caller, expect in (
            ("anonymous", "anonymous", HIDDEN),
            ("outsider", "other.buyer", HIDDEN),
            ("outsider-supplier", "sup.sales", HIDDEN),
            ("right", "buyer.viewer", SEEN),
        )
    ),
    # rfqFeed: suppliers' staff, OPEN RFQs they may quote on
    Q("rfqFeed", "anonymous", "anonymous", UNAUTHENTICATED),
    Q("rfqFeed", "outsider-other-category", "it.sales", HIDDEN),
    Q("rfqFeed", "outsider-unverified", "pending.sales", HIDDEN),
    Q("rfqFeed", "outsider-suspended", "fallen.sales", HIDDEN),
    Q("rfqFeed", "wrong-role-buyer", "buyer.buyer", FORBIDDEN),
    Q("rfqFeed", "right", "sup.sales", SEEN),
    Q("rfqFeed", "right-not-invited-elsewhere", "rival.sales", HIDDEN, target="rfq.invited"),
    # myQuotes: the supplier's own quotes, drafts included
    Q("myQuotes", "anonymous", "anonymous", UNAUTHENTICATED),
    Q("myQuotes", "outsider", "rival.sales", HIDDEN),
    Q("myQuotes", "wrong-role-buyer", "buyer.buyer", HIDDEN, target="q.sub"),
    Q("myQuotes", "right", "sup.sales", SEEN),
    # quote: its supplier, and the buyer once it is submitted
    Q("quote", "anonymous", "anonymous", HIDDEN),
    Q("quote", "outsider", "rival.sales", HIDDEN),
    Q("quote", "outsider-buyer", "other.buyer", HIDDEN),
    Q("quote", "wrong-role-buyer-sees-no-draft", "buyer.viewer", HIDDEN, target="q.draft"),
    Q("quote", "right", "sup.sales", SEEN),
    Q("quote", "right-draft", "sup.admin", SEEN, target="q.draft"),
    Q("quote", "right-buyer", "buyer.viewer", SEEN),
    Q("quote", "missing", "sup.sales", HIDDEN, target="missing.quote"),
]


# every sourcing type through node(id) and nodes(ids): the same rules as the queries
QUERY_ROWS += [
    *node_rows(
        "rfq.draft",
        seen=("buyer.viewer", "platform.admin"),
        hidden=("anonymous", "other.buyer", "sup.sales"),
    ),
    *node_rows("rfq.open", seen=("sup.sales",), hidden=("it.sales", "pending.sales")),
    *node_rows(
        "rfqline.draft", seen=("buyer.viewer",), hidden=("anonymous", "other.buyer", "sup.sales")
    ),
    *node_rows("rfqline.open", seen=("sup.sales",), hidden=("it.sales", "other.buyer")),
    *node_rows(
        "q.sub",
        seen=("sup.sales", "buyer.viewer"),
        hidden=("anonymous", "rival.sales", "other.buyer"),
    ),
    *node_rows("q.draft", seen=("sup.admin",), hidden=("buyer.viewer", "rival.sales")),
    *node_rows(
        "quoteline.sub",
        seen=("sup.sales", "buyer.viewer"),
        hidden=("anonymous", "rival.sales", "other.buyer"),
    ),
    *node_rows("quoteline.draft", seen=("sup.admin",), hidden=("buyer.viewer", "rival.sales")),
    # an unanswered question: the buyer and the asker; no other supplier
    *node_rows(
        "question",
        seen=("buyer.viewer", "sup.sales"),
        hidden=("anonymous", "rival.sales", "other.buyer"),
    ),
]


@pytest.mark.parametrize("row", [r.param() for r in QUERY_ROWS])
async def test_query(matrix_api: Api, snapshot: Snapshot, world: World, row: Row) -> None:
    await run_query(matrix_api, snapshot, world, QUERIES[row.operation], row)


ROWS = QUERY_ROWS + MUTATION_ROWS
