"""Bad input to the sourcing mutations: each refusal carries a clear error code and
field, and writes nothing.

"Writes nothing" is checked, not assumed: every refusal below goes through
``refused``, which snapshots every row of every table before and after the call and
demands they are identical (versions, updated_at, audit entries, outbox events,
document counters included).  A refusal that rolled back only part of its work, or that
recorded an audit entry for a change it did not make, fails here.

Deadlines are real: the late-quote tests publish an RFQ closing about 2 s ahead and
sleep past it, and no sweep runs, so they exercise "an OPEN RFQ past its deadline
behaves as CLOSED at once" (DESIGN §3).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import text

from graphql_schema.ids import to_global_id
from procurement.db import Database
from tests.helpers import Api, Org, sales
from tests.sourcing_docs import (
    QUOTE_CREATE,
    QUOTE_REVISE,
    QUOTE_SUBMIT,
    QUOTE_UPDATE,
    QUOTE_WITHDRAW,
    RFQ_CANCEL,
    RFQ_CLOSE,
    RFQ_CREATE,
    RFQ_EXTEND,
    RFQ_PUBLISH,
    RFQ_UPDATE,
    Market,
    in_future,
    pass_deadline,
    quote_input,
    rfq_input,
)

# --- GraphQL documents --------------------------------------------------------------

RFQ_STATUS = """
query RfqStatus($id: ID!) {
  rfq(id: $id) { id status version deadline closedAt cancelReason }
}
"""

RFQS_BY_STATUS = """
query RfqsByStatus($status: RfqStatus!) {
  rfqs(filter: { status: $status }) { totalCount edges { node { id status } } }
}
"""

# --- helpers ------------------------------------------------------------------------

Snapshot = dict[str, Any]


async def db_snapshot(db: Database) -> Snapshot:
    """Every row of every application table, as JSON, in a stable order."""
    async with db.read() as s:
        tables = [
            r[0]
            for r in await s.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version' ORDER BY tablename"
                )
            )
        ]
        parts = ", ".join(
            f"'{t}', (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY to_jsonb(x)::text), "
            f"'[]'::jsonb) FROM {t} x)"
            for t in tables
        )
        value: Snapshot = (
            await s.execute(text(f"SELECT jsonb_build_object({parts})"))
        ).scalar_one()
    return value


async def refused(
    api: Api,
    document: str,
    input: dict[str, Any],
    token: str,
    *expected: tuple[str | None, str],
) -> list[dict[str, Any]]:
    """Run a mutation that must be refused with exactly ``expected`` (field, code) pairs,
    returning no object and leaving the database exactly as it was."""
    before = await db_snapshot(api.db)
    payload = await api.mutate(document, input, token)
    after = await db_snapshot(api.db)
    errors: list[dict[str, Any]] = payload["errors"]
    got = sorted((e["field"] or "", e["code"]) for e in errors)
    assert got == sorted((f or "", c) for f, c in expected), errors
    assert all(e["message"] for e in errors), errors
    (obj,) = [v for k, v in payload.items() if k != "errors"]
    assert obj is None, payload
    changed = sorted(t for t in before if before[t] != after[t])
    assert changed == [], f"a refused mutation wrote to {changed}"
    return errors


def days_from_today(n: int) -> str:
    return (datetime.now(UTC) + timedelta(days=n)).date().isoformat()


# --- late quotes --------------------------------------------------------------------


async def test_quote_writes_after_the_deadline_are_refused_with_deadline_passed(
    api: Api,
) -> None:
    """Once the deadline passes, no quote may be created, submitted, edited, revised or
    withdrawn (the offer binds until the award), although no sweep has closed the RFQ."""
    m = await Market(api).setup()
    rfq = await m.rfq(deadline=in_future(hours=1))
    submitted = await m.quote(rfq)
    draft = await api.mutate(QUOTE_CREATE, quote_input(rfq), sales(m.rival))
    assert draft["errors"] == []
    draft_id = draft["quote"]["id"]
    await pass_deadline(api.db, rfq["id"])

    late = ("rfqId", "DEADLINE_PASSED")
    await refused(api, QUOTE_SUBMIT, quote_input(rfq), sales(m.supplier), late)
    await refused(api, QUOTE_CREATE, quote_input(rfq), sales(m.supplier), late)
    await refused(
        api, QUOTE_REVISE, {"id": submitted["id"], "shippingCost": "1"}, sales(m.supplier), late
    )
    await refused(
        api,
        QUOTE_WITHDRAW,
        {"id": submitted["id"], "reason": "too late"},
        sales(m.supplier),
        ("id", "DEADLINE_PASSED"),
    )
    # the rival's draft can be neither finished nor sent
    await refused(api, QUOTE_SUBMIT, {"id": draft_id}, sales(m.rival), late)
    await refused(api, QUOTE_UPDATE, {"id": draft_id, "leadTimeDays": 5}, sales(m.rival), late)


async def test_late_quote_from_an_eligible_supplier_that_never_quoted(api: Api) -> None:
    """The commonest late quote: a supplier that saw the RFQ in its feed sends its offer a
    moment after the deadline.  It must be told the deadline passed (it could see the RFQ,
    so nothing is revealed), not that the RFQ does not exist.  A supplier that could never
    see the RFQ still gets NOT_FOUND."""
    m = await Market(api).setup()
    rfq = await m.rfq(deadline=in_future(hours=1))
    await pass_deadline(api.db, rfq["id"])
    await refused(api, QUOTE_SUBMIT, quote_input(rfq), sales(m.rival), ("rfqId", "DEADLINE_PASSED"))
    await refused(api, QUOTE_CREATE, quote_input(rfq), sales(m.rival), ("rfqId", "DEADLINE_PASSED"))
    await refused(api, QUOTE_SUBMIT, quote_input(rfq), sales(m.it_supplier), ("rfqId", "NOT_FOUND"))


async def test_rfq_past_its_deadline_reads_closed_and_refuses_close_and_extend(api: Api) -> None:
    """Reads judge the deadline themselves: before any sweep the RFQ is CLOSED through
    rfq(id:) and the status filters, and the OPEN-only transitions are refused."""
    m = await Market(api).setup()
    rfq = await m.rfq(deadline=in_future(hours=1))
    open_ids = await api.gql(RFQS_BY_STATUS, {"status": "OPEN"}, m.buyer_token)
    assert [e["node"]["id"] for e in open_ids["rfqs"]["edges"]] == [rfq["id"]]
    await pass_deadline(api.db, rfq["id"])

    got = (await api.gql(RFQ_STATUS, {"id": rfq["id"]}, m.buyer_token))["rfq"]
    assert got["status"] == "CLOSED"
    closed = (await api.gql(RFQS_BY_STATUS, {"status": "CLOSED"}, m.buyer_token))["rfqs"]
    assert closed["totalCount"] == 1
    assert closed["edges"][0]["node"] == {"id": rfq["id"], "status": "CLOSED"}
    still_open = (await api.gql(RFQS_BY_STATUS, {"status": "OPEN"}, m.buyer_token))["rfqs"]
    assert still_open == {"totalCount": 0, "edges": []}

    await refused(api, RFQ_CLOSE, {"id": rfq["id"]}, m.buyer_token, (None, "INVALID_TRANSITION"))
    await refused(
        api,
        RFQ_EXTEND,
        {"id": rfq["id"], "deadline": in_future(days=3)},
        m.buyer_token,
        (None, "INVALID_TRANSITION"),
    )
    # the row itself is untouched: still OPEN in storage until the sweep records it
    async with api.db.read() as s:
        stored = (
            await s.execute(
                text("SELECT status, version FROM rfq WHERE number = :n"), {"n": rfq["number"]}
            )
        ).one()
    assert tuple(stored) == ("OPEN", 2)


# --- quotes on RFQs that are not open -----------------------------------------------


async def test_quotes_on_a_cancelled_rfq_are_refused_with_rfq_not_open(api: Api) -> None:
    """A supplier that quoted before the cancel still sees the RFQ (to follow the
    outcome), but can neither quote again, revise nor withdraw."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    quote = await m.quote(rfq)
    cancel = await api.mutate(
        RFQ_CANCEL, {"id": rfq["id"], "reason": "Budget frozen"}, m.buyer_token
    )
    assert cancel["errors"] == [] and cancel["rfq"]["status"] == "CANCELLED"
    seen = await api.gql(RFQ_STATUS, {"id": rfq["id"]}, sales(m.supplier))
    assert seen["rfq"]["status"] == "CANCELLED"

    not_open = ("rfqId", "RFQ_NOT_OPEN")
    await refused(api, QUOTE_SUBMIT, quote_input(rfq), sales(m.supplier), not_open)
    await refused(api, QUOTE_CREATE, quote_input(rfq), sales(m.supplier), not_open)
    await refused(
        api, QUOTE_REVISE, {"id": quote["id"], "leadTimeDays": 3}, sales(m.supplier), not_open
    )
    await refused(
        api, QUOTE_WITHDRAW, {"id": quote["id"]}, sales(m.supplier), ("id", "RFQ_NOT_OPEN")
    )


