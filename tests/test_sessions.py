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
