"""The service answers: health, readiness, sign-in and ``me``."""

from __future__ import annotations

import httpx

from procurement.migrate import head_revision
from tests.helpers import PASSWORD, Api

TOKEN_CREATE = """
mutation SignIn($input: TokenCreateInput!) {
  tokenCreate(input: $input) {
    accessToken refreshToken
    user { email }
    errors { field code message }
  }
}
"""

ME = "{ me { email fullName roles organization { name baseCurrency } } }"


async def test_health_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["migration"] == head_revision()


async def test_sign_in_then_me(api: Api) -> None:
    org = await api.org("Northwind", buyer=True, users={"buyer": ["BUYER"]})
    actor = org.users["buyer"]
    payload = await api.mutate(TOKEN_CREATE, {"email": actor.email.upper(), "password": PASSWORD})
    assert payload["errors"] == []
    assert payload["user"]["email"] == actor.email
    data = await api.gql(ME, token=payload["accessToken"])
    assert data["me"]["roles"] == ["BUYER"]
    assert data["me"]["organization"] == {"name": "Northwind", "baseCurrency": "EUR"}


async def test_me_is_null_for_anonymous(api: Api) -> None:
    assert (await api.gql(ME))["me"] is None
