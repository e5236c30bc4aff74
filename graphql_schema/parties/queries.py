"""Queries of the parties domain."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from graphql_schema.ids import decode_id
from graphql_schema.node import register_node, resolve_by_db_id
from graphql_schema.pagination import Connection, connection
from graphql_schema.parties.types import ApiKey, Category, Organization, User, VerificationStatus
from procurement.parties import api_keys, categories, organizations, users
from procurement.parties.models import Category as CategoryModel
from procurement.parties.models import VerificationStatus as DomainVerificationStatus
from procurement.viewer import Viewer


@strawberry.input
class OrganizationFilter:
    text: str | None = strawberry.field(default=None, description="Part of the name.")
    is_supplier: bool | None = None
    is_buyer: bool | None = None
    verification_status: VerificationStatus | None = None
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="Suppliers serving this category."
    )


async def _categories(
    session: AsyncSession, viewer: Viewer | None, ids: Sequence[int]
) -> dict[int, CategoryModel]:
    """Categories are public, as ``categories`` lists them to anyone."""
    return await categories.categories_by_id(session, ids)


register_node(
    "Organization",
    organizations.visible_organizations_by_id,
    lambda info, m: Organization.from_model(m),
)
register_node("User", users.visible_users_by_id, lambda info, m: User.from_model(m))
register_node("ApiKey", api_keys.visible_api_keys_by_id, lambda info, m: ApiKey.from_model(m))
register_node("Category", _categories, lambda info, m: Category.from_model(m))


@strawberry.type
class PartiesQuery:
    @strawberry.field(description="The signed-in user; null for anonymous requests and API keys.")
    async def me(self, info: Info) -> User | None:
        v = info.context.viewer
        if v is None or v.user_id is None:
            return None
        user: User | None = await resolve_by_db_id(info, "User", v.user_id)
        return user

    @strawberry.field(description="The organisation of the signed-in user or API key.")
    async def my_organization(self, info: Info) -> Organization | None:
        v = info.context.viewer
        if v is None:
            return None
        org: Organization | None = await resolve_by_db_id(info, "Organization", v.organization_id)
        return org

    @strawberry.field
    async def organization(self, info: Info, id: strawberry.ID) -> Organization | None:
        org: Organization | None = await resolve_by_db_id(
            info, "Organization", decode_id(id, "Organization")
        )
        return org

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
