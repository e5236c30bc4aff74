"""Organisations: self-service registration, profile updates, supplier verification
and the categories a supplier serves.

Visibility (DESIGN §2): a signed-in viewer sees its own organisation and the public
profiles of VERIFIED suppliers; platform admins see everything; anything else is
reported as not found.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, delete, exists, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.audit.service import record, snapshot
from procurement.errors import (
    Collector,
    DomainError,
    ErrorCode,
    check_version,
    forbidden,
    not_found,
)
from procurement.money.currency import check_currency
from procurement.pagination import Page, paginate
from procurement.parties.credentials import hash_password
from procurement.parties.models import (
    Category,
    Organization,
    OrganizationCategory,
    User,
    VerificationStatus,
)
from procurement.parties.registration import answer_for_taken_email
from procurement.parties.states import VERIFICATION
from procurement.parties.validation import (
    check_country,
    check_email,
    check_name,
    check_password,
    normalize_email,
)
from procurement.search import contains_pattern
from procurement.unset import UNSET, Unset
from procurement.viewer import Role, Viewer, require_platform_admin, require_viewer


def name_key(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


def visible_organizations(viewer: Viewer | None) -> ColumnElement[bool]:
    """SQL condition: the organisations ``viewer`` may see."""
    if viewer is None:
        return false()
    if viewer.is_platform_admin:
        return and_(True)
    return or_(
        col(Organization.id) == viewer.organization_id,
        and_(
            col(Organization.is_supplier).is_(True),
            col(Organization.verification_status) == VerificationStatus.VERIFIED,
        ),
    )


async def get_organization(
    session: AsyncSession, viewer: Viewer | None, organization_id: int
) -> Organization | None:
    return (await visible_organizations_by_id(session, viewer, [organization_id])).get(
        organization_id
    )


async def visible_organizations_by_id(
    session: AsyncSession, viewer: Viewer | None, ids: Sequence[int]
) -> dict[int, Organization]:
    """The visible ones among ``ids``, in one statement (``nodes(ids:)``); see get_organization."""
    rows = await session.execute(
        select(Organization).where(col(Organization.id).in_(ids), visible_organizations(viewer))
    )
    return {o.id: o for o in rows.scalars() if o.id is not None}


async def _load_for_write(
    session: AsyncSession, viewer: Viewer | None, organization_id: int, field: str = "id"
) -> Organization:
    """The organisation locked for update, if the viewer may see it."""
    org = (
        await session.execute(
            select(Organization)
            .where(col(Organization.id) == organization_id, visible_organizations(viewer))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if org is None:
        raise not_found("Organisation", field)
    return org


async def _email_taken(session: AsyncSession, email: str) -> bool:
    return bool(
        (
            await session.execute(
                select(exists().where(col(User.email_normalized) == normalize_email(email)))
            )
        ).scalar()
    )


async def _name_taken(
    session: AsyncSession, name: str, country: str, except_id: int | None = None
) -> bool:
    cond = and_(col(Organization.name_key) == name_key(name), col(Organization.country) == country)
    if except_id is not None:
        cond = and_(cond, col(Organization.id) != except_id)
    return bool((await session.execute(select(exists().where(cond)))).scalar())


async def register_organization(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    name: str,
    country: str,
    base_currency: str,
    is_buyer: bool,
    is_supplier: bool,
    admin_email: str,
    admin_full_name: str,
    admin_password: str,
    website: str | None = None,
    description: str | None = None,
) -> tuple[Organization, User]:
    """Self-service sign-up: an organisation and its first ORG_ADMIN.

    A supplier starts PENDING and is not offered RFQs until platform staff verify it.
    The first admin also gets the working role of each side so a one-person company can
    start at once.  An email that already has an account gets the answer of a success
    and nothing is written (``registration.answer_for_taken_email``); the caller
    throttles per client address first (``registration.admit_registration``).
    """
    c = Collector()
    name = check_name(c, name, "name")
    country = check_country(c, country, "country")
    base_currency = check_currency(c, base_currency, "baseCurrency")
    check_email(c, admin_email, "adminEmail")
    admin_full_name = check_name(c, admin_full_name, "adminFullName")
    check_password(c, admin_password, admin_email, "adminPassword")
    if not (is_buyer or is_supplier):
        c.add(ErrorCode.REQUIRED, "An organisation buys, supplies, or both", "isBuyer")
    if not c.errors and await _name_taken(session, name, country):
        c.add(ErrorCode.DUPLICATE, "An organisation with this name exists in this country", "name")
    c.raise_if_any()

    org = Organization(
        name=name,
        name_key=name_key(name),
        country=country,
        base_currency=base_currency,
        is_buyer=is_buyer,
        is_supplier=is_supplier,
        verification_status=VerificationStatus.PENDING if is_supplier else None,
        website=website,
        description=description,
    )
    roles = [Role.ORG_ADMIN.value]
    if is_buyer:
        roles.append(Role.BUYER.value)
    if is_supplier:
        roles.append(Role.SUPPLIER_SALES.value)
    user = User(
        organization_id=None,
        email=admin_email.strip(),
        email_normalized=normalize_email(admin_email),
        full_name=admin_full_name,
        password_hash="",
        roles=roles,
    )
    if await _email_taken(session, admin_email):
        # indistinguishable from success, writes nothing (see registration.py)
        return await answer_for_taken_email(session, viewer, org, user, admin_password)
    session.add(org)
    await session.flush()
    user.organization_id = org.id
    user.password_hash = await hash_password(admin_password)
    session.add(user)
    await record(
        session, viewer, action="organization.registered", entity=org, organization_id=org.id
    )
    await record(session, viewer, action="user.created", entity=user, organization_id=org.id)
    return org, user


async def update_organization(
    session: AsyncSession,
    viewer: Viewer | None,
    organization_id: int,
    *,
    name: str | Unset = UNSET,
    country: str | Unset = UNSET,
    base_currency: str | Unset = UNSET,
    website: str | Unset | None = UNSET,
    description: str | Unset | None = UNSET,
    over_shipment_tolerance: Decimal | Unset = UNSET,
    price_tolerance: Decimal | Unset = UNSET,
    expected_version: int | None = None,
) -> Organization:
    v = require_viewer(viewer)
    org = await _load_for_write(session, v, organization_id)
    if not v.is_admin_of(organization_id):
        raise forbidden("Only the organisation's administrators may change it")
    check_version("organisation", org.version, expected_version)
    before = snapshot(org)
    c = Collector()
    if name is not UNSET:
        org.name = check_name(c, name, "name")
        org.name_key = name_key(org.name)
    if country is not UNSET:
        org.country = check_country(c, country, "country")
    if base_currency is not UNSET:
        org.base_currency = check_currency(c, base_currency, "baseCurrency")
    if website is not UNSET:
        org.website = website
    if description is not UNSET:
        org.description = description
    for field, value, attr in (
        ("overShipmentTolerance", over_shipment_tolerance, "over_shipment_tolerance"),
        ("priceTolerance", price_tolerance, "price_tolerance"),
    ):
        if value is UNSET:
            continue
        if not value.is_finite() or value < 0 or value > 1:
            c.add(ErrorCode.INVALID, "A tolerance is a share from 0 to 1 (0.05 = 5 %)", field)
        else:
            setattr(org, attr, value)
    if (
        not c.errors
        and (name is not UNSET or country is not UNSET)
        and await _name_taken(session, org.name, org.country, except_id=org.id)
    ):
        c.add(ErrorCode.DUPLICATE, "An organisation with this name exists in this country", "name")
    c.raise_if_any()
    org.version += 1
    await record(
        session, v, action="organization.updated", entity=org, organization_id=org.id, before=before
    )
    return org


_VERIFICATION_ACTIONS = {
    "verify": "supplier.verified",
    "reject": "supplier.rejected",
    "suspend": "supplier.suspended",
}


async def decide_verification(
    session: AsyncSession,
    viewer: Viewer | None,
    organization_id: int,
    *,
    action: str,
    note: str | None = None,
) -> Organization:
    """Platform staff verify, reject or suspend a supplier (transition table in states.py)."""
    v = require_platform_admin(viewer)
    org = await _load_for_write(session, v, organization_id)
    if not org.is_supplier or org.verification_status is None:
        raise DomainError.of(ErrorCode.NOT_A_SUPPLIER, "This organisation is not a supplier", "id")
    if action in ("reject", "suspend") and not (note and note.strip()):
        raise DomainError.of(ErrorCode.REQUIRED, "Give the supplier a reason", "reason")
    VERIFICATION.check(VerificationStatus(org.verification_status), action)
    before = snapshot(org)
    org.verification_note = note
    await VERIFICATION.apply(
        session,
        v,
        org,
        action,
        audit_action=_VERIFICATION_ACTIONS[action],
        organization_id=org.id,
        before=before,
    )
    return org


async def set_supplier_categories(
    session: AsyncSession,
    viewer: Viewer | None,
    organization_id: int,
    category_ids: Sequence[int],
) -> Organization:
    """Replace the categories a supplier serves (what the RFQ feed matches on)."""
    v = require_viewer(viewer)
    org = await _load_for_write(session, v, organization_id, "organizationId")
    if not v.is_admin_of(organization_id):
        raise forbidden("Only the organisation's administrators may change its categories")
    if not org.is_supplier:
        raise DomainError.of(
            ErrorCode.NOT_A_SUPPLIER, "This organisation is not a supplier", "organizationId"
        )
    wanted = set(category_ids)
    found = set(
        (
            await session.execute(select(col(Category.id)).where(col(Category.id).in_(wanted)))
        ).scalars()
    )
    missing = wanted - found
    if missing:
        raise DomainError.of(ErrorCode.NOT_FOUND, "Unknown category", "categoryIds")
    current = await categories_by_organization(session, [organization_id])
    before = {"category_ids": sorted(c.id for c in current[organization_id] if c.id)}
    await session.execute(
        delete(OrganizationCategory).where(
            col(OrganizationCategory.organization_id) == organization_id
        )
    )
    session.add_all(
        OrganizationCategory(organization_id=organization_id, category_id=cid)
        for cid in sorted(wanted)
    )
    org.version += 1
    await record(
        session,
        v,
        action="supplier.categories_set",
        entity=org,
        organization_id=org.id,
        before=before,
        after={"category_ids": sorted(wanted)},
    )
    return org


async def list_organizations(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    text: str | None = None,
    is_supplier: bool | None = None,
    is_buyer: bool | None = None,
    verification_status: VerificationStatus | None = None,
    category_id: int | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Page[Organization]:
    """Public supplier profiles (and one's own organisation) for everyone signed in;
    every organisation for platform admins.  Ordered by name."""
    v = require_viewer(viewer)
    stmt = select(Organization).where(visible_organizations(v))
    if text:
        stmt = stmt.where(col(Organization.name).ilike(contains_pattern(text)))
    if is_supplier is not None:
        stmt = stmt.where(col(Organization.is_supplier).is_(is_supplier))
    if is_buyer is not None:
        stmt = stmt.where(col(Organization.is_buyer).is_(is_buyer))
    if verification_status is not None:
        stmt = stmt.where(col(Organization.verification_status) == verification_status)
    if category_id is not None:
        stmt = stmt.where(
            exists().where(
                col(OrganizationCategory.organization_id) == col(Organization.id),
                col(OrganizationCategory.category_id) == category_id,
            )
        )
    return await paginate(
        session,
        stmt,
        order_by=[(Organization.name_key, "asc"), (Organization.id, "asc")],
        first=first,
        after=after,
    )


async def organizations_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Organization]:
    """Batch load for a DataLoader (the parent object already passed its access check)."""
    rows = (
        await session.execute(select(Organization).where(col(Organization.id).in_(ids)))
    ).scalars()
    return {o.id: o for o in rows if o.id is not None}


async def categories_by_organization(
    session: AsyncSession, organization_ids: Sequence[int]
) -> dict[int, list[Category]]:
    rows = await session.execute(
        select(col(OrganizationCategory.organization_id), Category)
        .join(Category, col(Category.id) == col(OrganizationCategory.category_id))
        .where(col(OrganizationCategory.organization_id).in_(organization_ids))
        .order_by(Category.code)
    )
    out: dict[int, list[Category]] = defaultdict(list)
    for org_id, category in rows:
        out[org_id].append(category)
    return out
