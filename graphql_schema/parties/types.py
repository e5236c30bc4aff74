"""GraphQL types of the parties domain."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.types import Info

from graphql_schema.field_sides import sided
from graphql_schema.ids import global_id
from graphql_schema.node import Node
from graphql_schema.pagination import Connection, connection
from graphql_schema.scalars import Money
from procurement.field_sides import Owners
from procurement.parties import api_keys as api_key_service
from procurement.parties import users as user_service
from procurement.parties.models import ApiKey as ApiKeyModel
from procurement.parties.models import Category as CategoryModel
from procurement.parties.models import Organization as OrganizationModel
from procurement.parties.models import User as UserModel
from procurement.parties.models import VerificationStatus as DomainVerificationStatus
from procurement.viewer import Role as DomainRole

if TYPE_CHECKING:
    from graphql_schema.context import Context

# strawberry.enum registers the GraphQL enum on the class itself and returns that class;
# naming the class (not the call's result) keeps these names types for mypy.
strawberry.enum(DomainRole, name="Role")
Role = DomainRole
strawberry.enum(DomainVerificationStatus, name="VerificationStatus")
VerificationStatus = DomainVerificationStatus


def _ctx(info: Info[Context, Any]) -> Context:
    return info.context


@strawberry.type
class Category(Node):
    code: str
    name: str
    _parent_id: strawberry.Private[int | None]
    _db_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, m: CategoryModel) -> Category:
        assert m.id is not None
        return cls(
            id=global_id("Category", m.id),
            code=m.code,
            name=m.name,
            _parent_id=m.parent_id,
            _db_id=m.id,
        )

    @strawberry.field
    async def parent(self, info: Info) -> Category | None:
        if self._parent_id is None:
            return None
        m = await _ctx(info).loaders.category.load(self._parent_id)
        return Category.from_model(m) if m else None

    @strawberry.field
    async def children(self, info: Info) -> list[Category]:
        rows = await _ctx(info).loaders.category_children.load(self._db_id)
        return [Category.from_model(c) for c in rows]


@sided
@strawberry.type
class Organization(Node):
    name: str
    country: str = strawberry.field(description="ISO 3166-1 alpha-2")
    base_currency: str = strawberry.field(description="ISO 4217; approval limits use it")
    is_buyer: bool
    is_supplier: bool
    verification_status: VerificationStatus | None
    website: str | None
    description: str | None
    version: int
    created_at: datetime
    _model: strawberry.Private[OrganizationModel]
    _own: strawberry.Private[bool] = False

    @classmethod
    def from_model(cls, m: OrganizationModel, own: bool = False) -> Organization:
        """``own``: returned to the organisation's own first admin before a viewer exists
        (registration), who sees what members see."""
        assert m.id is not None and m.created_at is not None
        return cls(
            id=global_id("Organization", m.id),
            name=m.name,
            country=m.country,
            base_currency=m.base_currency,
            is_buyer=m.is_buyer,
            is_supplier=m.is_supplier,
            verification_status=m.verification_status,
            website=m.website,
            description=m.description,
            version=m.version,
            created_at=m.created_at,
            _model=m,
            _own=own,
        )

    def owners(self) -> Owners:
        return Owners(members=self._model.id, own=self._own)

    @strawberry.field(
        description="Why the platform rejected or suspended this supplier; "
        "visible to the organisation itself and platform staff."
    )
    def verification_note(self) -> str | None:
        return self._model.verification_note

    @strawberry.field(
        description="Buyer settings (own organisation only): share above the "
        "ordered quantity suppliers may ship."
    )
    def over_shipment_tolerance(self) -> Decimal | None:
        return self._model.over_shipment_tolerance

    @strawberry.field(
        description="Buyer settings (own organisation only): share an invoice "
        "unit price may differ from the order's."
    )
    def price_tolerance(self) -> Decimal | None:
        return self._model.price_tolerance

    @strawberry.field(description="Categories a supplier serves.")
    async def categories(self, info: Info) -> list[Category]:
        assert self._model.id is not None
        rows = await _ctx(info).loaders.organization_categories.load(self._model.id)
        return [Category.from_model(c) for c in rows]

    @strawberry.field(description="Members; null unless you belong to this organisation.")
    async def users(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[User] | None:
        ctx = _ctx(info)
        v = ctx.viewer
        assert self._model.id is not None
        async with ctx.db.read() as s:
            page = await user_service.list_users(s, v, self._model.id, first=first, after=after)
        return None if page is None else connection(page, User.from_model)

    @strawberry.field(description="API keys; null unless you administer this organisation.")
    async def api_keys(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ApiKey] | None:
        ctx = _ctx(info)
        assert self._model.id is not None
        if ctx.viewer is None or not ctx.viewer.is_admin_of(self._model.id):
            return None
        async with ctx.db.read() as s:
            page = await api_key_service.list_api_keys(
                s, ctx.viewer, self._model.id, first=first, after=after
            )
        return connection(page, ApiKey.from_model)


@sided
@strawberry.type
class User(Node):
    email: str | None = strawberry.field(description="Own organisation only.")
    full_name: str
    roles: list[Role] | None = strawberry.field(description="Own organisation only.")
    is_active: bool | None = strawberry.field(description="Own organisation only.")
    version: int
    created_at: datetime
    _model: strawberry.Private[UserModel]
    _own: strawberry.Private[bool] = False

    @classmethod
    def from_model(cls, m: UserModel, own: bool = False) -> User:
        """``own``: returned to the user themselves before a viewer exists (sign-in,
        registration), who sees what members see."""
        assert m.id is not None and m.created_at is not None
        return cls(
            id=global_id("User", m.id),
            email=m.email,
            full_name=m.full_name,
            roles=[Role(r) for r in m.roles],
            is_active=m.is_active,
            version=m.version,
            created_at=m.created_at,
            _model=m,
            _own=own,
        )

    def owners(self) -> Owners:
        return Owners(members=self._model.organization_id, own=self._own)

    @strawberry.field
    async def organization(self, info: Info) -> Organization:
        assert self._model.organization_id is not None
        m = await _ctx(info).loaders.organization.load(self._model.organization_id)
        assert m is not None
        return Organization.from_model(m)

    @strawberry.field(
        description="Largest order total this approver may approve, in the "
        "organisation's base currency; own organisation only."
    )
    async def approval_limit(self, info: Info) -> Money | None:
        if self._model.approval_limit is None or self._model.organization_id is None:
            return None
        org = await _ctx(info).loaders.organization.load(self._model.organization_id)
        assert org is not None
        return Money.of(self._model.approval_limit, org.base_currency)


@strawberry.type
class ApiKey(Node):
    name: str
    prefix: str = strawberry.field(description="Shown in listings to tell keys apart.")
    roles: list[Role]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    _created_by_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, m: ApiKeyModel) -> ApiKey:
        assert m.id is not None and m.created_at is not None
        return cls(
            id=global_id("ApiKey", m.id),
            name=m.name,
            prefix=m.prefix,
            roles=[Role(r) for r in m.roles],
            created_at=m.created_at,
            last_used_at=m.last_used_at,
            revoked_at=m.revoked_at,
            _created_by_id=m.created_by_id,
        )

    @strawberry.field
    async def created_by(self, info: Info) -> User | None:
        if self._created_by_id is None:
            return None
        m = await _ctx(info).loaders.user.load(self._created_by_id)
        return User.from_model(m) if m else None
