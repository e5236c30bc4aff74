"""API keys for ERP systems: created by an ORG_ADMIN, shown once, revocable."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.audit.service import record, snapshot
from procurement.errors import Collector, DomainError, ErrorCode, forbidden, not_found
from procurement.pagination import Page, paginate
from procurement.parties.credentials import new_api_key
from procurement.parties.models import ApiKey
from procurement.parties.validation import check_name
from procurement.viewer import API_KEY_ROLES, Role, Viewer, require_viewer


def visible_api_keys(viewer: Viewer | None) -> ColumnElement[bool]:
    if viewer is None:
        return false()
    if viewer.is_platform_admin:
        return and_(True)
    if Role.ORG_ADMIN in viewer.roles:
        return col(ApiKey.organization_id) == viewer.organization_id
    return false()


async def create_api_key(
    session: AsyncSession, viewer: Viewer | None, *, name: str, roles: Sequence[str]
) -> tuple[ApiKey, str]:
    """The key and its secret token; the token is never retrievable again."""
    v = require_viewer(viewer)
    if Role.ORG_ADMIN not in v.roles or v.user_id is None:
        raise forbidden("Only organisation administrators may create API keys")
    c = Collector()
    name = check_name(c, name, "name")
    allowed = {r.value for r in API_KEY_ROLES}
    role_list = []
    for r in roles:
        if r not in allowed:
            c.add(
                ErrorCode.INVALID,
                f"An API key may carry only {', '.join(sorted(allowed))}; not {r}",
                "roles",
            )
        elif r not in role_list:
            role_list.append(r)
    if not roles:
        c.add(ErrorCode.REQUIRED, "Give the key at least one role", "roles")
    c.raise_if_any()
    made = new_api_key()
    key = ApiKey(
        organization_id=v.organization_id,
        name=name,
        prefix=made.prefix,
        secret_hash=made.secret_hash,
        roles=role_list,
        created_by_id=v.user_id,
    )
    session.add(key)
    await record(
        session, v, action="api_key.created", entity=key, organization_id=v.organization_id
    )
    return key, made.token


async def revoke_api_key(session: AsyncSession, viewer: Viewer | None, key_id: int) -> ApiKey:
    v = require_viewer(viewer)
    key = (
        await session.execute(
            select(ApiKey).where(col(ApiKey.id) == key_id, visible_api_keys(v)).with_for_update()
        )
    ).scalar_one_or_none()
    if key is None:
        raise not_found("API key")
    if key.revoked_at is not None:
        raise DomainError.of(ErrorCode.INVALID_TRANSITION, "The key is already revoked", "id")
    before = snapshot(key)
    key.revoked_at = (await session.execute(select(func.now()))).scalar_one()
    await record(
        session,
        v,
        action="api_key.revoked",
        entity=key,
        organization_id=key.organization_id,
        before=before,
    )
    return key


async def get_api_key(session: AsyncSession, viewer: Viewer | None, key_id: int) -> ApiKey | None:
    return (await visible_api_keys_by_id(session, viewer, [key_id])).get(key_id)


async def visible_api_keys_by_id(
    session: AsyncSession, viewer: Viewer | None, ids: Sequence[int]
) -> dict[int, ApiKey]:
    """The visible ones among ``ids``, in one statement (``nodes(ids:)``); see get_api_key."""
    rows = await session.execute(
        select(ApiKey).where(col(ApiKey.id).in_(ids), visible_api_keys(viewer))
    )
    return {k.id: k for k in rows.scalars() if k.id is not None}


async def list_api_keys(
    session: AsyncSession,
    viewer: Viewer | None,
    organization_id: int,
    *,
    first: int | None = None,
    after: str | None = None,
) -> Page[ApiKey]:
    v = require_viewer(viewer)
    if not v.is_admin_of(organization_id):
        raise forbidden("Only organisation administrators may list API keys")
    stmt = select(ApiKey).where(col(ApiKey.organization_id) == organization_id)
    return await paginate(session, stmt, order_by=[(ApiKey.id, "asc")], first=first, after=after)
