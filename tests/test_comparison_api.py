"""Comparison of quotes, the suggested split, the award and FX rates, through the API.

What is pinned down here, with every expected amount worked out from the quoted inputs:

- ``rfq.comparison`` is the buying organisation's only, and refused while a sealed RFQ
  is still open (PRICES_SEALED);
- offers are the live submitted quotes (no drafts, no withdrawn, no expired unless
  asked), ranked by a score whose breakdown adds up, with landed costs in the target
  currency converted through the latest FX rates on or before the comparison date
  (crossed through USD when needed), and a clear error naming a pair without a rate;
- per-line rankings by unit landed cost, and the suggested split (cheapest allocation
  honouring MOQs, offered quantities and maxSuppliers) with its saving;
- ``rfqAward`` in its three modes writes one DRAFT purchase order per supplier at the
  quoted prices, settles every quote and the RFQ in one transaction, refuses bad input
  without writing anything, and lets exactly one of two concurrent awards win;
- ``fxRateSet`` is for platform admins and validates its input.

Every test builds its own market (the database is emptied before each test).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text

from graphql_schema.ids import parse_global_id
from procurement.audit.models import AuditEntry, OutboxEvent
from procurement.comparison import service as service_mod
from procurement.comparison import split as split_mod
from procurement.money.models import FxRate
from procurement.numbering import DocumentCounter
from procurement.ordering.models import PurchaseOrder, PurchaseOrderLine
from procurement.sourcing.models import Quote, Rfq
from tests.helpers import Api, Org, db_id
from tests.sourcing_docs import (
    QUOTE_CREATE,
    QUOTE_WITHDRAW,
    RFQ_CLOSE,
    Market,
    quote_input,
)

SIX = Decimal("0.000001")

# --- GraphQL documents ----------------------------------------------------------------

CONVERSION_FIELDS = "fromCurrency toCurrency rate ratesUsed { base quote rate asOf }"

COMPARISON = f"""
query Comparison($id: ID!, $input: ComparisonInput) {{
  rfq(id: $id) {{
    id
    comparison(input: $input) {{
      currency comparedOn
      weights {{ price leadTime coverage supplierScore }}
      conversions {{ {CONVERSION_FIELDS} }}
      offers {{
        rank score coverage leadTimeDays meetsNeedBy
        landedCost {{ amount currency }}
        lineCoverage {{ rfqLineId coverage }}
        supplierScore {{ value explanation }}
        breakdown {{ criterion rawValue normalizedValue weight contribution }}
        conversion {{ {CONVERSION_FIELDS} }}
        quote {{ id status }}
        supplier {{ name }}
      }}
    }}
  }}
}}
"""

LINE_OFFER_FIELDS = """
  rank quoteLineId quantity quantityOffered moq coverage
  unitPrice { amount currency } unitLandedCost { amount currency }
  quote { id } supplier { name }
"""

LINES = f"""
query Lines($id: ID!) {{
  rfq(id: $id) {{
    comparison {{
      lines {{
        rfqLine {{ id position }}
        offerCount
        offers {{ {LINE_OFFER_FIELDS} }}
        best: offers(first: 1) {{ quote {{ id }} }}
      }}
    }}
  }}
}}
"""

SPLIT = """
query Split($id: ID!, $input: ComparisonInput) {
  rfq(id: $id) {
    comparison(input: $input) {
      offers { quote { id } landedCost { amount } }
      suggestedSplit {
        allocations {
          quoteLineId rfqLineId quantity
          unitPrice { amount currency } cost { amount currency }
          quote { id } supplier { name }
        }
        total { amount currency }
        coverage supplierCount optimal
        saving { amount currency }
        bestSingleSupplier { quote { id } total { amount currency } coverage }
        uncoveredLines { rfqLineId quantity }
        unquotedLineIds
      }
    }
  }
}
"""

PO_FIELDS = """
  id number status currency needBy incoterm paymentTerms note
  subtotal { amount currency } shippingCost { amount currency } total { amount currency }
  buyer { name } supplier { name } rfq { id }
  lines { position description unit quantity quoteLineId rfqLineId
          unitPrice { amount currency } lineTotal { amount currency } }
"""

AWARD = f"""
mutation Award($input: RfqAwardInput!) {{
  rfqAward(input: $input) {{
    rfq {{ id status closedAt }}
    purchaseOrders {{ {PO_FIELDS} }}
    errors {{ field code message }}
  }}
}}
"""

PURCHASE_ORDERS = """
query Orders($rfqId: ID) {
  purchaseOrders(filter: {rfqId: $rfqId}) {
    totalCount
    nodes { number status supplier { name } total { amount currency } }
  }
}
"""

QUOTE_STATUS = "query Q($id: ID!) { quote(id: $id) { id status } }"

FX_RATE_SET = """
mutation Fx($input: FxRateSetInput!) {
  fxRateSet(input: $input) { fxRate { base quote rate asOf } errors { field code message } }
}
"""

FX_RATES = """
query Rates($base: String, $quote: String) {
  fxRates(base: $base, quote: $quote) { base quote rate asOf }
}
"""

# --- helpers --------------------------------------------------------------------------


def today() -> date:
    """The comparison date is the database's (UTC) date."""
    return datetime.now(UTC).date()


