"""Queries of the parties domain."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from graphql_schema.ids import decode_id
from graphql_schema.node import register_node
from graphql_schema.pagination import Connection, connection
from graphql_schema.parties.types import ApiKey, Category, Organization, User, VerificationStatus
from procurement.parties import api_keys, categories, organizations, users
from procurement.parties.models import VerificationStatus as DomainVerificationStatus


@strawberry.input
class OrganizationFilter:
    text: str | None = strawberry.field(default=None, description="Part of the name.")
    is_supplier: bool | None = None
    is_buyer: bool | None = None
    verification_status: VerificationStatus | None = None  # type: ignore[valid-type]
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="Suppliers serving this category."
    )


async def _organization(info: Info, db_id: int) -> Organization | None:
    async with info.context.db.read() as s:
        m = await organizations.get_organization(s, info.context.viewer, db_id)
    return Organization.from_model(m) if m else None


async def _user(info: Info, db_id: int) -> User | None:
    async with info.context.db.read() as s:
        m = await users.get_user(s, info.context.viewer, db_id)
    return User.from_model(m) if m else None


async def _api_key(info: Info, db_id: int) -> ApiKey | None:
    async with info.context.db.read() as s:
        m = await api_keys.get_api_key(s, info.context.viewer, db_id)
    return ApiKey.from_model(m) if m else None


async def _category(info: Info, db_id: int) -> Category | None:
    m = await info.context.loaders.category.load(db_id)
    return Category.from_model(m) if m else None


register_node("Organization", _organization)
register_node("User", _user)
register_node("ApiKey", _api_key)
register_node("Category", _category)


@strawberry.type
class PartiesQuery:
    @strawberry.field(description="The signed-in user; null for anonymous requests and API keys.")
    async def me(self, info: Info) -> User | None:
        v = info.context.viewer
        if v is None or v.user_id is None:
            return None
        return await _user(info, v.user_id)

    @strawberry.field(description="The organisation of the signed-in user or API key.")
    async def my_organization(self, info: Info) -> Organization | None:
        v = info.context.viewer
        return await _organization(info, v.organization_id) if v else None

    @strawberry.field
    async def organization(self, info: Info, id: strawberry.ID) -> Organization | None:
        return await _organization(info, decode_id(id, "Organization"))

    @strawberry.field(
        description="Public supplier profiles (plus your own organisation); "
        "platform admins see all organisations."
    )
    async def organizations(
        self,
        info: Info,
        filter: OrganizationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Organization]:
        f = filter or OrganizationFilter()
        async with info.context.db.read() as s:
            page = await organizations.list_organizations(
                s,
                info.context.viewer,
                text=f.text,
                is_supplier=f.is_supplier,
                is_buyer=f.is_buyer,
                verification_status=DomainVerificationStatus(f.verification_status.value)
                if f.verification_status
                else None,
                category_id=decode_id(f.category_id, "Category", "filter.categoryId")
                if f.category_id
                else None,
                first=first,
                after=after,
            )
        return connection(page, Organization.from_model)

    @strawberry.field(description="The category tree; roots only, or one parent's children.")
    async def categories(
        self, info: Info, parent_id: strawberry.ID | None = None, roots_only: bool = False
    ) -> list[Category]:
        parent = decode_id(parent_id, "Category", "parentId") if parent_id else None
        async with info.context.db.read() as s:
            rows = await categories.list_categories(s, parent_id=parent, roots_only=roots_only)
        return [Category.from_model(c) for c in rows]
