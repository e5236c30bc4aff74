"""Catalog listings: types, queries, mutations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry
from strawberry.types import Info

from graphql_schema.errors import UserError, in_transaction
from graphql_schema.ids import decode_id, global_id
from graphql_schema.input_guard import column
from graphql_schema.node import Node, register_node, resolve_by_db_id
from graphql_schema.pagination import Connection, connection
from graphql_schema.partial import given, kept
from graphql_schema.parties.types import Category, Organization
from graphql_schema.scalars import Money
from procurement.catalog import service as svc
from procurement.catalog.models import Listing as ListingModel
from procurement.catalog.models import ListingStatus as DomainListingStatus
from procurement.catalog.models import StockStatus as DomainStockStatus
from procurement.catalog.states import LISTING, listing_actions

# strawberry.enum registers the GraphQL enum on the class itself and returns that class;
# naming the class (not the call's result) keeps these names types for mypy.
strawberry.enum(DomainStockStatus, name="StockStatus")
StockStatus = DomainStockStatus
strawberry.enum(DomainListingStatus, name="ListingStatus")
ListingStatus = DomainListingStatus
strawberry.enum(svc.ListingSort, name="ListingSort")
ListingSort = svc.ListingSort


@strawberry.type
class PriceTier:
    min_quantity: Decimal
    unit_price: Money


#: one value per action of the listing table, in its order (a functional Enum built from
#: the table, which strawberry.enum's overloads do not take, hence the ignore)
ListingAction = strawberry.enum(  # type: ignore[call-overload]
    Enum("ListingAction", {name: name for name in LISTING.actions}),
    description="What a viewer may do with a listing now.",
)


@strawberry.type
class Listing(Node):
    title: str
    description: str | None
    unit: str
    currency: str
    unit_price: Money = strawberry.field(description="Below the first tier.")
    moq: Decimal
    tiers: list[PriceTier]
    lead_time_days: int
    stock_status: StockStatus
    status: ListingStatus
    version: int
    created_at: datetime
    _model: strawberry.Private[ListingModel]

    @classmethod
    def from_model(cls, m: ListingModel) -> Listing:
        assert m.id is not None and m.created_at is not None
        cur = m.currency
        return cls(
            id=global_id("Listing", m.id),
            title=m.title,
            description=m.description,
            unit=m.unit,
            currency=cur,
            unit_price=Money(amount=m.unit_price, currency=cur),
            moq=m.moq,
            tiers=[
                PriceTier(
                    min_quantity=Decimal(t["min_quantity"]),
                    unit_price=Money(amount=Decimal(t["unit_price"]), currency=cur),
                )
                for t in m.tiers
            ],
            lead_time_days=m.lead_time_days,
            stock_status=m.stock_status,
            status=m.status,
            version=m.version,
            created_at=m.created_at,
            _model=m,
        )

    @strawberry.field(description="The unit price for an order of this quantity.")
    def price_for(self, quantity: Decimal) -> Money:
        return Money(amount=svc.tier_price(self._model, quantity), currency=self.currency)

    @strawberry.field(description="What you may do with this listing now.")
    # ListingAction is a value built at run time, which mypy does not take as a type
    def available_actions(self, info: Info) -> list[ListingAction]:  # type: ignore[valid-type]
        return [ListingAction(a) for a in listing_actions(info.context.viewer, self._model)]

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        m = await info.context.loaders.organization.load(self._model.supplier_org_id or 0)
        return Organization.from_model(m)

    @strawberry.field
    async def category(self, info: Info) -> Category | None:
        if self._model.category_id is None:
            return None
        m = await info.context.loaders.category.load(self._model.category_id)
        return Category.from_model(m) if m else None


register_node("Listing", svc.visible_listings_by_id, lambda info, m: Listing.from_model(m))


@strawberry.input
class ListingFilter:
    category_id: strawberry.ID | None = None
    text: str | None = None
    supplier_id: strawberry.ID | None = None
    max_price: Decimal | None = strawberry.field(
        default=None, description="Base unit price at most this, in the listing's currency."
    )


@strawberry.input
class PriceTierInput:
    min_quantity: Decimal = column(ListingModel.moq)
    unit_price: Decimal = column(ListingModel.unit_price)


@strawberry.input
class ListingFieldsInput:
    title: str | None = column(ListingModel.title, default=strawberry.UNSET)
    description: str | None = column(ListingModel.description, default=strawberry.UNSET)
    category_id: strawberry.ID | None = strawberry.UNSET
    unit: str | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    unit_price: Decimal | None = column(ListingModel.unit_price, default=strawberry.UNSET)
    moq: Decimal | None = column(ListingModel.moq, default=strawberry.UNSET)
    tiers: list[PriceTierInput] | None = strawberry.UNSET
    lead_time_days: int | None = strawberry.UNSET
    stock_status: StockStatus | None = strawberry.UNSET

    def fields(self) -> svc.ListingFields:
        """A null for a field that cannot be empty leaves it as it is (``kept``)."""
        return svc.ListingFields(
            title=kept(self.title),
            description=given(self.description),
            category_id=given(self.category_id, lambda c: decode_id(c, "Category", "categoryId")),
            unit=kept(self.unit),
            currency=kept(self.currency),
            unit_price=kept(self.unit_price),
            moq=kept(self.moq),
            tiers=kept(self.tiers, lambda ts: [(t.min_quantity, t.unit_price) for t in ts]),
            lead_time_days=kept(self.lead_time_days),
            stock_status=kept(self.stock_status, lambda s: s.value),
        )


@strawberry.input
class ListingCreateInput(ListingFieldsInput):
    pass


@strawberry.input
class ListingUpdateInput(ListingFieldsInput):
    id: strawberry.ID
    expected_version: int | None = None


@strawberry.input
class ListingArchiveInput:
    id: strawberry.ID


@strawberry.type
class ListingPayload:
    listing: Listing | None = None
    errors: list[UserError]


def _payload(result: ListingModel | None, errors: list[UserError]) -> ListingPayload:
    return ListingPayload(listing=Listing.from_model(result) if result else None, errors=errors)


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Active listings of verified suppliers.")
    async def listings(
        self,
        info: Info,
        filter: ListingFilter | None = None,
        sort_by: ListingSort = svc.ListingSort.NEWEST,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Listing]:
        f = filter or ListingFilter()
        async with info.context.db.read() as s:
            page = await svc.search_listings(
                s,
                info.context.viewer,
                category_id=decode_id(f.category_id, "Category", "filter.categoryId")
                if f.category_id
                else None,
                text=f.text,
                supplier_id=decode_id(f.supplier_id, "Organization", "filter.supplierId")
                if f.supplier_id
                else None,
                max_price=f.max_price,
                sort=svc.ListingSort(sort_by.value),
                first=first,
                after=after,
            )
        return connection(page, Listing.from_model)

    @strawberry.field
    async def listing(self, info: Info, id: strawberry.ID) -> Listing | None:
        listing: Listing | None = await resolve_by_db_id(info, "Listing", decode_id(id, "Listing"))
        return listing


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(description="Suppliers: publish a listing.")
    async def listing_create(self, info: Info, input: ListingCreateInput) -> ListingPayload:
        return _payload(
            *await in_transaction(info, lambda s, v: svc.create_listing(s, v, input.fields()))
        )

    @strawberry.mutation
    async def listing_update(self, info: Info, input: ListingUpdateInput) -> ListingPayload:
        return _payload(
            *await in_transaction(
                info,
                lambda s, v: svc.update_listing(
                    s, v, decode_id(input.id, "Listing"), input.fields(), input.expected_version
                ),
            )
        )

    @strawberry.mutation
    async def listing_archive(self, info: Info, input: ListingArchiveInput) -> ListingPayload:
        return _payload(
            *await in_transaction(
                info, lambda s, v: svc.archive_listing(s, v, decode_id(input.id, "Listing"))
            )
        )