def line(
    rfq_line: dict[str, Any],
    price: str,
    quantity: str = "10000",
    moq: str | None = None,
    breaks: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """One quote line input for ``rfq_line``."""
    return {
        "rfqLineId": rfq_line["id"],
        "unitPrice": price,
        "quantity": quantity,
        "moq": moq,
        "priceBreaks": [{"minQuantity": q, "unitPrice": p} for q, p in breaks or []],
    }


async def supplier(api: Api, name: str) -> Org:
    """Another VERIFIED supplier serving the RFQs' category."""
    return await api.org(
        name, supplier=True, users={"sales": ["SUPPLIER_SALES"]}, category_codes=["31000000"]
    )


async def set_rates(api: Api, *rates: tuple[str, str, str, date]) -> None:
    async with api.db.transaction() as s:
        for base, quote, rate, as_of in rates:
            s.add(FxRate(base=base, quote=quote, rate=Decimal(rate), as_of=as_of))


async def expire(api: Api, quote_gid: str) -> None:
    """Submission refuses a past validity date, so the offer is aged in the database."""
    async with api.db.transaction() as s:
        await s.execute(
            text("UPDATE quote SET valid_until = :d WHERE id = :id"),
            {"d": today() - timedelta(days=1), "id": db_id(quote_gid)},
        )


async def compare_raw(
    api: Api, token: str, rfq_id: str, doc: str = COMPARISON, **input: Any
) -> dict[str, Any]:
    """The whole response body (data and errors) of a comparison query."""
    r = await api.raw(doc, {"id": rfq_id, "input": input or None}, token)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def compare(
    api: Api, token: str, rfq_id: str, doc: str = COMPARISON, **input: Any
) -> dict[str, Any]:
    data = await api.gql(doc, {"id": rfq_id, "input": input or None}, token)
    comparison: dict[str, Any] = data["rfq"]["comparison"]
    return comparison


async def award(api: Api, token: str, **input: Any) -> dict[str, Any]:
    return await api.mutate(AWARD, input, token)


def minmax(values: list[Decimal], x: Decimal) -> Decimal:
    """Best 1, worst 0; everyone 1 when all are equal."""
    lo, hi = min(values), max(values)
    return Decimal(1) if hi == lo else ((hi - x) / (hi - lo)).quantize(SIX)


@dataclass
class Expected:
    cost: Decimal
    coverage: Decimal
    lead: int
    supplier_score: Decimal


def expected_breakdown(
    offers: dict[str, Expected], weights: tuple[str, str, str, str]
) -> dict[str, tuple[list[tuple[str, Decimal, Decimal, Decimal, Decimal]], Decimal]]:
    """Per quote: (criterion, raw, normalised, weight, contribution) and the score."""
    w = [Decimal(x) for x in weights]
    w = [x / sum(w) for x in w]
    comparable = {k: e.cost / e.coverage for k, e in offers.items()}
    leads = [Decimal(e.lead) for e in offers.values()]
    out = {}
    for k, e in offers.items():
        rows = [
            (
                "PRICE",
                comparable[k].quantize(SIX),
                minmax(list(comparable.values()), comparable[k]),
            ),
            ("LEAD_TIME", Decimal(e.lead), minmax(leads, Decimal(e.lead))),
            ("COVERAGE", e.coverage, e.coverage),
            ("SUPPLIER_SCORE", e.supplier_score, e.supplier_score),
        ]
        full = [
            (name, raw, norm, wi.quantize(SIX), (norm * wi).quantize(SIX))
            for (name, raw, norm), wi in zip(rows, w, strict=True)
        ]
        out[k] = (full, sum((r[4] for r in full), Decimal(0)).quantize(SIX))
    return out


def explanation(submitted: int, withdrawn: int) -> str:
    reliability = Decimal(submitted - withdrawn) / Decimal(submitted)
    return (
        f"VERIFIED supplier (standing 0.70); {submitted} quote(s) submitted, {withdrawn} "
        f"withdrawn (reliability {reliability:.2f}); score = 0.6 x standing + 0.4 x reliability"
    )


AWARD_ACTIONS = ("rfq.awarded", "quote.awarded", "quote.rejected", "purchase_order.created")


async def db_state(api: Api) -> dict[str, Any]:
    """Everything an award writes: orders, numbering, quote and RFQ rows, audit, outbox."""
    async with api.db.read() as s:

        async def count(model: Any, *where: Any) -> int:
            return int(
                (
                    await s.execute(select(func.count()).select_from(model).where(*where))
                ).scalar_one()
            )

        return {
            "orders": await count(PurchaseOrder),
            "order_lines": await count(PurchaseOrderLine),
            "po_counters": await count(DocumentCounter, DocumentCounter.kind == "PO"),
            "quotes": sorted(
                tuple(r) for r in await s.execute(select(Quote.id, Quote.status, Quote.version))
            ),
            "rfqs": sorted(
                tuple(r) for r in await s.execute(select(Rfq.id, Rfq.status, Rfq.version))
            ),
            "audit": await count(AuditEntry, AuditEntry.action.in_(AWARD_ACTIONS)),  # type: ignore[attr-defined]
            "outbox": await count(OutboxEvent, OutboxEvent.event_type.in_(AWARD_ACTIONS)),  # type: ignore[attr-defined]
        }


async def award_actions(api: Api) -> list[tuple[str, str]]:
    async with api.db.read() as s:
        rows = await s.execute(
            select(AuditEntry.action, AuditEntry.entity_type)
            .where(AuditEntry.action.in_(AWARD_ACTIONS))  # type: ignore[attr-defined]
            .order_by(AuditEntry.id)
        )
        return [(r[0], r[1]) for r in rows]


async def outbox_types(api: Api) -> list[str]:
    async with api.db.read() as s:
        rows = await s.execute(
            select(OutboxEvent.event_type)
            .where(OutboxEvent.event_type.in_(AWARD_ACTIONS))  # type: ignore[attr-defined]
            .order_by(OutboxEvent.id)
        )
        return list(rows.scalars())


# --- scenarios --------------------------------------------------------------------------


@dataclass
class ThreeOffers:
    """Bolts 10000 + nuts 10000 (EUR, need-by in 60 days) with:

    - A (Bolt Supplier, EUR): bolts 0.045 (MOQ 5000, break 0.040 from 20000, not
      reached), nuts 8000 of 10000 at 0.02, shipping 150, 21 days
      -> 450 + 160 + 150 = 760.00 EUR, coverage (1 + 0.8) / 2 = 0.9;
    - B (Rival Supplier, EUR): bolts 0.05, nuts 0.018, shipping 100, 70 days
      -> 500 + 180 + 100 = 780.00 EUR, coverage 1, misses the need-by date;
      B withdrew an earlier quote on this RFQ: 2 submitted, 1 withdrawn;
    - C (Far East, CNY): bolts 0.30, nuts 0.12, shipping 1000, 45 days
      -> 5200 CNY x (0.92 / 8) = 598.00 EUR, coverage 1;
    - D (Late, EUR, expired yesterday): 400 + 200 + 50 = 650.00 EUR, 30 days;
    - E (Drafty): a draft only.
    Rates: USD->EUR 0.90 (10 days ago), 0.92 (yesterday), 0.50 (tomorrow: not yet);
    USD->CNY 8 (3 days ago).
    """

    m: Market
    rfq: dict[str, Any]
    a: dict[str, Any]
    b: dict[str, Any]
    b_withdrawn: dict[str, Any]
    c: dict[str, Any]
    d: dict[str, Any]
    e: dict[str, Any]


async def three_offers(api: Api) -> ThreeOffers:
    m = await Market(api).setup()
    far_east = await supplier(api, "Far East")
    late = await supplier(api, "Late")
    drafty = await supplier(api, "Drafty")
    t = today()
    await set_rates(
        api,
        ("USD", "EUR", "0.90", t - timedelta(days=10)),
        ("USD", "EUR", "0.92", t - timedelta(days=1)),
        ("USD", "EUR", "0.50", t + timedelta(days=1)),
        ("USD", "CNY", "8", t - timedelta(days=3)),
    )
    rfq = await m.rfq()
    l1, l2 = rfq["lines"]
    rival = m.rival.users["sales"].token
    b_withdrawn = await m.quote(rfq, m.rival)
    wd = await api.mutate(QUOTE_WITHDRAW, {"id": b_withdrawn["id"]}, rival)
    assert wd["errors"] == []
    a = await m.quote(rfq)
    b = await m.quote(
        rfq,
        m.rival,
        shippingCost="100",
        leadTimeDays=70,
        lines=[line(l1, "0.05"), line(l2, "0.018")],
    )
    c = await m.quote(
        rfq,
        far_east,
        currency="CNY",
        shippingCost="1000",
        leadTimeDays=45,
        lines=[line(l1, "0.30"), line(l2, "0.12")],
    )
    d = await m.quote(
        rfq, late, shippingCost="50", leadTimeDays=30, lines=[line(l1, "0.04"), line(l2, "0.02")]
    )
    await expire(api, d["id"])
    draft = await api.mutate(
        QUOTE_CREATE,
        quote_input(rfq, shippingCost="0", lines=[line(l1, "0.001"), line(l2, "0.001")]),
        drafty.users["sales"].token,
    )
    assert draft["errors"] == [] and draft["quote"]["status"] == "DRAFT"
    return ThreeOffers(m, rfq, a, b, b_withdrawn, c, d, draft["quote"])


@dataclass
class SplitMarket:
    """Bolts 10000 + nuts 10000, OPEN and not sealed:

    - A (Bolt Supplier): bolts 0.040, nuts 0.030, shipping 50 -> 750.00 alone;
    - B (Rival Supplier): bolts 0.050, nuts 0.020, shipping 60 -> 760.00 alone;
    bolts from A and nuts from B: 400 + 200 + 50 + 60 = 710.00, saving 40.00 on A alone.
    """

    m: Market
    rfq: dict[str, Any]
    a: dict[str, Any]
    b: dict[str, Any]


async def split_market(api: Api) -> SplitMarket:
    m = await Market(api).setup()
    rfq = await m.rfq()
    l1, l2 = rfq["lines"]
    a = await m.quote(rfq, shippingCost="50", lines=[line(l1, "0.040"), line(l2, "0.030")])
    b = await m.quote(rfq, m.rival, shippingCost="60", lines=[line(l1, "0.050"), line(l2, "0.020")])
    return SplitMarket(m, rfq, a, b)


# --- 1. visibility --------------------------------------------------------------------


async def test_comparison_visibility(api: Api) -> None:
    """Only the buying organisation compares, and a sealed RFQ only once it has closed:
    a sealed offer must not leak through the comparison while suppliers can still bid."""
    m = await Market(api).setup()
    rfq = await m.rfq(sealed=True)
    quote = await m.quote(rfq)

    sealed = await compare_raw(api, m.buyer_token, rfq["id"])
    assert sealed["data"]["rfq"]["id"] == rfq["id"]
    assert sealed["data"]["rfq"]["comparison"] is None
    assert len(sealed["errors"]) == 1
    assert sealed["errors"][0]["extensions"]["code"] == "PRICES_SEALED"
    assert sealed["errors"][0]["path"] == ["rfq", "comparison"]

    closed = await api.mutate(RFQ_CLOSE, {"id": rfq["id"]}, m.buyer_token)
    assert closed["errors"] == []
    for token in (m.buyer_token, m.buyer.users["viewer"].token, m.buyer.users["admin"].token):
        c = await compare(api, token, rfq["id"])
        assert [(o["quote"]["id"], o["landedCost"]) for o in c["offers"]] == [
            (quote["id"], {"amount": "760.00", "currency": "EUR"})
        ]

    # a supplier who quoted sees the RFQ, but not the comparison
    as_supplier = await compare_raw(api, m.supplier.users["sales"].token, rfq["id"])
    assert as_supplier["data"]["rfq"]["id"] == rfq["id"]
    assert as_supplier["data"]["rfq"]["comparison"] is None
    assert as_supplier["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # another buyer does not see the RFQ at all: null, like a missing one, and no error
    other = await compare_raw(api, m.other_buyer.users["buyer"].token, rfq["id"])
    assert other == {"data": {"rfq": None}}

    # platform staff see the RFQ, but the comparison is the buyer's
    admin = await api.platform_admin()
    as_admin = await compare_raw(api, admin.token, rfq["id"])
    assert as_admin["data"]["rfq"]["comparison"] is None
    assert as_admin["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- 2. offers --------------------------------------------------------------------------


async def test_offers_ranked_with_landed_cost_fx_and_breakdown(api: Api) -> None:
    """The ranking a buyer acts on: landed costs in EUR (the CNY quote crossed through
    USD at the latest rates not after today), coverage, lead time against the need-by
    date, supplier score, and a breakdown that adds up to the score."""
    s = await three_offers(api)
    rfq, m = s.rfq, s.m
    l1, l2 = (ln["id"] for ln in rfq["lines"])
    t = today()
    c = await compare(api, m.buyer_token, rfq["id"])

    assert c["currency"] == "EUR" and c["comparedOn"] == t.isoformat()
    assert {k: Decimal(v) for k, v in c["weights"].items()} == {
        "price": Decimal("0.5"),
        "leadTime": Decimal("0.2"),
        "coverage": Decimal("0.2"),
        "supplierScore": Decimal("0.1"),
    }
    cny_leg = {"base": "USD", "quote": "CNY", "asOf": (t - timedelta(days=3)).isoformat()}
    eur_leg = {"base": "USD", "quote": "EUR", "asOf": (t - timedelta(days=1)).isoformat()}

    def conv(x: dict[str, Any]) -> tuple[Any, ...]:
        return (
            x["fromCurrency"],
            x["toCurrency"],
            Decimal(x["rate"]),
            [
                ({k: r[k] for k in ("base", "quote", "asOf")}, Decimal(r["rate"]))
                for r in x["ratesUsed"]
            ],
        )

    assert [conv(x) for x in c["conversions"]] == [
        ("CNY", "EUR", Decimal("0.115"), [(cny_leg, Decimal(8)), (eur_leg, Decimal("0.92"))]),
        ("EUR", "EUR", Decimal(1), []),
    ]

    # C 598.00 (score 0.884041), A 760.00 (0.462), B 780.00 (about 0.39); not D, E, B's old
    offers = c["offers"]
    assert [o["quote"]["id"] for o in offers] == [s.c["id"], s.a["id"], s.b["id"]]
    assert [o["rank"] for o in offers] == [1, 2, 3]
    assert [o["supplier"]["name"] for o in offers] == [
        "Far East",
        "Bolt Supplier",
        "Rival Supplier",
    ]
    assert [o["quote"]["status"] for o in offers] == ["SUBMITTED"] * 3
    assert [o["landedCost"] for o in offers] == [
        {"amount": "598.00", "currency": "EUR"},
        {"amount": "760.00", "currency": "EUR"},
        {"amount": "780.00", "currency": "EUR"},
    ]
    assert [conv(o["conversion"])[:3] for o in offers] == [
        ("CNY", "EUR", Decimal("0.115")),
        ("EUR", "EUR", Decimal(1)),
        ("EUR", "EUR", Decimal(1)),
    ]
    assert [Decimal(o["coverage"]) for o in offers] == [1, Decimal("0.9"), 1]
    assert [(x["rfqLineId"], Decimal(x["coverage"])) for x in offers[1]["lineCoverage"]] == [
        (l1, 1),
        (l2, Decimal("0.8")),
    ]
    assert [o["leadTimeDays"] for o in offers] == [45, 21, 70]
    assert [o["meetsNeedBy"] for o in offers] == [True, True, False]  # need-by in 60 days
    assert [Decimal(o["supplierScore"]["value"]) for o in offers] == [
        Decimal("0.82"),  # 0.6 x 0.7 + 0.4 x 1
        Decimal("0.82"),
        Decimal("0.62"),  # 0.6 x 0.7 + 0.4 x 0.5: one of its two quotes withdrawn
    ]
    assert offers[1]["supplierScore"]["explanation"] == explanation(1, 0)
    assert offers[2]["supplierScore"]["explanation"] == explanation(2, 1)

    exp = expected_breakdown(
        {
            s.c["id"]: Expected(Decimal(598), Decimal(1), 45, Decimal("0.82")),
            s.a["id"]: Expected(Decimal(760), Decimal("0.9"), 21, Decimal("0.82")),
            s.b["id"]: Expected(Decimal(780), Decimal(1), 70, Decimal("0.62")),
        },
        ("0.5", "0.2", "0.2", "0.1"),
    )
    for o in offers:
        rows, score = exp[o["quote"]["id"]]
        got = [
            (
                b["criterion"],
                Decimal(b["rawValue"]),
                Decimal(b["normalizedValue"]),
                Decimal(b["weight"]),
                Decimal(b["contribution"]),
            )
            for b in o["breakdown"]
        ]
        assert got == rows
        assert Decimal(o["score"]) == score
        assert sum(g[3] for g in got) == 1
        assert all(g[4] == (g[2] * g[3]).quantize(SIX) for g in got)
        assert sum(g[4] for g in got) == Decimal(o["score"])
        assert all(0 <= g[2] <= 1 for g in got) and 0 <= Decimal(o["score"]) <= 1
    # worked by hand: C is cheapest (1) and 25/49 of the way to the fastest
    assert Decimal(offers[0]["score"]) == Decimal("0.884041")
    assert Decimal(offers[1]["score"]) == Decimal("0.462")
    assert offers[1]["breakdown"][0]["rawValue"] == "844.444444"  # 760 / 0.9

    # the expired offer comes back on request
    with_expired = await compare(api, m.buyer_token, rfq["id"], includeExpired=True)
    got = {o["quote"]["id"]: o["landedCost"]["amount"] for o in with_expired["offers"]}
    assert got == {
        s.a["id"]: "760.00",
        s.b["id"]: "780.00",
        s.c["id"]: "598.00",
        s.d["id"]: "650.00",
    }

    # all the weight on lead time: fastest first
    fast = await compare(
        api,
        m.buyer_token,
        rfq["id"],
        weights={"price": "0", "leadTime": "3", "coverage": "0", "supplierScore": "0"},
    )
    assert {k: Decimal(v) for k, v in fast["weights"].items()} == {
        "price": 0,
        "leadTime": 1,
        "coverage": 0,
        "supplierScore": 0,
    }
    assert [(o["quote"]["id"], Decimal(o["score"])) for o in fast["offers"]] == [
        (s.a["id"], Decimal(1)),
        (s.c["id"], Decimal("0.510204")),  # (70 - 45) / (70 - 21)
        (s.b["id"], Decimal(0)),
    ]

    # in USD: the CNY quote is converted directly (inverted), EUR ones inverted too
    usd = await compare(api, m.buyer_token, rfq["id"], currency="USD")
    assert (usd["offers"][0]["quote"]["id"], usd["offers"][0]["landedCost"]) == (
        s.c["id"],
        {"amount": "650.00", "currency": "USD"},  # 5200 / 8
    )
    by_quote = {o["quote"]["id"]: o for o in usd["offers"]}
    # 1 / 0.92 = 1.0869565217 (10 places); 760 x that = 826.086956..
    assert by_quote[s.a["id"]]["landedCost"]["amount"] == "826.09"
    assert by_quote[s.b["id"]]["landedCost"]["amount"] == "847.83"
    assert [conv(x)[:3] for x in usd["conversions"]] == [
        ("CNY", "USD", Decimal("0.125")),
        ("EUR", "USD", Decimal("1.0869565217")),
    ]


async def test_comparison_input_errors(api: Api) -> None:
    """Weights that cannot rank (all zero, negative) and bad inputs are refused with a
    typed error rather than a meaningless order."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    await m.quote(rfq)
    zero = {"price": "0", "leadTime": "0", "coverage": "0", "supplierScore": "0"}
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"weights": zero}, "INVALID", "weights"),
        ({"weights": {**zero, "price": "-1", "coverage": "2"}}, "INVALID", "weights"),
        ({"currency": "XYZ"}, "INVALID_CURRENCY", "currency"),
        ({"maxSuppliers": 0}, "INVALID", "maxSuppliers"),
    ]
    for input, code, field in cases:
        body = await compare_raw(api, m.buyer_token, rfq["id"], **input)
        assert body["data"]["rfq"]["comparison"] is None, input
        assert body["errors"][0]["extensions"] == {"code": code, "field": field}, input


async def test_ties_broken_by_landed_cost_then_submission(api: Api) -> None:
    """Equal scores must still give a stable order: lower landed cost, then the offer
    submitted first."""
    m = await Market(api).setup()
    third = await supplier(api, "Third")
    rfq = await m.rfq()
    l1, l2 = rfq["lines"]
    same = {"shippingCost": "0", "leadTimeDays": 30}
    x = await m.quote(rfq, **same, lines=[line(l1, "0.05"), line(l2, "0.02")])  # 700
    y = await m.quote(rfq, m.rival, **same, lines=[line(l1, "0.05"), line(l2, "0.02")])  # 700
    z = await m.quote(rfq, third, **same, lines=[line(l1, "0.045"), line(l2, "0.02")])  # 650

    lead_only = {"price": "0", "leadTime": "1", "coverage": "0", "supplierScore": "0"}
    c = await compare(api, m.buyer_token, rfq["id"], weights=lead_only)
    assert [(o["quote"]["id"], o["score"], o["landedCost"]["amount"]) for o in c["offers"]] == [
        (z["id"], "1.000000", "650.00"),
        (x["id"], "1.000000", "700.00"),
        (y["id"], "1.000000", "700.00"),
    ]
    c = await compare(api, m.buyer_token, rfq["id"])
    assert [o["quote"]["id"] for o in c["offers"]] == [z["id"], x["id"], y["id"]]
    assert c["offers"][1]["score"] == c["offers"][2]["score"]


# --- 3. missing FX rate -----------------------------------------------------------------


async def test_missing_fx_rate_names_the_pair(api: Api) -> None:
    """Without a GBP rate a GBP offer cannot be compared in EUR; the error says which
    pair is missing so an admin knows what to record."""
    m = await Market(api).setup()
    await set_rates(api, ("USD", "EUR", "0.92", today()), ("USD", "CNY", "8", today()))
    rfq = await m.rfq()
    await m.quote(rfq)
    await m.quote(rfq, m.rival, currency="GBP")
    body = await compare_raw(api, m.buyer_token, rfq["id"])
    assert body["data"]["rfq"]["comparison"] is None
    err = body["errors"][0]
    assert err["extensions"]["code"] == "FX_RATE_MISSING"
    assert err["message"] == f"No FX rate for GBP->EUR on or before {today().isoformat()}"

    # a rate dated tomorrow does not count yet
    await set_rates(api, ("GBP", "EUR", "1.15", today() + timedelta(days=1)))
    body = await compare_raw(api, m.buyer_token, rfq["id"])
    assert body["errors"][0]["extensions"]["code"] == "FX_RATE_MISSING"
    # one dated today does: 760 GBP (the default quote) x 1.15 = 874.00 EUR
    await set_rates(api, ("GBP", "EUR", "1.15", today()))
    c = await compare(api, m.buyer_token, rfq["id"])
    assert sorted(o["landedCost"]["amount"] for o in c["offers"]) == ["760.00", "874.00"]


# --- 4. lines -----------------------------------------------------------------------------


def unit_landed(
    price: Decimal, q: Decimal, shipping: Decimal, cost: Decimal, value: Decimal
) -> str:
    """Unit price plus the line's share of shipping (pro rata to line value) per unit."""
    return str((price + shipping * cost / value / q).quantize(SIX))


async def test_lines_ranked_by_unit_landed_cost(api: Api) -> None:
    """Per line, the buyer sees who is cheapest for that line once shipping is spread
    over the quote's lines, which is what a split award is built from."""
    s = await three_offers(api)
    l1, l2 = s.rfq["lines"]
    c = await compare(api, s.m.buyer_token, s.rfq["id"], doc=LINES)
    first, second = c["lines"]
    assert first["rfqLine"] == {"id": l1["id"], "position": 1}
    assert second["rfqLine"] == {"id": l2["id"], "position": 2}
    assert first["offerCount"] == second["offerCount"] == 3

    d = Decimal
    # C (EUR): bolts 0.0345 x 10000 = 345, nuts 0.0138 x 10000 = 138, shipping 115
    c1 = unit_landed(d("0.0345"), d(10000), d(115), d(345), d(483))  # 0.042714
    c2 = unit_landed(d("0.0138"), d(10000), d(115), d(138), d(483))  # 0.017086
    # A: 450 + 160 (8000 nuts), shipping 150
    a1 = unit_landed(d("0.045"), d(10000), d(150), d(450), d(610))  # 0.056066
    a2 = unit_landed(d("0.02"), d(8000), d(150), d(160), d(610))  # 0.024918
    # B: 500 + 180, shipping 100
    b1 = unit_landed(d("0.05"), d(10000), d(100), d(500), d(680))  # 0.057353
    b2 = unit_landed(d("0.018"), d(10000), d(100), d(180), d(680))  # 0.020647

    def row(o: dict[str, Any]) -> tuple[Any, ...]:
        return (
            o["rank"],
            o["quote"]["id"],
            o["unitLandedCost"],
            o["unitPrice"]["amount"],
            Decimal(o["quantity"]),
            Decimal(o["coverage"]),
        )

    eur = "EUR"
    assert [row(o) for o in first["offers"]] == [
        (1, s.c["id"], {"amount": c1, "currency": eur}, "0.034500", 10000, 1),
        (2, s.a["id"], {"amount": a1, "currency": eur}, "0.045000", 10000, 1),
        (3, s.b["id"], {"amount": b1, "currency": eur}, "0.050000", 10000, 1),
    ]
    assert [row(o) for o in second["offers"]] == [
        (1, s.c["id"], {"amount": c2, "currency": eur}, "0.013800", 10000, 1),
        (2, s.b["id"], {"amount": b2, "currency": eur}, "0.018000", 10000, 1),
        (3, s.a["id"], {"amount": a2, "currency": eur}, "0.020000", 8000, Decimal("0.8")),
    ]
    assert (c1, c2, a1, a2, b1, b2) == (
        "0.042714",
        "0.017086",
        "0.056066",
        "0.024918",
        "0.057353",
        "0.020647",
    )
    a_bolts = first["offers"][1]
    assert Decimal(a_bolts["moq"]) == 5000 and Decimal(a_bolts["quantityOffered"]) == 10000
    assert a_bolts["supplier"] == {"name": "Bolt Supplier"}
    assert parse_global_id(a_bolts["quoteLineId"]) is not None
    assert first["best"] == [{"quote": {"id": s.c["id"]}}]
    assert second["best"] == [{"quote": {"id": s.c["id"]}}]


# --- 5. suggested split -------------------------------------------------------------------


def alloc(a: dict[str, Any]) -> tuple[Any, ...]:
    return (
        a["rfqLineId"],
        a["quote"]["id"],
        Decimal(a["quantity"]),
        a["unitPrice"]["amount"],
        a["cost"]["amount"],
    )


async def test_suggested_split_cheaper_than_any_single_supplier(api: Api) -> None:
    """Bolts from A and nuts from B beat either supplier alone even paying both
    shippings; with maxSuppliers 1 the split is the best single-supplier award."""
    s = await split_market(api)
    l1, l2 = (ln["id"] for ln in s.rfq["lines"])
    c = await compare(api, s.m.buyer_token, s.rfq["id"], doc=SPLIT)
    assert {o["quote"]["id"]: o["landedCost"]["amount"] for o in c["offers"]} == {
        s.a["id"]: "750.00",
        s.b["id"]: "760.00",
    }
    split = c["suggestedSplit"]
    assert [alloc(a) for a in split["allocations"]] == [
        (l1, s.a["id"], 10000, "0.040000", "400.00"),
        (l2, s.b["id"], 10000, "0.020000", "200.00"),
    ]
    assert [a["supplier"]["name"] for a in split["allocations"]] == [
        "Bolt Supplier",
        "Rival Supplier",
    ]
    assert split["total"] == {"amount": "710.00", "currency": "EUR"}  # 400 + 200 + 50 + 60
    assert split["bestSingleSupplier"]["quote"] == {"id": s.a["id"]}
    assert split["bestSingleSupplier"]["total"] == {"amount": "750.00", "currency": "EUR"}
    assert Decimal(split["bestSingleSupplier"]["coverage"]) == 1
    assert split["saving"] == {"amount": "40.00", "currency": "EUR"}
    assert Decimal(split["saving"]["amount"]) == Decimal(
        split["bestSingleSupplier"]["total"]["amount"]
    ) - Decimal(split["total"]["amount"])
    assert split["supplierCount"] == 2 and Decimal(split["coverage"]) == 1
    assert split["optimal"] is True
    assert split["uncoveredLines"] == [] and split["unquotedLineIds"] == []

    single = (await compare(api, s.m.buyer_token, s.rfq["id"], doc=SPLIT, maxSuppliers=1))[
        "suggestedSplit"
    ]
    assert [alloc(a) for a in single["allocations"]] == [
        (l1, s.a["id"], 10000, "0.040000", "400.00"),
        (l2, s.a["id"], 10000, "0.030000", "300.00"),
    ]
    assert single["total"]["amount"] == "750.00" and single["supplierCount"] == 1
    assert single["saving"] == {"amount": "0.00", "currency": "EUR"}


SPLIT_FLAGS = """
query Split($id: ID!, $input: ComparisonInput, $split: Boolean!) {
  rfq(id: $id) {
    comparison(input: $input) {
      offers { rank }
      ...SplitFields @include(if: $split)
    }
  }
}
fragment SplitFields on Comparison {
  suggestedSplit { total { amount } optimal candidateLimit allocations { quoteLineId } }
}
"""


async def test_large_comparison_split_over_candidates_or_exact(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the size thresholds lowered to this market (200 quotes x 50 lines trip the
    defaults), the split is solved over the cheapest offer of each line and says so:
    candidateLimit 1, optimal false.  exactSplit solves every offer line and proves it.
    The solver runs only when suggestedSplit is selected (here through a fragment)."""
    s = await split_market(api)
    monkeypatch.setattr(split_mod, "FULL_MODEL_LINES", 1)
    monkeypatch.setattr(split_mod, "CANDIDATES_PER_LINE", 1)
    calls: list[bool] = []
    real = service_mod.prepare_split

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("exact", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(service_mod, "prepare_split", counting)
    doc, token, rfq_id = SPLIT_FLAGS, s.m.buyer_token, s.rfq["id"]

    data = await api.gql(doc, {"id": rfq_id, "split": False}, token)
    assert "suggestedSplit" not in data["rfq"]["comparison"]
    # the model is built synchronously inside the request (start_split), so a solve
    # started by mistake would already have been counted when the response came back
    assert calls == []

    data = await api.gql(doc, {"id": rfq_id, "split": True}, token)
    split = data["rfq"]["comparison"]["suggestedSplit"]
    assert split["total"] == {"amount": "710.00"}  # bolts from A, nuts from B
    assert split["candidateLimit"] == 1 and split["optimal"] is False
    assert calls == [False]

    data = await api.gql(doc, {"id": rfq_id, "split": True, "input": {"exactSplit": True}}, token)
    split = data["rfq"]["comparison"]["suggestedSplit"]
    assert split["total"] == {"amount": "710.00"}
    assert split["candidateLimit"] is None and split["optimal"] is True
    assert calls == [False, True]


async def test_suggested_split_honours_moq_and_reports_unquoted_lines(api: Api) -> None:
    """Bolts 10000, nuts 10000, washers 5000 (nobody quotes washers), shipping 0:

    - A: bolts 0.030 but only 7000; nuts 0.025;
    - B: bolts 0.050 with MOQ 5000; nuts 0.020;
    - F: nuts 0.015, 0.014 from 12000, MOQ 12000 (above the 10000 requested).
    Full bolt coverage needs B, and B's MOQ caps A at 5000: 150 + 250; nuts from B 200
    (F's cheaper nuts cannot be bought without exceeding the requested quantity):
    600.00.  Alone, B covers most (2 of 3 lines) for 700.00: saving 100.00.
    """
    m = await Market(api).setup()
    fixed = await supplier(api, "Fixed Lots")
    lines = [
        {"description": "M8x30 bolt", "quantity": "10000", "unit": "EA"},
        {"description": "M8 nut", "quantity": "10000", "unit": "EA"},
        {"description": "M8 washer", "quantity": "5000", "unit": "EA"},
    ]
    rfq = await m.rfq(lines=lines)
    l1, l2, l3 = rfq["lines"]
    zero = {"shippingCost": "0"}
    a = await m.quote(rfq, **zero, lines=[line(l1, "0.030", "7000"), line(l2, "0.025")])
    b = await m.quote(
        rfq, m.rival, **zero, lines=[line(l1, "0.050", moq="5000"), line(l2, "0.020")]
    )
    f = await m.quote(
        rfq,
        fixed,
        **zero,
        lines=[line(l2, "0.015", "12000", moq="12000", breaks=[("12000", "0.014")])],
    )
    c = await compare(api, m.buyer_token, rfq["id"], doc=SPLIT)
    # landed costs: F buys its MOQ of 12000 at the 12000 break: 168.00
    assert {o["quote"]["id"]: o["landedCost"]["amount"] for o in c["offers"]} == {
        a["id"]: "460.00",
        b["id"]: "700.00",
        f["id"]: "168.00",
    }
    split = c["suggestedSplit"]
    assert [alloc(x) for x in split["allocations"]] == [
        (l1["id"], a["id"], 5000, "0.030000", "150.00"),
        (l1["id"], b["id"], 5000, "0.050000", "250.00"),
        (l2["id"], b["id"], 10000, "0.020000", "200.00"),
    ]
    assert split["total"]["amount"] == "600.00"
    assert Decimal(split["coverage"]) == Decimal("0.666667")
    assert split["bestSingleSupplier"]["quote"] == {"id": b["id"]}
    assert split["bestSingleSupplier"]["total"]["amount"] == "700.00"
    assert split["saving"]["amount"] == "100.00"
    assert split["unquotedLineIds"] == [l3["id"]]
    assert [(u["rfqLineId"], Decimal(u["quantity"])) for u in split["uncoveredLines"]] == [
        (l3["id"], 5000)
    ]
    assert split["supplierCount"] == 2 and split["optimal"] is True

    single = (await compare(api, m.buyer_token, rfq["id"], doc=SPLIT, maxSuppliers=1))[
        "suggestedSplit"
    ]
    assert [alloc(x) for x in single["allocations"]] == [
        (l1["id"], b["id"], 10000, "0.050000", "500.00"),
        (l2["id"], b["id"], 10000, "0.020000", "200.00"),
    ]
    assert single["total"]["amount"] == "700.00" and single["saving"]["amount"] == "0.00"

    # the lines view shows F's nuts raised to its MOQ, at the break price
    lines_view = await compare(api, m.buyer_token, rfq["id"], doc=LINES)
    nuts = lines_view["lines"][1]["offers"][0]
    assert nuts["quote"]["id"] == f["id"]
    assert Decimal(nuts["quantity"]) == 12000 and nuts["unitPrice"]["amount"] == "0.014000"
    assert lines_view["lines"][2]["offerCount"] == 0


# --- 6. award happy paths -------------------------------------------------------------------


def po_line(ln: dict[str, Any]) -> tuple[Any, ...]:
    return (
        ln["position"],
        ln["description"],
        ln["rfqLineId"],
        ln["quoteLineId"],
        Decimal(ln["quantity"]),
        ln["unitPrice"],
        ln["lineTotal"],
    )


async def test_award_by_allocations_two_suppliers(api: Api) -> None:
    """A split award by hand: one DRAFT order per supplier at the quoted prices in the
    quote's own currency (CNY stays CNY), price breaks applied, numbered per buyer."""
    m = await Market(api).setup()
    far_east = await supplier(api, "Far East")
    rfq = await m.rfq()
    l1, l2 = rfq["lines"]
    a = await m.quote(
        rfq,
        shippingCost="50",
        lines=[line(l1, "0.045", breaks=[("8000", "0.040")]), line(l2, "0.030")],
    )
    cny = await m.quote(
        rfq,
        far_east,
        currency="CNY",
        shippingCost="400",
        incoterm="FOB",
        lines=[line(l1, "0.40"), line(l2, "0.16")],
    )
    b = await m.quote(rfq, m.rival)
    assert (await api.mutate(RFQ_CLOSE, {"id": rfq["id"]}, m.buyer_token))["errors"] == []

    a_bolts = a["lines"][0]["id"]
    cny_nuts = cny["lines"][1]["id"]
    p = await award(
        api,
        m.buyer_token,
        rfqId=rfq["id"],
        allocations=[
            {"quoteLineId": cny_nuts, "quantity": "10000"},
            {"quoteLineId": a_bolts, "quantity": "10000"},
        ],
        note="split by hand",
    )
    assert p["errors"] == []
    assert p["rfq"]["id"] == rfq["id"] and p["rfq"]["status"] == "AWARDED"
    year = datetime.now(UTC).year
    po_a, po_c = p["purchaseOrders"]
    assert (po_a["number"], po_c["number"]) == (f"PO-{year}-000001", f"PO-{year}-000002")
    for po in (po_a, po_c):
        assert po["status"] == "DRAFT" and po["note"] == "split by hand"
        assert po["buyer"] == {"name": "Northwind"} and po["rfq"] == {"id": rfq["id"]}
        assert po["needBy"] == rfq["needBy"] and po["paymentTerms"] == "30 days net"
    eur, cny_cur = "EUR", "CNY"
    # bolts 10000 reach the 8000 break: 0.040, not 0.045
    assert po_a["supplier"] == {"name": "Bolt Supplier"}
    assert (po_a["currency"], po_a["incoterm"]) == ("EUR", "DAP")
    assert [po_line(x) for x in po_a["lines"]] == [
        (
            1,
            "M8x30 bolt",
            l1["id"],
            a_bolts,
            10000,
            {"amount": "0.040000", "currency": eur},
            {"amount": "400.00", "currency": eur},
        )
    ]
    assert (po_a["subtotal"], po_a["shippingCost"], po_a["total"]) == (
        {"amount": "400.00", "currency": eur},
        {"amount": "50.00", "currency": eur},
        {"amount": "450.00", "currency": eur},
    )
    assert po_c["supplier"] == {"name": "Far East"}
    assert (po_c["currency"], po_c["incoterm"]) == ("CNY", "FOB")
    assert [po_line(x) for x in po_c["lines"]] == [
        (
            1,
            "M8 nut",
            l2["id"],
            cny_nuts,
            10000,
            {"amount": "0.160000", "currency": cny_cur},
            {"amount": "1600.00", "currency": cny_cur},
        )
    ]
    assert (po_c["subtotal"]["amount"], po_c["shippingCost"]["amount"], po_c["total"]) == (
        "1600.00",
        "400.00",
        {"amount": "2000.00", "currency": cny_cur},
    )

    # quotes: A and C partly awarded, B rejected
    statuses = {}
    for q, org in ((a, m.supplier), (cny, far_east), (b, m.rival)):
        got = await api.gql(QUOTE_STATUS, {"id": q["id"]}, org.users["sales"].token)
        statuses[q["id"]] = got["quote"]["status"]
    assert statuses == {a["id"]: "AWARDED", cny["id"]: "AWARDED", b["id"]: "REJECTED"}
    async with api.db.read() as s:
        fully = {r[0]: r[1] for r in await s.execute(select(Quote.id, Quote.awarded_fully))}
    assert fully[db_id(a["id"])] is False and fully[db_id(cny["id"])] is False

    # who sees which orders
    buyer_view = (await api.gql(PURCHASE_ORDERS, {"rfqId": rfq["id"]}, m.buyer_token))[
        "purchaseOrders"
    ]
    assert buyer_view["totalCount"] == 2
    assert [n["number"] for n in buyer_view["nodes"]] == [po_c["number"], po_a["number"]]
    viewer_view = await api.gql(PURCHASE_ORDERS, {}, m.buyer.users["viewer"].token)
    assert viewer_view["purchaseOrders"]["totalCount"] == 2
    # suppliers see their orders once they are sent, not the buyer's drafts
    for supplier_org in (m.supplier, far_east):
        unsent = await api.gql(PURCHASE_ORDERS, {}, supplier_org.users["sales"].token)
        assert unsent["purchaseOrders"] == {"totalCount": 0, "nodes": []}
    for po in (po_a, po_c):
        for name in ("purchaseOrderSubmit", "purchaseOrderSend"):
            doc = f"""mutation M($input: PurchaseOrderActionInput!) {{
              {name}(input: $input) {{ purchaseOrder {{ status }} errors {{ field code }} }} }}"""
            done = await api.mutate(doc, {"id": po["id"]}, m.buyer_token)
            assert done["errors"] == [], done["errors"]
    sup_view = (await api.gql(PURCHASE_ORDERS, {}, m.supplier.users["sales"].token))[
        "purchaseOrders"
    ]
    assert [(n["number"], n["status"], n["total"]) for n in sup_view["nodes"]] == [
        (po_a["number"], "SENT", {"amount": "450.00", "currency": "EUR"})
    ]
    far_view = (await api.gql(PURCHASE_ORDERS, {}, far_east.users["sales"].token))["purchaseOrders"]
    assert [n["number"] for n in far_view["nodes"]] == [po_c["number"]]
    for outsider in (m.rival, m.it_supplier):
        none = await api.gql(PURCHASE_ORDERS, {}, outsider.users["sales"].token)
        assert none["purchaseOrders"] == {"totalCount": 0, "nodes": []}
    other = await api.gql(PURCHASE_ORDERS, {}, m.other_buyer.users["buyer"].token)
    assert other["purchaseOrders"]["totalCount"] == 0

    # audit trail and outbox, in the order written
    expected = [
        ("purchase_order.created", "PurchaseOrder"),
        ("quote.awarded", "Quote"),
        ("purchase_order.created", "PurchaseOrder"),
        ("quote.awarded", "Quote"),
        ("quote.rejected", "Quote"),
        ("rfq.awarded", "Rfq"),
    ]
    assert await award_actions(api) == expected
    assert await outbox_types(api) == [a for a, _ in expected]


async def test_award_whole_quote(api: Api) -> None:
    """Awarding a quote takes every line it offers (up to the requested quantity) and
    rejects the other offers; the comparison afterwards shows only the winner."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    a = await m.quote(rfq)  # bolts 10000 at 0.045, nuts 8000 at 0.02, shipping 150
    b = await m.quote(rfq, m.rival)
    assert (await api.mutate(RFQ_CLOSE, {"id": rfq["id"]}, m.buyer_token))["errors"] == []
    p = await award(api, m.buyer_token, rfqId=rfq["id"], quoteId=a["id"])
    assert p["errors"] == [] and p["rfq"]["status"] == "AWARDED"
    (po,) = p["purchaseOrders"]
    assert po["number"] == f"PO-{datetime.now(UTC).year}-000001"
    assert po["supplier"] == {"name": "Bolt Supplier"} and po["status"] == "DRAFT"
    assert [
        (x["position"], Decimal(x["quantity"]), x["unitPrice"]["amount"], x["lineTotal"]["amount"])
        for x in po["lines"]
    ] == [(1, 10000, "0.045000", "450.00"), (2, 8000, "0.020000", "160.00")]
    assert (po["subtotal"]["amount"], po["shippingCost"]["amount"], po["total"]["amount"]) == (
        "610.00",
        "150.00",
        "760.00",
    )
    assert [x["quoteLineId"] for x in po["lines"]] == [ln["id"] for ln in a["lines"]]

    got = await api.gql(QUOTE_STATUS, {"id": a["id"]}, m.supplier.users["sales"].token)
    assert got["quote"]["status"] == "AWARDED"
    got = await api.gql(QUOTE_STATUS, {"id": b["id"]}, m.rival.users["sales"].token)
    assert got["quote"]["status"] == "REJECTED"
    async with api.db.read() as s:
        fully = (
            await s.execute(select(Quote.awarded_fully).where(Quote.id == db_id(a["id"])))
        ).scalar_one()
    assert fully is True

    c = await compare(api, m.buyer_token, rfq["id"])
    assert [(o["quote"]["id"], o["quote"]["status"]) for o in c["offers"]] == [(a["id"], "AWARDED")]
    assert sorted(await award_actions(api)) == sorted(
        [
            ("purchase_order.created", "PurchaseOrder"),
            ("quote.awarded", "Quote"),
            ("quote.rejected", "Quote"),
            ("rfq.awarded", "Rfq"),
        ]
    )


async def test_award_suggested_split_from_open_rfq(api: Api) -> None:
    """An open, unsealed RFQ can be awarded straight away (which closes it); accepting
    the suggested split orders exactly the split."""
    s = await split_market(api)
    m = s.m
    p = await award(api, m.buyer_token, rfqId=s.rfq["id"], acceptSuggestedSplit=True)
    assert p["errors"] == []
    assert p["rfq"]["status"] == "AWARDED" and p["rfq"]["closedAt"] is not None
    po_a, po_b = p["purchaseOrders"]
    l1, l2 = s.rfq["lines"]
    assert (po_a["supplier"]["name"], po_b["supplier"]["name"]) == (
        "Bolt Supplier",
        "Rival Supplier",
    )
    assert [
        (x["rfqLineId"], Decimal(x["quantity"]), x["unitPrice"]["amount"]) for x in po_a["lines"]
    ] == [(l1["id"], 10000, "0.040000")]
    assert [
        (x["rfqLineId"], Decimal(x["quantity"]), x["unitPrice"]["amount"]) for x in po_b["lines"]
    ] == [(l2["id"], 10000, "0.020000")]
    assert (po_a["total"]["amount"], po_b["total"]["amount"]) == ("450.00", "260.00")  # = 710
    rfq_now = await api.gql(
        "query R($id: ID!) { rfq(id: $id) { status } }", {"id": s.rfq["id"]}, m.buyer_token
    )
    assert rfq_now["rfq"]["status"] == "AWARDED"
    for q, org in ((s.a, m.supplier), (s.b, m.rival)):
        got = await api.gql(QUOTE_STATUS, {"id": q["id"]}, org.users["sales"].token)
        assert got["quote"]["status"] == "AWARDED"


async def test_award_suggested_split_with_the_comparisons_options(api: Api) -> None:
    """The buyer compared with maxSuppliers 1 and accepts that split: the award uses the
    same options, so it orders everything from A (750.00), not the two-supplier split
    (710.00) an award without them would."""
    s = await split_market(api)
    m = s.m
    shown = (await compare(api, m.buyer_token, s.rfq["id"], doc=SPLIT, maxSuppliers=1))[
        "suggestedSplit"
    ]
    assert shown["supplierCount"] == 1 and shown["total"]["amount"] == "750.00"
    p = await award(
        api,
        m.buyer_token,
        rfqId=s.rfq["id"],
        acceptSuggestedSplit=True,
        maxSuppliers=1,
        exactSplit=True,
    )
    assert p["errors"] == []
    (po,) = p["purchaseOrders"]
    assert po["supplier"]["name"] == "Bolt Supplier"
    assert po["total"]["amount"] == "750.00"  # 400 + 300 + shipping 50
    assert sorted((x["quoteLineId"], Decimal(x["quantity"])) for x in po["lines"]) == sorted(
        (a["quoteLineId"], Decimal(a["quantity"])) for a in shown["allocations"]
    )


async def test_award_whole_quote_from_open_rfq(api: Api) -> None:
    """Awarding from OPEN (not sealed) closes the RFQ as part of the award."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    a = await m.quote(rfq)
    p = await award(api, m.buyer_token, rfqId=rfq["id"], quoteId=a["id"])
    assert p["errors"] == []
    assert p["rfq"]["status"] == "AWARDED" and p["rfq"]["closedAt"] is not None
    assert len(p["purchaseOrders"]) == 1


# --- 7. award refusals ----------------------------------------------------------------------


async def test_award_refusals_write_nothing(api: Api) -> None:
    """Every refused award leaves the database exactly as it was: no orders, no used
    PO number, quotes and RFQs unchanged, no audit entries or events."""
    m = await Market(api).setup()
    withdrawer = await supplier(api, "Withdrawer")
    late = await supplier(api, "Late")
    rfq = await m.rfq()
    l1, l2 = rfq["lines"]
    # A: bolts 10000 (MOQ 5000) at 0.045, nuts 8000 at 0.02
    a = await m.quote(rfq)
    b = await m.quote(rfq, m.rival, lines=[line(l1, "0.05"), line(l2, "0.018")])
    w = await m.quote(rfq, withdrawer)
    wd = await api.mutate(QUOTE_WITHDRAW, {"id": w["id"]}, withdrawer.users["sales"].token)
    assert wd["errors"] == []
    d = await m.quote(rfq, late)
    await expire(api, d["id"])
    other_rfq = await m.rfq()
    x = await m.quote(other_rfq)
    sealed = await m.rfq(sealed=True)
    s_quote = await m.quote(sealed)
    assert (await api.mutate(RFQ_CLOSE, {"id": rfq["id"]}, m.buyer_token))["errors"] == []

    a_bolts, a_nuts = (ln["id"] for ln in a["lines"])
    b_bolts = b["lines"][0]["id"]
    buyer = m.buyer_token
    rid = rfq["id"]

    def one(qline: str, qty: str) -> list[dict[str, str]]:
        return [{"quoteLineId": qline, "quantity": qty}]

    cases: list[tuple[str, str, dict[str, Any], str, str | None]] = [
        ("above offered", buyer, {"allocations": one(a_nuts, "9000")}, "ALLOCATION_INVALID",
         "allocations[0].quantity"),
        ("below MOQ", buyer, {"allocations": one(a_bolts, "4000")}, "BELOW_MOQ",
         "allocations[0].quantity"),
        ("above requested", buyer,
         {"allocations": [*one(a_bolts, "6000"), *one(b_bolts, "5000")]},
         "ALLOCATION_INVALID", "allocations"),
        ("another RFQ's line", buyer, {"allocations": one(x["lines"][0]["id"], "10000")},
         "NOT_FOUND", "allocations[0].quoteLineId"),
        ("withdrawn quote's line", buyer, {"allocations": one(w["lines"][0]["id"], "10000")},
         "NOT_FOUND", "allocations[0].quoteLineId"),
        ("withdrawn quote", buyer, {"quoteId": w["id"]}, "NOT_FOUND", "quoteId"),
        ("expired quote", buyer, {"allocations": one(d["lines"][0]["id"], "10000")},
         "ALLOCATION_INVALID", "allocations[0].quoteLineId"),
        ("zero quantity", buyer, {"allocations": one(a_bolts, "0")}, "NOT_POSITIVE",
         "allocations[0].quantity"),
        ("same line twice", buyer, {"allocations": [*one(a_bolts, "5000"), *one(a_bolts, "5000")]},
         "DUPLICATE", "allocations[1].quoteLineId"),
        ("two modes", buyer, {"allocations": one(a_bolts, "10000"), "quoteId": a["id"]},
         "INVALID", "allocations"),
        ("split and quote", buyer, {"acceptSuggestedSplit": True, "quoteId": a["id"]},
         "INVALID", "allocations"),
        ("split options without the split", buyer, {"quoteId": a["id"], "maxSuppliers": 1},
         "INVALID", "acceptSuggestedSplit"),
        ("maxSuppliers 0", buyer, {"acceptSuggestedSplit": True, "maxSuppliers": 0},
         "INVALID", "maxSuppliers"),
        ("no mode", buyer, {}, "INVALID", "allocations"),
        ("empty allocations", buyer, {"allocations": []}, "REQUIRED", "allocations"),
        ("supplier", m.supplier.users["sales"].token, {"quoteId": a["id"]}, "FORBIDDEN", None),
        ("viewer", m.buyer.users["viewer"].token, {"quoteId": a["id"]}, "FORBIDDEN", None),
        ("org admin without BUYER", m.buyer.users["admin"].token, {"quoteId": a["id"]},
         "FORBIDDEN", None),
        ("sealed and open", buyer, {"rfqId": sealed["id"], "quoteId": s_quote["id"]},
         "INVALID_TRANSITION", "rfqId"),
    ]  # fmt: skip
    before = await db_state(api)
    for name, token, input, code, field in cases:
        p = await award(api, token, **{"rfqId": rid, **input})
        assert p["rfq"] is None and p["purchaseOrders"] == [], name
        assert [(e["code"], e["field"]) for e in p["errors"]][:1] == [(code, field)], (name, p)
        assert await db_state(api) == before, name
    assert before["orders"] == 0 and before["audit"] == 0
    # a valid award, then a second one is refused and changes nothing
    ok = await award(api, buyer, rfqId=rid, quoteId=b["id"])
    assert ok["errors"] == []
    after = await db_state(api)
    assert after["orders"] == 1
    again = await award(api, buyer, rfqId=rid, quoteId=a["id"])
    assert [e["code"] for e in again["errors"]] == ["INVALID_TRANSITION"]
    assert await db_state(api) == after
    # the statuses in the database are what the first award set
    statuses = {qid: st for qid, st, _ in after["quotes"]}
    assert statuses[db_id(b["id"])] == "AWARDED"
    assert statuses[db_id(a["id"])] == "REJECTED"
    assert statuses[db_id(d["id"])] == "REJECTED"
    assert statuses[db_id(w["id"])] == "WITHDRAWN"
    assert statuses[db_id(x["id"])] == "SUBMITTED"  # another RFQ's quote: untouched
    assert statuses[db_id(s_quote["id"])] == "SUBMITTED"


async def test_award_refusal_messages_show_plain_quantities(api: Api) -> None:
    """The buyer reads these messages: quantities must print as 8000, not 8E+3."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    l1, l2 = rfq["lines"]
    a = await m.quote(rfq)  # bolts 10000 (MOQ 5000), nuts 8000
    b = await m.quote(rfq, m.rival, lines=[line(l1, "0.05"), line(l2, "0.018")])
    a_bolts, a_nuts = (ln["id"] for ln in a["lines"])
    b_bolts = b["lines"][0]["id"]
    buyer, rid = m.buyer_token, rfq["id"]

    def one(qline: str, qty: str) -> list[dict[str, str]]:
        return [{"quoteLineId": qline, "quantity": qty}]

    p = await award(api, buyer, rfqId=rid, allocations=one(a_nuts, "9000"))
    assert p["errors"][0]["message"] == "Above the quantity offered (8000)"
    p = await award(api, buyer, rfqId=rid, allocations=one(a_bolts, "4000"))
    assert p["errors"][0]["message"] == "Below the minimum order quantity (5000)"
    p = await award(
        api, buyer, rfqId=rid, allocations=[*one(a_bolts, "6000"), *one(b_bolts, "5000")]
    )
    assert p["errors"] == [
        {
            "field": "allocations",
            "code": "ALLOCATION_INVALID",
            "message": "Line 1: 11000 allocated, above the 10000 requested",
        }
    ]


async def test_award_by_another_buyer_is_not_found(api: Api) -> None:
    """Writes on another organisation's RFQ answer NOT_FOUND, like reads (README,
    "Sourcing rules"), so an outsider cannot probe which RFQ ids exist."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    a = await m.quote(rfq)
    before = await db_state(api)
    p = await award(api, m.other_buyer.users["buyer"].token, rfqId=rfq["id"], quoteId=a["id"])
    assert [e["code"] for e in p["errors"]] == ["NOT_FOUND"]
    assert await db_state(api) == before


# --- 8. concurrency -----------------------------------------------------------------------


async def test_concurrent_awards_one_wins(api: Api) -> None:
    """Two buyers pressing "award" at once must not produce two sets of orders: the RFQ
    row lock makes the second see the first's AWARDED state."""
    m = await Market(api).setup()
    rfq = await m.rfq()
    a = await m.quote(rfq)
    b = await m.quote(rfq, m.rival)
    assert (await api.mutate(RFQ_CLOSE, {"id": rfq["id"]}, m.buyer_token))["errors"] == []
    responses = await asyncio.gather(
        api.raw(AWARD, {"input": {"rfqId": rfq["id"], "quoteId": a["id"]}}, m.buyer_token),
        api.raw(AWARD, {"input": {"rfqId": rfq["id"], "quoteId": b["id"]}}, m.buyer_token),
    )
    payloads = []
    for r in responses:
        assert r.status_code == 200, r.text
        body = r.json()
        assert "errors" not in body, body
        payloads.append(body["data"]["rfqAward"])
    won = [p for p in payloads if p["errors"] == []]
    lost = [p for p in payloads if p["errors"] != []]
    assert len(won) == 1 and len(lost) == 1
    assert [e["code"] for e in lost[0]["errors"]] == ["INVALID_TRANSITION"]
    assert lost[0]["purchaseOrders"] == []
    (po,) = won[0]["purchaseOrders"]
    assert po["number"] == f"PO-{datetime.now(UTC).year}-000001"

    state = await db_state(api)
    assert state["orders"] == 1 and state["audit"] == 4  # order, awarded, rejected, rfq
    winner = a if po["supplier"]["name"] == "Bolt Supplier" else b
    loser = b if winner is a else a
    statuses = {qid: st for qid, st, _ in state["quotes"]}
    assert statuses == {db_id(winner["id"]): "AWARDED", db_id(loser["id"]): "REJECTED"}
    assert [st for _, st, _ in state["rfqs"]] == ["AWARDED"]
    async with api.db.read() as s:
        counter = (
            await s.execute(select(DocumentCounter.last_value).where(DocumentCounter.kind == "PO"))
        ).scalar_one()
    assert counter == 1  # the loser's number was rolled back with it


# --- 9. FX rates ------------------------------------------------------------------------------


async def test_fx_rate_set(api: Api) -> None:
    """Platform admins keep the FX table; a second rate for the same pair and day
    replaces the first; everyone signed in may read it; nobody else may write it."""
    m = await Market(api).setup()
    admin = await api.platform_admin()
    t = today()
    p = await api.mutate(
        FX_RATE_SET,
        {"base": "usd", "quote": " eur ", "rate": "0.92", "asOf": t.isoformat()},
        admin.token,
    )
    assert p["errors"] == []
    assert p["fxRate"]["base"] == "USD" and p["fxRate"]["quote"] == "EUR"
    assert Decimal(p["fxRate"]["rate"]) == Decimal("0.92") and p["fxRate"]["asOf"] == t.isoformat()
    p = await api.mutate(
        FX_RATE_SET,
        {"base": "USD", "quote": "EUR", "rate": "0.93", "asOf": t.isoformat()},
        admin.token,
    )
    assert p["errors"] == [] and Decimal(p["fxRate"]["rate"]) == Decimal("0.93")
    older = (t - timedelta(days=1)).isoformat()
    p = await api.mutate(
        FX_RATE_SET, {"base": "USD", "quote": "EUR", "rate": "0.91", "asOf": older}, admin.token
    )
    assert p["errors"] == []
    rates = (await api.gql(FX_RATES, {"base": "USD", "quote": "EUR"}, m.buyer_token))["fxRates"]
    assert [(r["asOf"], Decimal(r["rate"])) for r in rates] == [
        (t.isoformat(), Decimal("0.93")),
        (older, Decimal("0.91")),
    ]
    async with api.db.read() as s:
        n = (await s.execute(select(func.count()).select_from(FxRate))).scalar_one()
        audited = (
            await s.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "fx_rate.set")
            )
        ).scalar_one()
    assert n == 2 and audited == 3

    # the comparison uses the replaced rate: 760 EUR quote compared in USD = 760 / 0.93
    rfq = await m.rfq()
    await m.quote(rfq)
    c = await compare(api, m.buyer_token, rfq["id"], currency="USD")
    assert c["offers"][0]["landedCost"]["amount"] == "817.20"  # 760 x 1.0752688172

    good = {"base": "USD", "quote": "CNY", "rate": "7.2", "asOf": t.isoformat()}
    cases: list[tuple[str, dict[str, Any], list[tuple[str, str | None]]]] = [
        (m.buyer_token, good, [("FORBIDDEN", None)]),
        (m.supplier.users["admin"].token, good, [("FORBIDDEN", None)]),
        (admin.token, {**good, "base": "XYZ"}, [("INVALID_CURRENCY", "base")]),
        (admin.token, {**good, "quote": "EURO"}, [("INVALID_CURRENCY", "quote")]),
        (admin.token, {**good, "rate": "0"}, [("NOT_POSITIVE", "rate")]),
        (admin.token, {**good, "rate": "-1.5"}, [("NOT_POSITIVE", "rate")]),
        (admin.token, {**good, "quote": "USD"}, [("INVALID", "quote")]),
    ]
    for token, input, errors in cases:
        p = await api.mutate(FX_RATE_SET, input, token)
        assert p["fxRate"] is None, input
        assert [(e["code"], e["field"]) for e in p["errors"]] == errors, input
    assert (await api.gql(FX_RATES, {"base": "USD", "quote": "CNY"}, m.buyer_token))[
        "fxRates"
    ] == []