async def test_quotes_on_a_draft_rfq_are_not_found(api: Api) -> None:
    """Suppliers cannot see drafts, so a draft is reported exactly like a missing RFQ."""
    m = await Market(api).setup()
    draft = await m.rfq(publish=False)
    await refused(api, QUOTE_SUBMIT, quote_input(draft), sales(m.supplier), ("rfqId", "NOT_FOUND"))
    await refused(api, QUOTE_CREATE, quote_input(draft), sales(m.supplier), ("rfqId", "NOT_FOUND"))


# --- one live quote per supplier ----------------------------------------------------


async def test_submitting_the_same_draft_twice_is_an_invalid_transition(api: Api) -> None:
    """The second submit of a draft must not create a second revision."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    draft = await api.mutate(QUOTE_CREATE, quote_input(rfq), sales(m.supplier))
    first = await api.mutate(QUOTE_SUBMIT, {"id": draft["quote"]["id"]}, sales(m.supplier))
    assert first["errors"] == []
    assert (first["quote"]["status"], first["quote"]["revision"]) == ("SUBMITTED", 1)
    await refused(
        api,
        QUOTE_SUBMIT,
        {"id": draft["quote"]["id"]},
        sales(m.supplier),
        (None, "INVALID_TRANSITION"),
    )


async def test_a_second_create_and_submit_is_already_quoted(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq()
    await m.quote(rfq)
    await refused(
        api, QUOTE_SUBMIT, quote_input(rfq), sales(m.supplier), ("rfqId", "ALREADY_QUOTED")
    )
    await refused(
        api, QUOTE_CREATE, quote_input(rfq), sales(m.supplier), ("rfqId", "ALREADY_QUOTED")
    )


async def test_a_withdrawn_quote_frees_the_slot(api: Api) -> None:
    """Withdrawing is not the end of the supplier's participation: it may send a new
    offer, and the buyer then sees the new one as live."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    old = await m.quote(rfq)
    wd = await api.mutate(QUOTE_WITHDRAW, {"id": old["id"]}, sales(m.supplier))
    assert wd["errors"] == [] and wd["quote"]["status"] == "WITHDRAWN"
    new = await m.quote(rfq, shippingCost="10")
    assert new["id"] != old["id"]
    assert (new["status"], new["revision"]) == ("SUBMITTED", 1)
    async with api.db.read() as s:
        rows = (await s.execute(text("SELECT status FROM quote ORDER BY id"))).scalars().all()
    assert rows == ["WITHDRAWN", "SUBMITTED"]


