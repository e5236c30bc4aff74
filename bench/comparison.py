"""Benchmark: the comparison of an RFQ with 50 lines and 200 quotes (10,000 quote lines).

Prints the end-to-end time of the comparison query (GraphQL through the ASGI app,
median of several runs), the time of the ranking and of the split alone, and the number
of SQL statements.  Target: under 300 ms end to end on a 2-core machine, with a
statement count that does not grow with the number of quotes.

    python bench/comparison.py [--quotes 200] [--lines 50] [--runs 7]

Uses DATABASE_URL's server (a database ``procurement_bench`` is created there and
dropped afterwards), or an embedded PostgreSQL when DATABASE_URL is unset.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import event, insert, select
from sqlalchemy.engine.url import make_url

from graphql_schema.app import create_app
from graphql_schema.ids import to_global_id
from procurement.comparison.ranking import line_facts, rank_lines, rank_offers
from procurement.comparison.service import ComparisonRequest, compare
from procurement.comparison.split import suggest_split
from procurement.config import Settings
from procurement.db import Database, get_database
from procurement.migrate import upgrade
from procurement.money.models import FxRate
from procurement.parties.credentials import issue_tokens
from procurement.parties.models import Category, Organization, OrganizationCategory, User
from procurement.sourcing.models import Quote, QuoteLine, Rfq, RfqLine

QUERY = """
query Compare($id: ID!, $split: Boolean!) {
  rfq(id: $id) {
    comparison {
      currency comparedOn
      offers {
        rank score coverage leadTimeDays meetsNeedBy
        landedCost { amount currency }
        supplierScore { value }
        breakdown { criterion rawValue normalizedValue weight contribution }
        quote { id }
        supplier { name }
      }
      lines { rfqLine { id position } offerCount
              offers(first: 3) { rank unitLandedCost { amount } quote { id } } }
      ...Split @include(if: $split)
    }
  }
}
"""
QUERY += """
fragment Split on Comparison {
  suggestedSplit { total { amount } saving { amount } supplierCount coverage optimal
                   allocations { quoteLineId quantity cost { amount } } }
}
"""


async def _admin(url: str, sql: str) -> None:
    u = make_url(url)
    conn = await asyncpg.connect(
        user=u.username or "postgres",
        password=u.password or None,
        host=u.query.get("host") or u.host or "127.0.0.1",
        port=u.port or 5432,
        database=u.database or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def seed(db: Database, n_quotes: int, n_lines: int) -> tuple[int, User]:
    rng = random.Random(42)
    now = datetime.now(UTC)
    async with db.transaction() as s:
        cat = Category(code="31160000", name="Hardware")
        s.add(cat)
        buyer = Organization(
            name="Bench Buyer",
            name_key="bench buyer",
            country="DE",
            base_currency="EUR",
            is_buyer=True,
        )
        s.add(buyer)
        await s.flush()
        user = User(
            organization_id=buyer.id,
            email="b@bench.example",
            email_normalized="b@bench.example",
            full_name="Bench",
            password_hash="x",
            roles=["BUYER"],
        )
        s.add(user)
        s.add_all(
            [
                FxRate(base="USD", quote=c, rate=Decimal(r), as_of=now.date())
                for c, r in (("EUR", "0.92"), ("CNY", "7.2"))
            ]
        )
        supplier_ids = list(
            (
                await s.execute(
                    insert(Organization).returning(Organization.id),
                    [
                        {
                            "name": f"Supplier {i:03}",
                            "name_key": f"supplier {i:03}",
                            "country": "CN",
                            "base_currency": "CNY",
                            "is_buyer": False,
                            "is_supplier": True,
                            "is_platform": False,
                            "verification_status": "VERIFIED",
                            "version": 1,
                        }
                        for i in range(n_quotes)
                    ],
                )
            ).scalars()
        )
        await s.execute(
            insert(OrganizationCategory),
            [{"organization_id": sid, "category_id": cat.id} for sid in supplier_ids],
        )
        rfq = Rfq(
            number="RFQ-BENCH-1",
            buyer_org_id=buyer.id,
            title="Bench RFQ",
            category_id=cat.id,
            currency="EUR",
            deadline=now - timedelta(hours=1),
            need_by=(now + timedelta(days=40)).date(),
            visibility="PUBLIC",
            sealed=False,
            status="CLOSED",
            weights={"price": "0.5", "leadTime": "0.2", "coverage": "0.2", "supplierScore": "0.1"},
        )
        s.add(rfq)
        await s.flush()
        line_ids = list(
            (
                await s.execute(
                    insert(RfqLine).returning(RfqLine.id),
                    [
                        {
                            "rfq_id": rfq.id,
                            "position": i + 1,
                            "description": f"Part {i + 1}",
                            "quantity": Decimal(rng.choice([100, 500, 1000, 5000])),
                            "unit": "EA",
                            "specifications": [],
                        }
                        for i in range(n_lines)
                    ],
                )
            ).scalars()
        )
        quote_ids = list(
            (
                await s.execute(
                    insert(Quote).returning(Quote.id),
                    [
                        {
                            "rfq_id": rfq.id,
                            "supplier_org_id": sid,
                            "currency": rng.choice(["CNY", "EUR"]),
                            "valid_until": (now + timedelta(days=30)).date(),
                            "incoterm": "FOB",
                            "lead_time_days": rng.randint(5, 60),
                            "shipping_cost": Decimal(rng.randint(0, 2000)),
                            "status": "SUBMITTED",
                            "revision": 1,
                            "submitted_at": now - timedelta(minutes=rng.randint(1, 5000)),
                            "version": 1,
                        }
                        for sid in supplier_ids
                    ],
                )
            ).scalars()
        )
        lines = []
        for qid in quote_ids:
            for lid in line_ids:
                price = Decimal(rng.randint(100, 2000)) / 100
                lines.append(
                    {
                        "quote_id": qid,
                        "rfq_line_id": lid,
                        "unit_price": price,
                        "quantity": Decimal(rng.choice([100, 500, 1000, 5000])),
                        "moq": Decimal(rng.choice([50, 100])) if rng.random() < 0.3 else None,
                        "price_breaks": [
                            {"min_quantity": "1000", "unit_price": str(price * Decimal("0.9"))}
                        ]
                        if rng.random() < 0.3
                        else [],
                    }
                )
        await s.execute(insert(QuoteLine), lines)
        assert rfq.id is not None
        return rfq.id, user


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quotes", type=int, default=200)
    ap.add_argument("--lines", type=int, default=50)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()

    name = f"procurement_bench_{os.getpid()}"
    server_url = os.environ.get("DATABASE_URL")
    server = None
    if server_url:
        admin = Settings(DATABASE_URL=server_url).database_url  # type: ignore[call-arg]
        assert admin
        await _admin(admin, f'CREATE DATABASE "{name}"')
        url = make_url(admin).set(database=name).render_as_string(hide_password=False)
    else:
        import pgserver

        server = pgserver.get_server(
            Path(tempfile.mkdtemp(dir="/tmp")) / "pg", cleanup_mode="delete"
        )
        server.psql(f'CREATE DATABASE "{name}";')
        url = "postgresql+asyncpg://" + server.get_uri(name).split("://", 1)[1]
    try:
        await asyncio.to_thread(upgrade, url)
        settings = Settings(SECRET_KEY="bench", PROCUREMENT_DATA_DIR=tempfile.mkdtemp())  # type: ignore[call-arg]
        app = create_app(settings, database_url=url)
        async with app.router.lifespan_context(app):
            db = get_database()
            t = time.perf_counter()
            rfq_id, user = await seed(db, args.quotes, args.lines)
            print(
                f"seeded {args.quotes} quotes x {args.lines} lines "
                f"({args.quotes * args.lines} quote lines) in {time.perf_counter() - t:.1f} s"
            )
            token = issue_tokens(
                user_id=user.id or 0,
                organization_id=user.organization_id or 0,
                secret="bench",
                access_minutes=60,
                refresh_days=1,
            ).access_token
            statements: list[str] = []
            event.listen(
                db.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2])
            )
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                headers = {"authorization": f"Bearer {token}"}
                results = {}
                for with_split in (False, True):
                    body = {
                        "query": QUERY,
                        "variables": {"id": to_global_id("Rfq", rfq_id), "split": with_split},
                    }
                    times = []
                    for i in range(args.runs + 1):
                        statements.clear()
                        t = time.perf_counter()
                        r = await client.post("/graphql", json=body, headers=headers)
                        elapsed = time.perf_counter() - t
                        data = r.json()
                        assert "errors" not in data, data["errors"]
                        if i:  # the first run warms caches
                            times.append(elapsed)
                    results[with_split] = (times, len(r.content), len(statements))
                    comp = data["data"]["rfq"]["comparison"]
            for with_split, (times, size, n_statements) in results.items():
                label = "with suggestedSplit" if with_split else "offers + lines"
                print(
                    f"end to end, {label}: median {statistics.median(times) * 1000:.0f} ms "
                    f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}) over "
                    f"{args.runs} runs; response {size / 1024:.0f} KiB; "
                    f"{n_statements} SQL statements"
                )
            print(
                f"offers {len(comp['offers'])}, split: {comp['suggestedSplit']['supplierCount']}"
                f" suppliers, total {comp['suggestedSplit']['total']['amount']} EUR, saving "
                f"{comp['suggestedSplit']['saving']['amount']}, optimal "
                f"{comp['suggestedSplit']['optimal']}"
            )

            async with db.read() as s:
                rfq = (await s.execute(select(Rfq).where(Rfq.id == rfq_id))).scalar_one()
                t = time.perf_counter()
                model = await compare(s, rfq, ComparisonRequest())
                load = time.perf_counter() - t  # ranking is lazy: measured below
            rank_t, split_t = [], []
            for _ in range(args.runs):
                t = time.perf_counter()
                facts = line_facts(model.offers, model.ctx)
                rank_offers(model.offers, model.ctx, model.weights, facts)
                rank_lines(model.offers, model.ctx, facts)
                rank_t.append(time.perf_counter() - t)
                t = time.perf_counter()
                split = suggest_split(model.offers, model.ctx, facts=facts)
                split_t.append(time.perf_counter() - t)
            print(
                f"service load + convert: {load * 1000:.0f} ms; ranking alone: median "
                f"{statistics.median(rank_t) * 1000:.0f} ms; split alone (HiGHS): median "
                f"{statistics.median(split_t) * 1000:.0f} ms"
                + (
                    f" (over the {split.candidate_limit} cheapest offers per line)"
                    if split.candidate_limit
                    else ""
                )
            )
            t = time.perf_counter()
            exact = suggest_split(model.offers, model.ctx, exact=True)
            print(
                f"exact split over every offer line (exactSplit: true): "
                f"{(time.perf_counter() - t) * 1000:.0f} ms, optimal {exact.optimal}, total "
                f"{exact.total:.2f}; the default split's total {split.total:.2f} is "
                f"{(split.total - exact.total) / exact.total * 100:.3f}% above it"
            )
    finally:
        if server is not None:
            server.cleanup()
        else:
            await _admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
