"""Signing in, refreshing, throttling, API keys and deactivation."""

from __future__ import annotations

from sqlalchemy import func, select

from procurement.parties.models import LoginFailure
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
        left = (await s.execute(select(func.count()).select_from(LoginFailure))).scalar_one()
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
