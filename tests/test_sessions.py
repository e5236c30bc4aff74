"""Sessions end when they must, and refresh tokens rotate (OAuth 2.0 Security BCP)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.helpers import PASSWORD, Api, rows

SIGN_IN = """
mutation($input: TokenCreateInput!) {
  tokenCreate(input: $input) { accessToken refreshToken errors { field code } }
}
"""
REFRESH = """
mutation($input: TokenRefreshInput!) {
  tokenRefresh(input: $input) { accessToken refreshToken errors { field code } }
}
"""
USER_UPDATE = """
mutation($input: UserUpdateInput!) {
  userUpdate(input: $input) { user { roles } errors { field code } }
}
"""
DEACTIVATE = """
mutation($input: IdInput!) { userDeactivate(input: $input) { errors { code } } }
"""
ME = "{ me { email } }"


async def sign_in(api: Api, email: str, password: str = PASSWORD) -> dict[str, Any]:
    p = await api.mutate(SIGN_IN, {"email": email, "password": password})
    assert p["errors"] == [], p
    return p


async def works(api: Api, access: str) -> bool:
    r = await api.raw(ME, token=access)
    assert r.status_code in (200, 401), r.text
    return r.status_code == 200


async def refresh_code(api: Api, refresh: str) -> str | None:
    p = await api.mutate(REFRESH, {"refreshToken": refresh})
    return p["errors"][0]["code"] if p["errors"] else None


async def test_password_change_ends_every_session(api: Api) -> None:
    org = await api.org(buyer=True, users={"admin": ["ORG_ADMIN"], "buyer": ["BUYER"]})
    buyer = org.users["buyer"]
    laptop, phone = await sign_in(api, buyer.email), await sign_in(api, buyer.email)
    assert await works(api, laptop["accessToken"]) and await works(api, phone["accessToken"])
    changed = await api.mutate(
        USER_UPDATE,
        {"id": buyer.gid, "password": "Brand-new-2026", "currentPassword": PASSWORD},
        laptop["accessToken"],
    )
    assert changed["errors"] == []
    for s in (laptop, phone):
        assert not await works(api, s["accessToken"])
        assert await refresh_code(api, s["refreshToken"]) == "SESSION_REVOKED"
    assert not await works(api, buyer.token)  # issued before the change, too
    fresh = await sign_in(api, buyer.email, "Brand-new-2026")
    assert await works(api, fresh["accessToken"])
    assert await refresh_code(api, fresh["refreshToken"]) is None
    revoked = await rows(api.db, "SELECT count(*) FROM refresh_token WHERE revoked_at IS NOT NULL")
    assert revoked == [(2,)]


async def test_deactivation_and_role_removal_end_sessions(api: Api) -> None:
    org = await api.org(
        buyer=True,
        users={"admin": ["ORG_ADMIN"], "buyer": ["BUYER", "VIEWER"], "other": ["BUYER"]},
    )
    admin, buyer, other = org.users["admin"], org.users["buyer"], org.users["other"]
    session = await sign_in(api, buyer.email)
    # adding a role ends nothing
    more = await api.mutate(
        USER_UPDATE, {"id": buyer.gid, "roles": ["BUYER", "VIEWER", "APPROVER"]}, admin.token
    )
    assert more["errors"] == []
    assert await works(api, session["accessToken"])
    # removing one ends every session of that user, and of no one else
    other_session = await sign_in(api, other.email)
    fewer = await api.mutate(USER_UPDATE, {"id": buyer.gid, "roles": ["BUYER"]}, admin.token)
    assert fewer["errors"] == []
    assert not await works(api, session["accessToken"])
    assert await refresh_code(api, session["refreshToken"]) == "SESSION_REVOKED"
    assert await works(api, other_session["accessToken"])
    # deactivation: access refused and the refresh token revoked, not merely unusable
    again = await sign_in(api, other.email)
    off = await api.mutate(DEACTIVATE, {"id": other.gid}, admin.token)
    assert off["errors"] == []
    assert not await works(api, again["accessToken"])
    assert await refresh_code(api, again["refreshToken"]) == "SESSION_REVOKED"
    assert await rows(
        api.db,
        "SELECT count(*) FROM refresh_token WHERE user_id = :u AND revoked_at IS NULL",
        u=other.user_id,
    ) == [(0,)]


async def test_refresh_tokens_rotate_and_reuse_revokes_the_family(api: Api) -> None:
    org = await api.org(buyer=True, users={"buyer": ["BUYER"]})
    email = org.users["buyer"].email
    first = await sign_in(api, email)
    elsewhere = await sign_in(api, email)  # another device: another family
    second = await api.mutate(REFRESH, {"refreshToken": first["refreshToken"]})
    assert second["errors"] == [] and second["refreshToken"] != first["refreshToken"]
    third = await api.mutate(REFRESH, {"refreshToken": second["refreshToken"]})
    assert third["errors"] == []
    assert await works(api, third["accessToken"])
    # the first token is spent: showing it again means it was copied
    assert await refresh_code(api, first["refreshToken"]) == "SESSION_REVOKED"
    assert await refresh_code(api, third["refreshToken"]) == "SESSION_REVOKED"
    # the other family is untouched
    assert await refresh_code(api, elsewhere["refreshToken"]) is None
    # stored hashed: no token value is in the table
    stored = await rows(api.db, "SELECT token_hash FROM refresh_token")
    assert all(first["refreshToken"] not in r[0] for r in stored)
    assert await refresh_code(api, "prr_made-up") == "INVALID_TOKEN"


async def test_two_simultaneous_uses_of_one_refresh_token(api: Api) -> None:
    """A race between thief and owner: one use rotates, the other is a reuse and revokes
    the family, so neither keeps a working refresh token."""
    org = await api.org(buyer=True, users={"buyer": ["BUYER"]})
    start = await sign_in(api, org.users["buyer"].email)
    a, b = await asyncio.gather(
        *(api.mutate(REFRESH, {"refreshToken": start["refreshToken"]}) for _ in range(2))
    )
    outcomes = sorted(p["errors"][0]["code"] if p["errors"] else "OK" for p in (a, b))
    assert outcomes == ["OK", "SESSION_REVOKED"]
    winner = a if not a["errors"] else b
    assert await refresh_code(api, winner["refreshToken"]) == "SESSION_REVOKED"


SUSPEND = """
mutation($input: SupplierDecisionInput!) {
  supplierSuspend(input: $input) { organization { verificationStatus } errors { code } }
}
"""
REINSTATE = SUSPEND.replace("supplierSuspend", "supplierVerify")
REJECT = SUSPEND.replace("supplierSuspend", "supplierReject")


async def test_a_suspended_or_rejected_supplier_reads_but_cannot_act(api: Api) -> None:
    """Standing is read on every request: the same token that acknowledged an order
    a moment ago cannot acknowledge, ship, quote or list once the supplier is
    suspended, yet still reads its orders, quotes and listings; reinstated, it acts."""
    from graphql_schema.ids import to_global_id
    from procurement.parties.models import OrganizationCategory
    from tests.ordering_docs import PO_ACK, PO_QUERY, PO_SEND, PO_SUBMIT, SHIP, Shop
    from tests.sourcing_docs import (
        QUOTE_CREATE,
        QUOTE_SUBMIT,
        RFQ_CREATE,
        RFQ_PUBLISH,
        quote_input,
        rfq_input,
    )
    from tests.test_fulfilment_and_catalog import LISTING_CREATE, listing_input

    shop = await Shop(api).setup()
    staff = await api.platform_admin()
    sent = await shop.order()
    await shop.act(PO_SUBMIT, {"id": sent["id"]})
    await shop.act(PO_SEND, {"id": sent["id"]})
    acked = await shop.acknowledged()
    category = await api.category("BOLTS")
    async with api.db.transaction() as s:
        s.add(OrganizationCategory(organization_id=shop.supplier.id, category_id=category.id))
    rfq = await api.mutate(
        RFQ_CREATE, rfq_input(to_global_id("Category", category.id)), shop.token("buyer")
    )
    await api.mutate(RFQ_PUBLISH, {"id": rfq["rfq"]["id"]}, shop.token("buyer"))
    quote = await api.mutate(QUOTE_CREATE, quote_input(rfq["rfq"]), shop.sales)
    assert quote["errors"] == []

    off = await api.mutate(SUSPEND, {"id": shop.supplier.gid, "reason": "Audit"}, staff.token)
    assert off["organization"]["verificationStatus"] == "SUSPENDED"
    refusals = {
        "acknowledge": await shop.act(PO_ACK, {"id": sent["id"]}, token=shop.sales),
        "ship": await shop.act(
            SHIP,
            {
                "purchaseOrderId": acked["id"],
                "carrier": "DHL",
                "lines": [{"lineId": acked["lines"][0]["id"], "quantity": "1"}],
            },
            token=shop.sales,
        ),
        "quote": await api.mutate(QUOTE_SUBMIT, {"id": quote["quote"]["id"]}, shop.sales),
        "listing": await api.mutate(LISTING_CREATE, listing_input(), shop.sales),
    }
    for action, p in refusals.items():
        assert [e["code"] for e in p["errors"]] == ["FORBIDDEN"], action
        assert "SUSPENDED as a supplier" in p["errors"][0]["message"], action
    # reads: its own orders (with nothing it may do), its quote, its listing
    seen = await api.gql(PO_QUERY, {"id": sent["id"]}, shop.sales)
    assert seen["purchaseOrder"]["status"] == "SENT"
    assert seen["purchaseOrder"]["availableActions"] == []
    own = await api.gql(
        "query($q: ID!, $l: ID!) { quote(id: $q) { status } listing(id: $l) { title } }",
        {"q": quote["quote"]["id"], "l": to_global_id("Listing", shop.listing_id)},
        shop.sales,
    )
    assert own == {"quote": {"status": "DRAFT"}, "listing": {"title": "M8 bolt"}}
    assert await rows(api.db, "SELECT count(*) FROM shipment") == [(0,)]
    feed = await api.gql("{ rfqFeed { totalCount } }", token=shop.sales)
    assert feed == {"rfqFeed": {"totalCount": 0}}  # a read: empty, not refused

    back = await api.mutate(REINSTATE, {"id": shop.supplier.gid}, staff.token)
    assert back["organization"]["verificationStatus"] == "VERIFIED"
    assert (await shop.act(PO_ACK, {"id": sent["id"]}, token=shop.sales))["errors"] == []

    # a rejected applicant cannot list either
    pending = await api.org(supplier=True, status=None, users={"sales": ["SUPPLIER_SALES"]})
    async with api.db.transaction() as s:
        from sqlalchemy import text

        await s.execute(
            text("UPDATE organization SET verification_status = 'PENDING' WHERE id = :id"),
            {"id": pending.id},
        )
    await api.mutate(REJECT, {"id": pending.gid, "reason": "Unknown"}, staff.token)
    rejected = await api.mutate(LISTING_CREATE, listing_input(), pending.users["sales"].token)
    assert [e["code"] for e in rejected["errors"]] == ["FORBIDDEN"]
    assert "REJECTED as a supplier" in rejected["errors"][0]["message"]
