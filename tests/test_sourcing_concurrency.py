"""Sourcing under real concurrency against PostgreSQL, and the cost of reading it.

Each ``api.raw`` call is a request of its own through the ASGI app, with its own
transaction on its own pooled connection, so ``asyncio.gather`` of two of them is two
clients racing.  The rules raced here (DESIGN §3): one live quote per supplier and
RFQ; a draft is submitted once; a close and a submission are ordered by the RFQ's row
lock; the deadline sweep closes each RFQ exactly once however many workers run.  Then
"Done means": listing RFQs with their lines and quotes costs a constant number of SQL
statements, whatever the page size.
"""

from __future__ import annotations

import asyncio
import re
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import text

from procurement.db import Database
from procurement.sourcing import quotes, rfqs
from procurement.sourcing.deadlines import close_expired_rfqs
from procurement.sourcing.inputs import QuoteFields, QuoteLineInput, RfqFields, RfqLineInput
from procurement.viewer import Role, Viewer
from procurement.worker import run as run_worker
from tests.conftest import StatementCounter
from tests.helpers import Api, db_id, rows, sales
from tests.sourcing_docs import (
    QUOTE_CREATE,
    QUOTE_SUBMIT,
    RFQ_CLOSE,
    Market,
    quote_input,
)

# --- GraphQL documents --------------------------------------------------------------

RFQ_PAGE = """
query RfqPage($n: Int!) {
  rfqs(first: $n) {
    edges { node {
      lines { id description quantity }
      quotes { edges { node {
        supplier { name }
        lines { unitPrice { amount } quantity }
      } } }
    } }
  }
}
"""

# --- helpers ------------------------------------------------------------------------


def first_table(sql: str) -> str:
    """The table a statement reads first (its outermost FROM)."""
    found = re.search(r"\bFROM (\w+)", sql)
    return found.group(1) if found else sql[:40]


async def expire(db: Database, rfq_ids: list[int]) -> None:
    """Move deadlines into the past directly: the sweep is what is under test here, and
    sleeping until real deadlines pass would only slow the suite down."""
    async with db.transaction() as s:
        await s.execute(
            text("UPDATE rfq SET deadline = now() - interval '1 minute' WHERE id = ANY(:ids)"),
            {"ids": rfq_ids},
        )


# --- one live quote per supplier ----------------------------------------------------


async def test_concurrent_create_and_submit_lands_exactly_one_quote(api: Api) -> None:
    """Two ERP retries of the same offer arrive at once: the pre-check cannot see the
    other's uncommitted row, so the partial unique index must decide, and the loser
    must get ALREADY_QUOTED (not a 500, not DUPLICATE, not a second quote)."""
    m = await Market(api).setup()
    for _ in range(5):
        rfq = await m.rfq()
        data = quote_input(rfq)
        a, b = await asyncio.gather(
            api.mutate(QUOTE_SUBMIT, data, sales(m.supplier)),
            api.mutate(QUOTE_SUBMIT, data, sales(m.supplier)),
        )
        winners = [p for p in (a, b) if p["errors"] == []]
        losers = [p for p in (a, b) if p["errors"] != []]
        assert len(winners) == 1 and len(losers) == 1, (a, b)
        assert winners[0]["quote"]["status"] == "SUBMITTED"
        assert [(e["field"], e["code"]) for e in losers[0]["errors"]] == [
            ("rfqId", "ALREADY_QUOTED")
        ]
        assert losers[0]["quote"] is None
        rid = db_id(rfq["id"])
        assert await rows(
            api.db, "SELECT id, status, revision FROM quote WHERE rfq_id = :r", r=rid
        ) == [(db_id(winners[0]["quote"]["id"]), "SUBMITTED", 1)]
        assert await rows(
            api.db,
            "SELECT count(*) FROM quote_revision qr JOIN quote q ON q.id = qr.quote_id "
            "WHERE q.rfq_id = :r",
            r=rid,
        ) == [(1,)]
    # one submission event per RFQ, nothing from the losers
    assert await rows(
        api.db, "SELECT count(*) FROM audit_entry WHERE action = 'quote.submitted'"
    ) == [(5,)]
    assert await rows(
        api.db, "SELECT count(*) FROM outbox_event WHERE event_type = 'quote.submitted'"
    ) == [(5,)]