# --- quote lines and fields ---------------------------------------------------------


async def test_quote_line_for_another_rfqs_line(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq()
    other = await m.rfq(title="Another RFQ")
    data = quote_input(rfq)
    data["lines"][0]["rfqLineId"] = other["lines"][0]["id"]
    await refused(
        api, QUOTE_SUBMIT, data, sales(m.supplier), ("lines[0].rfqLineId", "LINE_NOT_IN_RFQ")
    )


async def test_quote_line_with_an_id_of_the_wrong_type(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq()
    data = quote_input(rfq)
    data["lines"][1]["rfqLineId"] = rfq["id"]  # an Rfq's ID, not an RfqLine's
    await refused(api, QUOTE_SUBMIT, data, sales(m.supplier), ("lines[1].rfqLineId", "INVALID_ID"))


async def test_the_same_rfq_line_priced_twice(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq()
    data = quote_input(rfq)
    data["lines"][1]["rfqLineId"] = rfq["lines"][0]["id"]
    await refused(api, QUOTE_SUBMIT, data, sales(m.supplier), ("lines[1].rfqLineId", "DUPLICATE"))


async def test_non_positive_prices_quantities_and_negative_shipping(api: Api) -> None:
    """Every offending field is reported at once, each with its exact path."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    data = quote_input(rfq, shippingCost="-1")
    data["lines"][0]["unitPrice"] = "0"
    data["lines"][1]["quantity"] = "-5"
    await refused(
        api,
        QUOTE_SUBMIT,
        data,
        sales(m.supplier),
        ("lines[0].unitPrice", "NOT_POSITIVE"),
        ("lines[1].quantity", "NOT_POSITIVE"),
        ("shippingCost", "NOT_POSITIVE"),
    )


async def test_zero_shipping_is_allowed(api: Api) -> None:
    """Free shipping is an offer, not an error (only negative shipping is refused)."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    q = await m.quote(rfq, shippingCost="0")
    assert Decimal(q["shippingCost"]["amount"]) == 0
    assert Decimal(q["total"]["amount"]) == Decimal("610.00")  # 450 + 160, nothing added


async def test_moq_above_the_quantity_offered(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq()
    data = quote_input(rfq)
    data["lines"][0]["moq"] = "20000"  # offers 10000
    await refused(api, QUOTE_SUBMIT, data, sales(m.supplier), ("lines[0].moq", "INVALID"))


async def test_unknown_quote_currency(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq()
    await refused(
        api,
        QUOTE_SUBMIT,
        quote_input(rfq, currency="ZZZ"),
        sales(m.supplier),
        ("currency", "INVALID_CURRENCY"),
    )


async def test_valid_until_in_the_past_is_refused_on_submit(api: Api) -> None:
    """A draft may carry an old date while it is being prepared; submitting an offer that
    has already expired is refused."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    past = days_from_today(-1)
    await refused(
        api,
        QUOTE_SUBMIT,
        quote_input(rfq, validUntil=past),
        sales(m.supplier),
        ("validUntil", "INVALID"),
    )
    draft = await api.mutate(QUOTE_CREATE, quote_input(rfq, validUntil=past), sales(m.supplier))
    assert draft["errors"] == [] and draft["quote"]["status"] == "DRAFT"
    await refused(
        api,
        QUOTE_SUBMIT,
        {"id": draft["quote"]["id"]},
        sales(m.supplier),
        ("validUntil", "INVALID"),
    )


async def test_missing_lead_time_is_required_on_submit(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq()
    await refused(
        api,
        QUOTE_SUBMIT,
        quote_input(rfq, leadTimeDays=None),
        sales(m.supplier),
        ("leadTimeDays", "REQUIRED"),
    )


# --- RFQ input ----------------------------------------------------------------------


async def test_ids_of_the_wrong_type_are_invalid_id(api: Api) -> None:
    """An ID of another type (or no ID at all) is a typed error on its field, never a
    lookup of some other row with the same number."""
    m = await Market(api).setup()
    token = m.buyer_token
    await refused(
        api,
        RFQ_CREATE,
        rfq_input(m.buyer.gid),  # an Organization's ID as the category
        token,
        ("categoryId", "INVALID_ID"),
    )
    bad_line = rfq_input(m.category_gid)
    bad_line["lines"][0]["categoryId"] = "not-an-id"
    await refused(api, RFQ_CREATE, bad_line, token, ("lines[0].categoryId", "INVALID_ID"))
    rfq = await m.rfq()
    quote = await m.quote(rfq)
    await refused(api, RFQ_CLOSE, {"id": quote["id"]}, token, ("id", "INVALID_ID"))
    await refused(
        api,
        QUOTE_SUBMIT,
        {**quote_input(rfq), "rfqId": rfq["lines"][0]["id"]},
        sales(m.rival),
        ("rfqId", "INVALID_ID"),
    )


async def test_empty_title_is_required(api: Api) -> None:
    m = await Market(api).setup()
    await refused(
        api,
        RFQ_CREATE,
        rfq_input(m.category_gid, title="   "),
        m.buyer_token,
        ("title", "REQUIRED"),
    )


async def test_unknown_rfq_currency(api: Api) -> None:
    m = await Market(api).setup()
    await refused(
        api,
        RFQ_CREATE,
        rfq_input(m.category_gid, currency="ZZZ"),
        m.buyer_token,
        ("currency", "INVALID_CURRENCY"),
    )


async def test_deadline_in_the_past(api: Api) -> None:
    m = await Market(api).setup()
    await refused(
        api,
        RFQ_CREATE,
        rfq_input(m.category_gid, deadline=in_future(minutes=-5)),
        m.buyer_token,
        ("deadline", "DEADLINE_NOT_IN_FUTURE"),
    )


async def test_need_by_before_the_deadline(api: Api) -> None:
    """Goods cannot be needed before the supplier even knows it won."""
    m = await Market(api).setup()
    await refused(
        api,
        RFQ_CREATE,
        rfq_input(m.category_gid, deadline=in_future(days=7), needBy=days_from_today(2)),
        m.buyer_token,
        ("needBy", "INVALID"),
    )


async def test_evaluation_weights_all_zero_or_negative(api: Api) -> None:
    """Weights are normalised to sum to 1, which needs a positive total and no negative
    weight.  The error names the input field, ``evaluationWeights``."""
    m = await Market(api).setup()
    zero = {"price": "0", "leadTime": "0", "coverage": "0", "supplierScore": "0"}
    negative = {"price": "1", "leadTime": "-0.5", "coverage": "0.2", "supplierScore": "0.1"}
    for weights in (zero, negative):
        await refused(
            api,
            RFQ_CREATE,
            rfq_input(m.category_gid, evaluationWeights=weights),
            m.buyer_token,
            ("evaluationWeights", "INVALID"),
        )


async def test_external_reference_is_unique_per_organisation(api: Api) -> None:
    """The reference is the buyer's ERP key: unique within the organisation, free for
    another organisation to use."""
    m = await Market(api).setup()
    first = await api.mutate(
        RFQ_CREATE, rfq_input(m.category_gid, externalReference="PR-100"), m.buyer_token
    )
    assert first["errors"] == []
    await refused(
        api,
        RFQ_CREATE,
        rfq_input(m.category_gid, externalReference="PR-100"),
        m.buyer_token,
        ("externalReference", "DUPLICATE"),
    )
    other = await api.mutate(
        RFQ_CREATE,
        rfq_input(m.category_gid, externalReference="PR-100"),
        m.other_buyer.users["buyer"].token,
    )
    assert other["errors"] == [] and other["rfq"]["externalReference"] == "PR-100"


async def test_line_quantity_must_be_positive(api: Api) -> None:
    m = await Market(api).setup()
    data = rfq_input(m.category_gid)
    data["lines"][0]["quantity"] = "0"
    data["lines"][1]["quantity"] = "-3"
    await refused(
        api,
        RFQ_CREATE,
        data,
        m.buyer_token,
        ("lines[0].quantity", "NOT_POSITIVE"),
        ("lines[1].quantity", "NOT_POSITIVE"),
    )


async def test_open_rfq_cannot_be_edited(api: Api) -> None:
    """Suppliers price what was published; changes after publishing go through
    clarifications or a new RFQ."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    await refused(
        api,
        RFQ_UPDATE,
        {"id": rfq["id"], "title": "Changed after publishing"},
        m.buyer_token,
        (None, "INVALID_TRANSITION"),
    )


async def test_cancel_needs_a_reason_and_keeps_it(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq()
    await refused(
        api, RFQ_CANCEL, {"id": rfq["id"], "reason": "  "}, m.buyer_token, ("reason", "REQUIRED")
    )
    ok = await api.mutate(
        RFQ_CANCEL, {"id": rfq["id"], "reason": " Project stopped "}, m.buyer_token
    )
    assert ok["errors"] == []
    assert (ok["rfq"]["status"], ok["rfq"]["version"]) == ("CANCELLED", 3)
    got = (await api.gql(RFQ_STATUS, {"id": rfq["id"]}, m.buyer_token))["rfq"]
    assert got["status"] == "CANCELLED"
    assert got["cancelReason"] == "Project stopped"
    assert got["closedAt"] is not None  # it was OPEN: the bidding ended now
    await refused(
        api,
        RFQ_CANCEL,
        {"id": rfq["id"], "reason": "again"},
        m.buyer_token,
        (None, "INVALID_TRANSITION"),
    )


async def test_extend_deadline_later_only(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq()  # deadline in 7 days, version 2 after publishing
    await refused(
        api,
        RFQ_EXTEND,
        {"id": rfq["id"], "deadline": in_future(days=3)},
        m.buyer_token,
        ("deadline", "INVALID"),
    )
    later = (datetime.now(UTC) + timedelta(days=14)).replace(microsecond=0)
    ok = await api.mutate(
        RFQ_EXTEND, {"id": rfq["id"], "deadline": later.isoformat()}, m.buyer_token
    )
    assert ok["errors"] == []
    assert ok["rfq"]["version"] == 3
    assert datetime.fromisoformat(ok["rfq"]["deadline"]) == later
    assert ok["rfq"]["status"] == "OPEN"


async def test_stale_expected_version_is_a_conflict(api: Api) -> None:
    """An ERP holding version 1 (the draft) must not close the RFQ it has not seen
    published."""
    m = await Market(api).setup()
    rfq = await m.rfq()  # version 2 now
    await refused(
        api,
        RFQ_CLOSE,
        {"id": rfq["id"], "expectedVersion": 1},
        m.buyer_token,
        ("expectedVersion", "VERSION_CONFLICT"),
    )
    await refused(
        api,
        RFQ_EXTEND,
        {"id": rfq["id"], "deadline": in_future(days=20), "expectedVersion": 1},
        m.buyer_token,
        ("expectedVersion", "VERSION_CONFLICT"),
    )
    ok = await api.mutate(RFQ_CLOSE, {"id": rfq["id"], "expectedVersion": 2}, m.buyer_token)
    assert ok["errors"] == [] and ok["rfq"]["status"] == "CLOSED"


async def test_stale_expected_version_on_a_quote(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq()
    q = await m.quote(rfq)
    await refused(
        api,
        QUOTE_REVISE,
        {"id": q["id"], "shippingCost": "5", "expectedVersion": q["version"] - 1},
        sales(m.supplier),
        ("expectedVersion", "VERSION_CONFLICT"),
    )


# --- roles --------------------------------------------------------------------------


async def test_a_viewer_cannot_create_rfqs(api: Api) -> None:
    m = await Market(api).setup()
    await refused(
        api,
        RFQ_CREATE,
        rfq_input(m.category_gid),
        m.buyer.users["viewer"].token,
        (None, "FORBIDDEN"),
    )


async def test_supplier_sales_cannot_create_rfqs(api: Api) -> None:
    m = await Market(api).setup()
    await refused(
        api, RFQ_CREATE, rfq_input(m.category_gid), sales(m.supplier), (None, "FORBIDDEN")
    )


async def test_a_buyer_cannot_quote(api: Api) -> None:
    m = await Market(api).setup()
    rfq = await m.rfq()
    await refused(api, QUOTE_CREATE, quote_input(rfq), m.buyer_token, (None, "FORBIDDEN"))
    await refused(
        api, QUOTE_SUBMIT, quote_input(rfq), m.other_buyer.users["buyer"].token, (None, "FORBIDDEN")
    )


async def test_an_organisation_cannot_quote_on_its_own_rfq(api: Api) -> None:
    """An organisation that both buys and supplies (and serves the category) must not
    bid on its own request, whoever of its staff tries."""
    m = await Market(api).setup()
    dual: Org = await api.org(
        "Buys And Sells",
        buyer=True,
        supplier=True,
        users={"both": ["BUYER", "SUPPLIER_SALES"], "sales": ["SUPPLIER_SALES"]},
        category_codes=["31000000"],
    )
    both = dual.users["both"].token
    created = await api.mutate(RFQ_CREATE, rfq_input(m.category_gid), both)
    assert created["errors"] == []
    rfq = created["rfq"]
    pub = await api.mutate(RFQ_PUBLISH, {"id": rfq["id"]}, both)
    assert pub["errors"] == []
    for token in (both, sales(dual)):
        await refused(api, QUOTE_SUBMIT, quote_input(rfq), token, (None, "FORBIDDEN"))
        await refused(api, QUOTE_CREATE, quote_input(rfq), token, (None, "FORBIDDEN"))
    # other suppliers may quote on it as usual
    assert (await m.quote(rfq))["status"] == "SUBMITTED"


async def test_other_buyer_cannot_touch_the_rfq(api: Api) -> None:
    """Another buyer's RFQ is reported as not found, the same as a missing one."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    other = m.other_buyer.users["buyer"].token
    await refused(api, RFQ_CLOSE, {"id": rfq["id"]}, other, ("id", "NOT_FOUND"))
    await refused(
        api, RFQ_CLOSE, {"id": to_global_id("Rfq", 999999)}, m.buyer_token, ("id", "NOT_FOUND")
    )
