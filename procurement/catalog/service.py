"""Catalog use cases: suppliers publish listings; buyers search them and order directly.

Ordering from listings: the tier price for the quantity applies (all-units: the tier
with the largest minimum quantity not above the quantity), the MOQ is enforced, and one
DRAFT order is made per supplier (and currency).  Listings of suppliers that are not
VERIFIED are neither shown nor orderable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.addresses import Address, check_address
from procurement.amounts import LIMIT, check_positive
from procurement.audit.service import record, snapshot
from procurement.catalog.models import Listing, ListingStatus, StockStatus
from procurement.catalog.states import LISTING
from procurement.errors import (
    Collector,
    ErrorCode,
    check_version,
    not_found,
)
from procurement.money.currency import check_currency
from procurement.ordering.drafts import DraftLine, DraftOrder, create_draft_order
from procurement.ordering.models import PurchaseOrder, PurchaseOrderLine
from procurement.ordering.queries import reference_taken
from procurement.pagination import OrderSpec, Page, paginate
from procurement.parties.guards import require_buyer, require_supplier
from procurement.parties.models import Category, Organization, VerificationStatus
from procurement.parties.validation import check_name, check_unit
from procurement.price_breaks import break_price
from procurement.search import contains_pattern
from procurement.unset import UNSET, Unset
from procurement.values import fits
from procurement.viewer import Role, Viewer, require_viewer, role_refusal

_QTY, _PRICE = Decimal("0.0001"), Decimal("0.000001")


class ListingSort(StrEnum):
    NEWEST = "NEWEST"
    PRICE = "PRICE"
    TITLE = "TITLE"


_ORDER: dict[ListingSort, OrderSpec] = {
    ListingSort.NEWEST: [(Listing.id, "desc")],
    ListingSort.PRICE: [(Listing.unit_price, "asc"), (Listing.id, "asc")],
    ListingSort.TITLE: [(Listing.title, "asc"), (Listing.id, "asc")],
}


@dataclass(frozen=True)
class ListingFields:
    title: str | Unset = UNSET
    description: str | Unset | None = UNSET
    category_id: int | Unset | None = UNSET
    unit: str | Unset = UNSET
    currency: str | Unset = UNSET
    unit_price: Decimal | Unset = UNSET
    moq: Decimal | Unset = UNSET
    tiers: list[tuple[Decimal, Decimal]] | Unset = UNSET
    lead_time_days: int | Unset = UNSET
    stock_status: str | Unset = UNSET


def tier_price(listing: Listing, quantity: Decimal) -> Decimal:
    return break_price(listing.unit_price, listing.tiers, quantity)


async def _apply(session: AsyncSession, c: Collector, listing: Listing, f: ListingFields) -> None:
    if f.title is not UNSET:
        listing.title = check_name(c, f.title, "title")
    if f.description is not UNSET:
        listing.description = f.description
    if f.category_id is not UNSET:
        if (
            f.category_id is not None
            and not (
                await session.execute(
                    select(col(Category.id)).where(col(Category.id) == f.category_id)
                )
            ).first()
        ):
            c.add(ErrorCode.NOT_FOUND, "Unknown category", "categoryId")
        listing.category_id = f.category_id
    if f.unit is not UNSET:
        listing.unit = check_unit(c, f.unit, "unit")
    if f.currency is not UNSET:
        listing.currency = check_currency(c, f.currency, "currency")
    if f.unit_price is not UNSET:
        check_positive(c, f.unit_price, "unitPrice")
        listing.unit_price = f.unit_price
    if f.moq is not UNSET:
        check_positive(c, f.moq, "moq")
        listing.moq = f.moq
    if f.tiers is not UNSET:
        mins = [q for q, _ in f.tiers]
        if len(set(mins)) != len(mins):
            c.add(ErrorCode.DUPLICATE, "Each tier needs its own minimum quantity", "tiers")
        for i, (q, p) in enumerate(f.tiers):
            check_positive(c, q, f"tiers[{i}].minQuantity")
            check_positive(c, p, f"tiers[{i}].unitPrice")
        listing.tiers = [
            # stored at the columns' scales, so reads show what is kept
            {"min_quantity": str(q.quantize(_QTY)), "unit_price": str(p.quantize(_PRICE))}
            for q, p in sorted(f.tiers, key=lambda t: t[0])
            if q.is_finite() and p.is_finite() and max(q, p) < LIMIT
        ]
    if f.lead_time_days is not UNSET:
        if not 0 <= f.lead_time_days <= 3650:
            c.add(ErrorCode.INVALID, "Lead time must be 0 to 3650 days", "leadTimeDays")
        listing.lead_time_days = f.lead_time_days
    if f.stock_status is not UNSET:
        listing.stock_status = StockStatus(f.stock_status)


async def create_listing(session: AsyncSession, viewer: Viewer | None, f: ListingFields) -> Listing:
    v = await require_supplier(session, viewer)
    c = Collector()
    for name, field in (
        ("title", "title"),
        ("unit", "unit"),
        ("currency", "currency"),
        ("unit_price", "unitPrice"),
    ):
        if getattr(f, name) is UNSET:
            c.add(ErrorCode.REQUIRED, "Required", field)
    c.raise_if_any()
    listing = Listing(
        supplier_org_id=v.organization_id,
        title="",
        unit="",
        currency="",
        unit_price=Decimal(1),
        moq=Decimal(1),
        tiers=[],
        lead_time_days=0,
        stock_status=StockStatus.IN_STOCK,
        status=ListingStatus.ACTIVE,
    )
    await _apply(session, c, listing, f)
    c.raise_if_any()
    session.add(listing)
    await record(
        session, v, action="listing.created", entity=listing, organization_id=v.organization_id
    )
    return listing


async def _own(
    session: AsyncSession, viewer: Viewer | None, listing_id: int, expected_version: int | None
) -> tuple[Viewer, Listing]:
    v = require_viewer(viewer)
    listing = (
        await session.execute(
            select(Listing)
            .where(col(Listing.id) == listing_id, col(Listing.supplier_org_id) == v.organization_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if listing is None:
        raise not_found("Listing")
    if Role.SUPPLIER_SALES not in v.roles:
        raise role_refusal(v, Role.SUPPLIER_SALES)
    check_version("listing", listing.version, expected_version)
    return v, listing


async def update_listing(
    session: AsyncSession,
    viewer: Viewer | None,
    listing_id: int,
    f: ListingFields,
    expected_version: int | None = None,
) -> Listing:
    v, listing = await _own(session, viewer, listing_id, expected_version)
    LISTING.check(listing.status, "UPDATE", "id", "The listing is archived")
    before = snapshot(listing)
    c = Collector()
    await _apply(session, c, listing, f)
    c.raise_if_any()
    listing.version += 1
    await record(
        session,
        v,
        action="listing.updated",
        entity=listing,
        organization_id=v.organization_id,
        before=before,
    )
    return listing


async def archive_listing(session: AsyncSession, viewer: Viewer | None, listing_id: int) -> Listing:
    v, listing = await _own(session, viewer, listing_id, None)
    LISTING.check(listing.status, "ARCHIVE", "id", "Already archived")
    await LISTING.apply(
        session,
        v,
        listing,
        "ARCHIVE",
        audit_action="listing.archived",
        organization_id=v.organization_id,
    )
    return listing


def _orderable() -> ColumnElement[bool]:
    return and_(
        col(Listing.status) == ListingStatus.ACTIVE,
        exists().where(
            col(Organization.id) == col(Listing.supplier_org_id),
            col(Organization.verification_status) == VerificationStatus.VERIFIED,
        ),
    )


def visible_listings(viewer: Viewer | None) -> ColumnElement[bool]:
    """Everyone signed in sees orderable listings; a supplier also its own (archived too)."""
    if viewer is None:
        return false()
    if viewer.is_platform_admin:
        return true()
    return or_(_orderable(), col(Listing.supplier_org_id) == viewer.organization_id)


async def get_listing(
    session: AsyncSession, viewer: Viewer | None, listing_id: int
) -> Listing | None:
    return (await visible_listings_by_id(session, viewer, [listing_id])).get(listing_id)


async def visible_listings_by_id(
    session: AsyncSession, viewer: Viewer | None, ids: Sequence[int]
) -> dict[int, Listing]:
    """The visible ones among ``ids``, in one statement (``nodes(ids:)``); see get_listing."""
    rows = await session.execute(
        select(Listing).where(col(Listing.id).in_(ids), visible_listings(viewer))
    )
    return {x.id: x for x in rows.scalars() if x.id is not None}


async def search_listings(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    category_id: int | None = None,
    text: str | None = None,
    supplier_id: int | None = None,
    max_price: Decimal | None = None,
    sort: ListingSort = ListingSort.NEWEST,
    first: int | None = None,
    after: str | None = None,
) -> Page[Listing]:
    v = require_viewer(viewer)
    stmt = select(Listing).where(
        _orderable() if supplier_id != v.organization_id else visible_listings(v)
    )
    if category_id is not None:
        stmt = stmt.where(col(Listing.category_id) == category_id)
    if supplier_id is not None:
        stmt = stmt.where(col(Listing.supplier_org_id) == supplier_id)
    if max_price is not None:
        stmt = stmt.where(col(Listing.unit_price) <= max_price)
    if text and text.strip():
        pattern = contains_pattern(text)
        stmt = stmt.where(
            or_(
                col(Listing.title).ilike(pattern),
                col(Listing.description).ilike(pattern),
            )
        )
    return await paginate(session, stmt, order_by=_ORDER[sort], first=first, after=after)


@dataclass(frozen=True)
class OrderLineInput:
    listing_id: int
    quantity: Decimal


async def order_from_listings(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    lines: Sequence[OrderLineInput],
    delivery_address: Address | None,
    need_by: date | None,
    external_reference: str | None = None,
) -> list[PurchaseOrder]:

    v = await require_buyer(session, viewer)
    c = Collector()
    if not lines:
        c.add(ErrorCode.REQUIRED, "Order at least one listing", "lines")
    ids = sorted({ln.listing_id for ln in lines})
    listings = {
        x.id: x
        for x in (
            await session.execute(select(Listing).where(col(Listing.id).in_(ids), _orderable()))
        ).scalars()
    }
    for i, ln in enumerate(lines):
        listing = listings.get(ln.listing_id)
        if listing is None:
            c.add(ErrorCode.NOT_FOUND, "No orderable listing with this id", f"lines[{i}].listingId")
            continue
        check_positive(c, ln.quantity, f"lines[{i}].quantity")
        if ln.quantity.is_finite() and ln.quantity < listing.moq:
            c.add(
                ErrorCode.BELOW_MOQ,
                f"Below the minimum order quantity ({listing.moq:f})",
                f"lines[{i}].quantity",
            )
        elif ln.quantity.is_finite() and not fits(
            tier_price(listing, ln.quantity) * ln.quantity, PurchaseOrderLine.line_total
        ):
            c.add(ErrorCode.OUT_OF_RANGE, "The line total is too large", f"lines[{i}].quantity")
    address = check_address(c, delivery_address) if delivery_address else None
    groups: dict[tuple[int, str], list[OrderLineInput]] = defaultdict(list)
    for ln in lines:
        listing = listings.get(ln.listing_id)
        if listing is not None:
            groups[(listing.supplier_org_id or 0, listing.currency)].append(ln)
    ref = (external_reference or "").strip() or None
    if ref and len(groups) > 1:
        c.add(
            ErrorCode.INVALID,
            f"An external reference names one order; these lines make {len(groups)}",
            "externalReference",
        )
    if ref and await reference_taken(session, v.organization_id, ref):
        c.add(
            ErrorCode.DUPLICATE,
            "Another order of yours has this external reference",
            "externalReference",
        )
    c.raise_if_any()
    orders = []
    for (supplier_id, currency), group in sorted(groups.items()):
        header = DraftOrder(
            buyer_org_id=v.organization_id,
            supplier_org_id=supplier_id,
            currency=currency,
            delivery_address=address,
            need_by=need_by,
            listing_order=True,
            external_reference=ref,
        )
        drafts = []
        for ln in group:
            listing = listings[ln.listing_id]
            drafts.append(
                DraftLine(
                    listing_id=listing.id,
                    description=listing.title,
                    unit=listing.unit,
                    quantity=ln.quantity,
                    unit_price=tier_price(listing, ln.quantity),
                )
            )
        orders.append(await create_draft_order(session, v, header, drafts))
    return orders
