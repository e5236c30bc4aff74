"""The demo data loads, satisfies the issue's mix, and loading twice duplicates nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from fixtures.loader import demo_data, load_demo
from procurement.db import Database
from procurement.money.models import FxRate
from procurement.ordering.models import PurchaseOrder
from procurement.parties.models import Category, Organization, User, VerificationStatus
from procurement.sourcing.models import Quote, Rfq
from tests.helpers import Api

TOKEN_CREATE = """
mutation($input: TokenCreateInput!) {
  tokenCreate(input: $input) { accessToken user { organization { name } } errors { code } }
}
"""


async def _counts(db: Database) -> dict[str, int]:
    out = {}
    async with db.read() as s:
        for model in (Category, Organization, User, FxRate, Rfq, Quote, PurchaseOrder):
            out[model.__name__] = (
                await s.execute(select(func.count()).select_from(model))
            ).scalar_one()
    return out


async def test_demo_loads_once(api: Api) -> None:
    first = await load_demo(api.db)
    after_first = await _counts(api.db)
    second = await load_demo(api.db)
    assert await _counts(api.db) == after_first
    assert all(v == 0 for v in second.values()), second
    assert first["organizations"] == 13 and first["categories"] >= 12
    async with api.db.read() as s:
        orgs = (await s.execute(select(Organization))).scalars().all()
        quotes = set((await s.execute(select(FxRate.quote))).scalars())
    buyers = [o for o in orgs if o.is_buyer]
    suppliers = [o for o in orgs if o.is_supplier]
    assert len(buyers) >= 3 and len(suppliers) >= 10
    assert {o.verification_status for o in suppliers} == set(VerificationStatus)
    assert {"CNY", "EUR", "JPY", "GBP"} <= quotes  # against USD
    async with api.db.read() as s:
        rfq_states = set((await s.execute(select(Rfq.status))).scalars())
        quote_count = (await s.execute(select(func.count()).select_from(Quote))).scalar_one()
    assert rfq_states == {"DRAFT", "OPEN", "CLOSED", "CANCELLED", "AWARDED"}
    assert quote_count == 9
    async with api.db.read() as s:
        po_states = set((await s.execute(select(PurchaseOrder.status))).scalars())
    assert po_states == {
        "DRAFT",
        "PENDING_APPROVAL",
        "APPROVED",
        "SENT",
        "ACKNOWLEDGED",
        "DECLINED",
        "IN_FULFILMENT",
        "RECEIVED",
        "CLOSED",
        "CANCELLED",
    }


async def test_demo_users_sign_in_with_the_readme_password(api: Api) -> None:
    await load_demo(api.db)
    password = demo_data()["demo_password"]
    p = await api.mutate(TOKEN_CREATE, {"email": "buyer@northwind.example", "password": password})
    assert p["errors"] == []
    assert p["user"]["organization"]["name"] == "Northwind Manufacturing GmbH"
