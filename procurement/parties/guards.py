"""Role guards: the acting viewer holds a role AND its organisation plays the matching part.

They live with the parties because they ask two questions of parties only (the viewer's
roles, the organisation's buyer/supplier flags); sourcing, catalog and ordering all
use them, so none of those owns them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.errors import forbidden
from procurement.parties.models import Organization
from procurement.viewer import Role, Viewer, require_viewer, role_refusal


async def require_buyer(session: AsyncSession, viewer: Viewer | None) -> Viewer:
    """A BUYER of an organisation that buys (platform staff do not buy for others)."""
    v = require_viewer(viewer)
    if Role.BUYER not in v.roles:
        raise forbidden("This needs the BUYER role")
    is_buyer = (
        await session.execute(
            select(col(Organization.is_buyer)).where(col(Organization.id) == v.organization_id)
        )
    ).scalar()
    if not is_buyer:
        raise forbidden("Your organisation is not registered as a buyer")
    return v


async def require_supplier(session: AsyncSession, viewer: Viewer | None) -> Viewer:
    v = require_viewer(viewer)
    if Role.SUPPLIER_SALES not in v.roles:
        raise role_refusal(v, Role.SUPPLIER_SALES)
    is_supplier = (
        await session.execute(
            select(col(Organization.is_supplier)).where(col(Organization.id) == v.organization_id)
        )
    ).scalar()
    if not is_supplier:
        raise forbidden("Your organisation is not registered as a supplier")
    return v
