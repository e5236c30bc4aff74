"""Signing in, refreshing, throttling, API keys and deactivation."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import Counter

import pytest
from sqlalchemy import func, select, text

from procurement.parties import auth
from procurement.throttle import ThrottleHit
from tests.helpers import PASSWORD, Api

TOKEN_CREATE = """
mutation SignIn($input: TokenCreateInput!) {
  tokenCreate(input: $input) {
    accessToken refreshToken accessTokenExpiresAt
    user { email }
    errors { field code message }
  }
}
"""

TOKEN_REFRESH = """
mutation Refresh($input: TokenRefreshInput!) {
  tokenRefresh(input: $input) { accessToken refreshToken errors { field code message } }
}
"""

API_KEY_CREATE = """
mutation Key($input: ApiKeyCreateInput!) {
  apiKeyCreate(input: $input) {
    apiKey { id name prefix roles revokedAt createdBy { email } }
    secret
    errors { field code message }
  }
}
"""

API_KEY_REVOKE = """
mutation Revoke($input: IdInput!) {
  apiKeyRevoke(input: $input) { apiKey { id revokedAt } errors { code } }
}
"""

USER_DEACTIVATE = """
mutation Deactivate($input: IdInput!) {
  userDeactivate(input: $input) { user { isActive } errors { code field } }
}
"""

MY_ORG = "{ me { email } myOrganization { name } }"
NODE = "query($id: ID!) { node(id: $id) { id } }"


async def test_wrong_password_and_unknown_email_get_the_same_error(api: Api) -> None:
    org = await api.org(users={"buyer": ["BUYER"]})
    wrong = await api.mutate(
        TOKEN_CREATE, {"email": org.users["buyer"].email, "password": "Nope-nope-123"}
    )
    unknown = await api.mutate(
        TOKEN_CREATE, {"email": "ghost@nowhere.example", "password": PASSWORD}
    )
    assert wrong["accessToken"] is None
    assert wrong["errors"] == unknown["errors"]
    assert wrong["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_repeated_failures_are_throttled_even_with_the_right_password(api: Api) -> None:
    org = await api.org(users={"buyer": ["BUYER"]})
    email = org.users["buyer"].email
    for _ in range(api.settings.login_max_failures):
        p = await api.mutate(TOKEN_CREATE, {"email": email, "password": "Wrong-pass-99"})
        assert p["errors"][0]["code"] == "INVALID_CREDENTIALS"
    blocked = await api.mutate(TOKEN_CREATE, {"email": email, "password": PASSWORD})
    assert blocked["accessToken"] is None
    assert blocked["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    # another account is not affected
    other = await api.org(users={"buyer": ["BUYER"]})
    ok = await api.mutate(TOKEN_CREATE, {"email": other.users["buyer"].email, "password": PASSWORD})
    assert ok["errors"] == []


async def test_successful_sign_in_clears_failures(api: Api) -> None:
    org = await api.org(users={"buyer": ["BUYER"]})
    email = org.users["buyer"].email
    await api.mutate(TOKEN_CREATE, {"email": email, "password": "Wrong-pass-99"})
    assert (await api.mutate(TOKEN_CREATE, {"email": email, "password": PASSWORD}))["errors"] == []
    async with api.db.read() as s:
        left = (await s.execute(select(func.count()).select_from(ThrottleHit))).scalar_one()
    assert left == 0


async def test_refresh_gives_working_tokens_and_rejects_access_tokens(api: Api) -> None:
    org = await api.org(users={"buyer": ["BUYER"]})
    signed = await api.mutate(
        TOKEN_CREATE, {"email": org.users["buyer"].email, "password": PASSWORD}
    )
    refreshed = await api.mutate(TOKEN_REFRESH, {"refreshToken": signed["refreshToken"]})
    assert refreshed["errors"] == []
    me = await api.gql(MY_ORG, token=refreshed["accessToken"])
    assert me["me"]["email"] == org.users["buyer"].email
    # an access token is not a refresh token
    misuse = await api.mutate(TOKEN_REFRESH, {"refreshToken": signed["accessToken"]})
    assert misuse["errors"][0]["code"] == "INVALID_TOKEN"
    # a refresh token is not an access token
    r = await api.raw(MY_ORG, token=signed["refreshToken"])
    assert r.status_code == 401


async def test_deactivated_user_loses_access_at_once(api: Api) -> None:
    org = await api.org(users={"admin": ["ORG_ADMIN"], "buyer": ["BUYER"]})
    buyer = org.users["buyer"]
    assert (await api.raw(MY_ORG, token=buyer.token)).status_code == 200
    p = await api.mutate(USER_DEACTIVATE, {"id": buyer.gid}, org.users["admin"].token)
    assert p == {"user": {"isActive": False}, "errors": []}
    assert (await api.raw(MY_ORG, token=buyer.token)).status_code == 401
    again = await api.mutate(TOKEN_CREATE, {"email": buyer.email, "password": PASSWORD})
    assert again["errors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_api_key_is_shown_once_works_and_can_be_revoked(api: Api) -> None:
    org = await api.org("Acme ERP", buyer=True, users={"admin": ["ORG_ADMIN"]})
    admin = org.users["admin"]
    made = await api.mutate(API_KEY_CREATE, {"name": "SAP S/4", "roles": ["BUYER"]}, admin.token)
    assert made["errors"] == []
    secret = made["secret"]
    assert secret.startswith("prk_" + made["apiKey"]["prefix"] + ".")
    assert made["apiKey"]["createdBy"] == {"email": admin.email}
    data = await api.gql(MY_ORG, token=secret)
    assert data == {"me": None, "myOrganization": {"name": "Acme ERP"}}
    # the secret is not readable afterwards
    listed = await api.gql(
        "query($id: ID!) { organization(id: $id) { apiKeys { edges { node { prefix } } } } }",
        {"id": org.gid},
        admin.token,
    )
    assert listed["organization"]["apiKeys"]["edges"] == [
        {"node": {"prefix": made["apiKey"]["prefix"]}}
    ]
    assert secret not in str(listed)
    revoked = await api.mutate(API_KEY_REVOKE, {"id": made["apiKey"]["id"]}, admin.token)
    assert revoked["errors"] == [] and revoked["apiKey"]["revokedAt"] is not None
    assert (await api.raw(MY_ORG, token=secret)).status_code == 401
    twice = await api.mutate(API_KEY_REVOKE, {"id": made["apiKey"]["id"]}, admin.token)
    assert twice["errors"][0]["code"] == "INVALID_TRANSITION"


async def test_api_keys_cannot_carry_admin_roles(api: Api) -> None:
    org = await api.org(users={"admin": ["ORG_ADMIN"]})
    p = await api.mutate(
        API_KEY_CREATE, {"name": "k", "roles": ["ORG_ADMIN"]}, org.users["admin"].token
    )
    assert p["apiKey"] is None and p["secret"] is None
    assert p["errors"][0] == {
        "field": "roles",
        "code": "INVALID",
        "message": p["errors"][0]["message"],
    }


async def test_tampered_api_key_secret_is_rejected(api: Api) -> None:
    org = await api.org(users={"admin": ["ORG_ADMIN"]})
    made = await api.mutate(
        API_KEY_CREATE, {"name": "k", "roles": ["VIEWER"]}, org.users["admin"].token
    )
    tampered = made["secret"][:-2] + ("AA" if not made["secret"].endswith("AA") else "BB")
    assert (await api.raw(MY_ORG, token=tampered)).status_code == 401


async def test_parallel_sign_ins_verify_at_most_the_limit(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 simultaneous wrong guesses for one email: the attempt is counted atomically
    before the password is checked, so only the limit's worth is ever verified."""
    org = await api.org(users={"buyer": ["BUYER"]})
    email = org.users["buyer"].email
    verified: list[str] = []
    real_verify = auth.verify_password

    async def counting(password_hash: str | None, password: str) -> bool:
        verified.append(password)
        return await real_verify(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    payloads = await asyncio.gather(
        *(
            api.mutate(TOKEN_CREATE, {"email": email, "password": f"Wrong-pass-{i:02}"})
            for i in range(40)
        )
    )
    limit = api.settings.login_max_failures
    outcome = Counter(p["errors"][0]["code"] for p in payloads)
    assert outcome == {"INVALID_CREDENTIALS": limit, "TOO_MANY_ATTEMPTS": 40 - limit}
    assert len(verified) == limit
    assert all(p["accessToken"] is None for p in payloads)
    async with api.db.read() as s:
        hits = (await s.execute(select(func.count()).select_from(ThrottleHit))).scalar_one()
    assert hits == limit
    # the right password is refused now too, without being checked
    blocked = await api.mutate(TOKEN_CREATE, {"email": email, "password": PASSWORD})
    assert blocked["errors"][0]["code"] == "TOO_MANY_ATTEMPTS"
    assert len(verified) == limit


async def test_database_errors_are_logged_without_their_values(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected database error is masked for the client and logged in full for
    the server, but neither the statement's parameters nor the failing row PostgreSQL
    quotes in its DETAIL (with the email and password hash) reach the log."""
    org = await api.org(users={"admin": ["ORG_ADMIN"]})
    admin = org.users["admin"]
    secret_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0LXNhbHQ$SECRET-HASH-VALUE"

    async def failing_users_by_id(session, viewer, ids):  # type: ignore[no-untyped-def]
        await session.execute(
            text(
                "INSERT INTO app_user (organization_id, email, email_normalized, full_name,"
                " password_hash, roles) VALUES (:org, :email, :email, 'Dup', :hash, '{}')"
            ),
            {"org": org.id, "email": admin.email, "hash": secret_hash},
        )

    from graphql_schema import node

    source = node._sources["User"]
    monkeypatch.setitem(
        node._sources, "User", dataclasses.replace(source, load=failing_users_by_id)
    )
    with caplog.at_level(logging.INFO):
        r = await api.raw(
            "query($id: ID!) { node(id: $id) { id } }", {"id": admin.gid}, admin.token
        )
    body = r.json()
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert admin.email not in r.text and "SECRET-HASH" not in r.text
    logged = caplog.text
    assert "unexpected error" in logged
    assert "SECRET-HASH" not in logged
    assert admin.email not in logged
    # what a developer needs stays: the error, the column and table, the statement
    assert "NotNullViolationError" in logged and "INSERT INTO app_user" in logged
    assert "column is_active, table app_user" in logged
