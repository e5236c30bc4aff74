"""Test helpers: GraphQL calls through the ASGI app and quick ways to set up parties."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import text

from fixtures.loader import ensure_platform_admin
from graphql_schema.ids import parse_global_id, to_global_id
from procurement.config import Settings
from procurement.db import Database
from procurement.parties.credentials import hash_password, issue_tokens
from procurement.parties.models import (
    Category,
    Organization,
    OrganizationCategory,
    User,
    VerificationStatus,
)
from procurement.parties.organizations import name_key

PASSWORD = "Test-pass-2026"


def db_id(gid: str) -> int:
    """The database id inside a global id."""
    parsed = parse_global_id(gid)
    assert parsed is not None, gid
    return parsed[1]


def codes(payload: dict[str, Any]) -> list[tuple[str | None, str]]:
    """(field, code) of a payload's errors: the part of an error a client acts on."""
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def rows(db: Database, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """The result rows of a raw SQL read, as tuples."""
    async with db.read() as s:
        return [tuple(r) for r in await s.execute(text(sql), params)]


@dataclass
class Actor:
    user_id: int
    organization_id: int
    email: str
    token: str

    @property
    def gid(self) -> str:
        return to_global_id("User", self.user_id)

    @property
    def org_gid(self) -> str:
        return to_global_id("Organization", self.organization_id)


@dataclass
class Org:
    id: int
    name: str
    users: dict[str, Actor] = field(default_factory=dict)

    @property
    def gid(self) -> str:
        return to_global_id("Organization", self.id)


def sales(org: Org) -> str:
    """The access token of the organisation's ``sales`` user."""
    return org.users["sales"].token


class Api:
    def __init__(self, client: httpx.AsyncClient, db: Database, settings: Settings) -> None:
        self.client = client
        self.db = db
        self.settings = settings
        self._n = 0

    async def raw(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        h = {"accept": "application/graphql-response+json", **(headers or {})}
        if token:
            h["authorization"] = f"Bearer {token}"
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=h
        )

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """``data`` of a successful request; fails the test on HTTP or GraphQL errors."""
        r = await self.raw(query, variables, token)
        assert r.status_code == 200, r.text
        body = r.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def mutate(
        self, query: str, input: dict[str, Any], token: str | None = None
    ) -> dict[str, Any]:
        """The single payload of a mutation taking ``$input``."""
        data = await self.gql(query, {"input": input}, token)
        (payload,) = data.values()
        return payload  # type: ignore[no-any-return]

    def token_for(self, user: User) -> str:
        assert user.id is not None and user.organization_id is not None
        return issue_tokens(
            user_id=user.id,
            organization_id=user.organization_id,
            secret=self.settings.resolved_secret_key(),
            access_minutes=15,
            refresh_days=1,
        ).access_token

    async def org(
        self,
        name: str | None = None,
        *,
        buyer: bool = False,
        supplier: bool = False,
        status: VerificationStatus | None = VerificationStatus.VERIFIED,
        currency: str = "EUR",
        country: str = "DE",
        users: dict[str, list[str]] | None = None,
        category_codes: list[str] | None = None,
    ) -> Org:
        """An organisation with users keyed by label (``{"admin": ["ORG_ADMIN"]}``)."""
        self._n += 1
        name = name or f"Test Org {self._n}"
        users = users or {"admin": ["ORG_ADMIN"]}
        async with self.db.transaction() as s:
            org = Organization(
                name=name,
                name_key=name_key(name),
                country=country,
                base_currency=currency,
                is_buyer=buyer,
                is_supplier=supplier,
                verification_status=status if supplier else None,
            )
            s.add(org)
            await s.flush()
            assert org.id is not None
            made: list[tuple[str, User]] = []
            for label, roles in users.items():
                email = f"{label}.{self._n}@org{self._n}.example"
                u = User(
                    organization_id=org.id,
                    email=email,
                    email_normalized=email,
                    full_name=f"{label.title()} {self._n}",
                    password_hash=await hash_password(PASSWORD),
                    roles=roles,
                    approval_limit=Decimal("10000") if "APPROVER" in roles else None,
                )
                s.add(u)
                made.append((label, u))
            for code in category_codes or []:
                cat = await self.category(code, session=s)
                s.add(OrganizationCategory(organization_id=org.id, category_id=cat.id))
            await s.flush()
        result = Org(id=org.id, name=name)
        for label, u in made:
            assert u.id is not None
            result.users[label] = Actor(u.id, org.id, u.email, self.token_for(u))
        return result

    async def category(
        self, code: str, name: str | None = None, parent: str | None = None, session: Any = None
    ) -> Category:
        from sqlalchemy import select

        async def _get(s: Any) -> Category:
            found = (await s.execute(select(Category).where(Category.code == code))).scalar()
            if found:
                return found  # type: ignore[no-any-return]
            parent_id = None
            if parent:
                parent_id = (
                    await s.execute(select(Category.id).where(Category.code == parent))
                ).scalar()
            c = Category(code=code, name=name or f"Category {code}", parent_id=parent_id)
            s.add(c)
            await s.flush()
            return c

        if session is not None:
            return await _get(session)
        async with self.db.transaction() as s:
            return await _get(s)

    async def platform_admin(self) -> Actor:
        async with self.db.transaction() as s:
            user, _ = await ensure_platform_admin(
                s, email="root@platform.example", full_name="Root", password=PASSWORD
            )
        assert user.id is not None and user.organization_id is not None
        return Actor(user.id, user.organization_id, user.email, self.token_for(user))