async def test_concurrent_submits_of_one_draft_submit_it_once(api: Api) -> None:
    """The draft's row lock serialises the two: the second finds it SUBMITTED."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    draft = await api.mutate(QUOTE_CREATE, quote_input(rfq), sales(m.supplier))
    qid = draft["quote"]["id"]
    a, b = await asyncio.gather(
        api.mutate(QUOTE_SUBMIT, {"id": qid}, sales(m.supplier)),
        api.mutate(QUOTE_SUBMIT, {"id": qid}, sales(m.supplier)),
    )
    winners = [p for p in (a, b) if p["errors"] == []]
    losers = [p for p in (a, b) if p["errors"] != []]
    assert len(winners) == 1 and len(losers) == 1, (a, b)
    assert (winners[0]["quote"]["status"], winners[0]["quote"]["revision"]) == ("SUBMITTED", 1)
    assert [e["code"] for e in losers[0]["errors"]] == ["INVALID_TRANSITION"]
    assert await rows(api.db, "SELECT status, revision, version FROM quote") == [
        ("SUBMITTED", 1, 2)
    ]
    assert await rows(api.db, "SELECT quote_id, revision FROM quote_revision") == [(db_id(qid), 1)]


async def test_close_racing_a_submission_is_decided_once(api: Api) -> None:
    """Whichever takes the RFQ's row lock first wins, and everything agrees with it:
    either the quote was submitted before the close (its event comes first), or it was
    refused with RFQ_NOT_OPEN and is still the untouched draft."""
    m = await Market(api).setup()
    outcomes: Counter[str] = Counter()
    for i in range(6):
        rfq = await m.rfq()
        draft = await api.mutate(QUOTE_CREATE, quote_input(rfq), sales(m.supplier))
        qid = draft["quote"]["id"]
        submit = api.mutate(QUOTE_SUBMIT, {"id": qid}, sales(m.supplier))
        close = api.mutate(RFQ_CLOSE, {"id": rfq["id"]}, m.buyer_token)
        if i % 2:
            closed, submitted = await asyncio.gather(close, submit)
        else:
            submitted, closed = await asyncio.gather(submit, close)

        assert closed["errors"] == [] and closed["rfq"]["status"] == "CLOSED"
        quote_row = await rows(
            api.db, "SELECT status, revision FROM quote WHERE id = :q", q=db_id(qid)
        )
        events = await rows(
            api.db,
            "SELECT action FROM audit_entry WHERE (entity_type = 'Quote' AND entity_id = :q) "
            "OR (entity_type = 'Rfq' AND entity_id = :r) ORDER BY id",
            q=db_id(qid),
            r=db_id(rfq["id"]),
        )
        actions = [a for (a,) in events if a not in ("rfq.created", "rfq.published")]
        if submitted["errors"] == []:
            outcomes["landed"] += 1
            assert submitted["quote"]["status"] == "SUBMITTED"
            assert quote_row == [("SUBMITTED", 1)]
            assert actions == ["quote.created", "quote.submitted", "rfq.closed"]
        else:
            outcomes["refused"] += 1
            assert [(e["field"], e["code"]) for e in submitted["errors"]] == [
                ("rfqId", "RFQ_NOT_OPEN")
            ]
            assert quote_row == [("DRAFT", 0)]
            assert actions == ["quote.created", "rfq.closed"]
    assert sum(outcomes.values()) == 6, outcomes


# --- the deadline sweep -------------------------------------------------------------


async def _expired_rfqs(api: Api, n: int) -> tuple[Market, list[int]]:
    m = await Market(api).setup()
    ids = [db_id((await m.rfq(title=f"Expiring {i}"))["id"]) for i in range(n)]
    await expire(api.db, ids)
    return m, ids


async def _assert_closed_once(db: Database, ids: list[int]) -> None:
    """Each RFQ persisted CLOSED (at its deadline, one version later) with exactly one
    audit entry and one outbox event."""
    got = await rows(
        db,
        "SELECT id, status, version, closed_at = deadline FROM rfq WHERE id = ANY(:ids) "
        "ORDER BY id",
        ids=ids,
    )
    assert got == [(i, "CLOSED", 3, True) for i in sorted(ids)]
    audits = await rows(
        db,
        "SELECT entity_id, count(*), min(actor_label) FROM audit_entry "
        "WHERE action = 'rfq.closed' GROUP BY entity_id ORDER BY entity_id",
    )
    assert audits == [(i, 1, "system:deadline-sweep") for i in sorted(ids)]
    events = await rows(
        db,
        "SELECT entity_id, count(*) FROM outbox_event WHERE event_type = 'rfq.closed' "
        "GROUP BY entity_id ORDER BY entity_id",
    )
    assert events == [(i, 1) for i in sorted(ids)]


async def test_concurrent_sweeps_close_each_rfq_exactly_once(api: Api, db: Database) -> None:
    """Two whole-table sweeps at once: SKIP LOCKED hands each RFQ to one of them."""
    _, ids = await _expired_rfqs(api, 6)
    a, b = await asyncio.gather(close_expired_rfqs(db), close_expired_rfqs(db))
    assert a + b == 6, (a, b)
    assert await close_expired_rfqs(db) == 0
    await _assert_closed_once(db, ids)


async def test_interleaved_small_batches_close_each_rfq_exactly_once(
    api: Api, db: Database
) -> None:
    """Workers taking two RFQs per transaction interleave batch by batch; still no RFQ is
    closed twice or missed."""
    _, ids = await _expired_rfqs(api, 7)

    async def drain() -> int:
        total = 0
        while n := await close_expired_rfqs(db, batch=2):
            total += n
        return total

    counts = await asyncio.gather(drain(), drain(), drain())
    assert sum(counts) == 7, counts
    await _assert_closed_once(db, ids)


async def test_sweep_leaves_open_and_other_rfqs_alone(api: Api, db: Database) -> None:
    m, ids = await _expired_rfqs(api, 1)
    still_open = await m.rfq(title="Still open")
    draft = await m.rfq(publish=False, title="Draft")
    assert await close_expired_rfqs(db) == 1
    assert await rows(
        db,
        "SELECT id, status, version FROM rfq WHERE id <> :x ORDER BY id",
        x=ids[0],
    ) == [(db_id(still_open["id"]), "OPEN", 2), (db_id(draft["id"]), "DRAFT", 1)]


async def test_worker_run_once_sweeps(api: Api, db: Database) -> None:
    """``procurement worker --once``: one pass over every expired RFQ, then return."""
    _, ids = await _expired_rfqs(api, 3)
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(run_worker(db, once=True), timeout=10)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    await _assert_closed_once(db, ids)


async def test_worker_run_once_leaves_the_callers_signal_handlers_alone(db: Database) -> None:
    """``run`` installs SIGTERM/SIGINT handlers on the running loop to stop gracefully; when
    it returns (``once=True``, or after a stop) they must be removed again.  Left behind,
    they keep swallowing Ctrl-C in whatever runs the loop next (here: the rest of the
    pytest session), setting an event nobody waits for."""
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(run_worker(db, once=True), timeout=10)
    finally:
        # remove_signal_handler is True when one was still installed; removing it here
        # also keeps a failure of this test from leaking into the rest of the session
        leftover = [
            sig.name for sig in (signal.SIGTERM, signal.SIGINT) if loop.remove_signal_handler(sig)
        ]
    assert leftover == []


# --- no N+1 -------------------------------------------------------------------------


async def _many_rfqs_with_quotes(api: Api, m: Market, n: int) -> None:
    """``n`` published RFQs of two lines, each quoted by two suppliers, written through
    the services in one transaction (fast, and the same rules as the API)."""
    buyer = m.buyer.users["buyer"]
    as_buyer = Viewer(
        organization_id=buyer.organization_id,
        roles=frozenset({Role.BUYER}),
        user_id=buyer.user_id,
        label=f"user:{buyer.user_id}:{buyer.email}",
    )
    suppliers = [
        Viewer(
            organization_id=org.id,
            roles=frozenset({Role.SUPPLIER_SALES}),
            user_id=org.users["sales"].user_id,
            label=f"user:{org.users['sales'].user_id}",
        )
        for org in (m.supplier, m.rival)
    ]
    deadline = datetime.now(UTC) + timedelta(days=7)
    valid = (datetime.now(UTC) + timedelta(days=30)).date()
    async with api.db.transaction() as s:
        for i in range(n):
            rfq = await rfqs.create_rfq(
                s,
                as_buyer,
                RfqFields(
                    title=f"RFQ {i:02}",
                    currency="EUR",
                    deadline=deadline,
                    category_id=m.family.id,
                ),
                [
                    RfqLineInput(description=f"Bolt {i}", quantity=Decimal(100), unit="EA"),
                    RfqLineInput(description=f"Nut {i}", quantity=Decimal(200), unit="EA"),
                ],
            )
            assert rfq.id is not None
            await rfqs.publish_rfq(s, as_buyer, rfq.id)
            line_ids = [ln.id for ln in await rfqs.rfq_lines(s, rfq.id)]
            for k, supplier in enumerate(suppliers):
                await quotes.create_quote(
                    s,
                    supplier,
                    rfq.id,
                    QuoteFields(
                        currency="EUR",
                        valid_until=valid,
                        lead_time_days=10,
                        lines=[
                            QuoteLineInput(
                                rfq_line_id=lid,  # type: ignore[arg-type]
                                unit_price=Decimal("1.5") + k,
                                quantity=Decimal(100),
                            )
                            for lid in line_ids
                        ],
                    ),
                    submit=True,
                )


async def test_rfq_list_with_lines_and_quotes_costs_constant_statements(
    api: Api, sql_counter: StatementCounter
) -> None:
    """The buyer's RFQ list with every RFQ's lines and every quote's supplier and lines:
    one statement per level (batched by DataLoaders), never one per row."""
    m = await Market(api).setup()
    await _many_rfqs_with_quotes(api, m, 50)
    counts: dict[int, int] = {}
    tables: dict[int, list[str]] = {}
    for n in (5, 50):
        sql_counter.reset()
        data = await api.gql(RFQ_PAGE, {"n": n}, m.buyer_token)
        counts[n] = sql_counter.count
        tables[n] = sorted(first_table(q) for q in sql_counter.statements)
        edges = data["rfqs"]["edges"]
        assert len(edges) == n
        for edge in edges:
            node = edge["node"]
            assert len(node["lines"]) == 2
            quoted = node["quotes"]["edges"]
            assert [q["node"]["supplier"]["name"] for q in quoted] == [
                "Bolt Supplier",
                "Rival Supplier",
            ]
            assert [len(q["node"]["lines"]) for q in quoted] == [2, 2]
            assert quoted[1]["node"]["lines"][0]["unitPrice"]["amount"] == "2.500000"
    # the viewer; the RFQ page; then, batched: RFQ lines, quotes; suppliers, quote lines
    assert counts[5] == counts[50] == 6, (counts, tables)
    assert (
        tables[5]
        == tables[50]
        == sorted(["app_user", "rfq", "rfq_line", "quote", "organization", "quote_line"])
    )
