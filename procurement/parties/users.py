"""Users of an organisation: created, changed and deactivated by its ORG_ADMINs.

Members of an organisation see its users; platform admins see all.  PLATFORM_ADMIN is
never granted here (only by ``procurement create-admin``), and an organisation always
keeps at least one active ORG_ADMIN.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from sqlalchemy import ColumnElement, and_, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.amounts import LIMIT
from procurement.audit.service import record, snapshot
from procurement.errors import (
    Collector,
    DomainError,
    ErrorCode,
    check_version,
    forbidden,
    not_found,
)
from procurement.pagination import Page, paginate
from procurement.parties.credentials import hash_password, verify_password
from procurement.parties.models import User
from procurement.parties.sessions import end_sessions
from procurement.parties.validation import (
    check_email,
    check_name,
    check_password,
    normalize_email,
)
from procurement.unset import UNSET, Unset
from procurement.viewer import Role, Viewer, require_viewer

GRANTABLE_ROLES = frozenset(Role) - {Role.PLATFORM_ADMIN}


def visible_users(viewer: Viewer | None) -> ColumnElement[bool]:
    if viewer is None:
        return false()
    if viewer.is_platform_admin:
        return and_(True)
    return col(User.organization_id) == viewer.organization_id


def _check_roles(c: Collector, roles: Sequence[str], field: str = "roles") -> list[str]:
    out: list[str] = []
    for r in roles:
        if r not in {g.value for g in GRANTABLE_ROLES}:
            c.add(ErrorCode.INVALID, f"Role {r} cannot be granted here", field)
        elif r not in out:
            out.append(r)
    return out


def _check_limit(c: Collector, limit: Decimal | None) -> Decimal | None:
    if limit is None:
        return None
    try:
        if limit < 0 or not limit.is_finite() or limit >= LIMIT:
            raise InvalidOperation
    except InvalidOperation:
        c.add(
            ErrorCode.INVALID, "The approval limit must be a non-negative amount", "approvalLimit"
        )
        return None
    return limit


async def get_user(session: AsyncSession, viewer: Viewer | None, user_id: int) -> User | None:
    return (await visible_users_by_id(session, viewer, [user_id])).get(user_id)


async def visible_users_by_id(
    session: AsyncSession, viewer: Viewer | None, ids: Sequence[int]
) -> dict[int, User]:
    """The visible ones among ``ids``, in one statement (``nodes(ids:)``); see get_user."""
    rows = await session.execute(select(User).where(col(User.id).in_(ids), visible_users(viewer)))
    return {u.id: u for u in rows.scalars() if u.id is not None}


async def create_user(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    email: str,
    full_name: str,
    password: str,
    roles: Sequence[str],
    approval_limit: Decimal | None = None,
) -> User:
    v = require_viewer(viewer)
    if Role.ORG_ADMIN not in v.roles:
        raise forbidden("Only organisation administrators may add users")
    c = Collector()
    check_email(c, email)
    full_name = check_name(c, full_name, "fullName")
    check_password(c, password, email)
    role_list = _check_roles(c, roles)
    approval_limit = _check_limit(c, approval_limit)
    if not c.errors:
        taken = (
            await session.execute(
                select(func.count()).where(col(User.email_normalized) == normalize_email(email))
            )
        ).scalar_one()
        if taken:
            c.add(ErrorCode.DUPLICATE, "An account with this email already exists", "email")
    c.raise_if_any()
    user = User(
        organization_id=v.organization_id,
        email=email.strip(),
        email_normalized=normalize_email(email),
        full_name=full_name,
        password_hash=await hash_password(password),
        roles=role_list,
        approval_limit=approval_limit,
    )
    session.add(user)
    await record(session, v, action="user.created", entity=user, organization_id=v.organization_id)
    return user


async def _load_for_write(session: AsyncSession, viewer: Viewer, user_id: int) -> User:
    user = (
        await session.execute(
            select(User).where(col(User.id) == user_id, visible_users(viewer)).with_for_update()
        )
    ).scalar_one_or_none()
    if user is None:
        raise not_found("User")
    return user


async def _other_active_admins(session: AsyncSession, user: User) -> int:
    return int(
        (
            await session.execute(
                select(func.count()).where(
                    col(User.organization_id) == user.organization_id,
                    col(User.id) != user.id,
                    col(User.is_active).is_(True),
                    col(User.roles).contains([Role.ORG_ADMIN.value]),
                )
            )
        ).scalar_one()
    )


async def update_user(
    session: AsyncSession,
    viewer: Viewer | None,
    user_id: int,
    *,
    full_name: str | Unset = UNSET,
    roles: Sequence[str] | Unset = UNSET,
    approval_limit: Decimal | Unset | None = UNSET,
    password: str | Unset = UNSET,
    current_password: str | None = None,
    expected_version: int | None = None,
) -> User:
    """Admins change name, roles and approval limit; a user changes their own name and
    password (with the current password).

    A new password or a removed role ends every session of the user (``end_sessions``),
    the caller's own included.  There is no password reset here: an administrator sets
    no one's password, so a forgotten one needs a reset flow (email) not built yet."""
    v = require_viewer(viewer)
    user = await _load_for_write(session, v, user_id)
    is_self = v.user_id == user.id
    is_admin = user.organization_id is not None and v.is_admin_of(user.organization_id)
    if not (is_self or is_admin):
        raise forbidden("Only administrators may change other users")
    if (roles is not UNSET or approval_limit is not UNSET) and not is_admin:
        raise forbidden("Only administrators may change roles and approval limits")
    if password is not UNSET and not is_self:
        raise forbidden("Users change their own passwords")
    check_version("user", user.version, expected_version)
    before = snapshot(user)
    old_roles, old_limit = set(user.roles), user.approval_limit
    c = Collector()
    if full_name is not UNSET:
        user.full_name = check_name(c, full_name, "fullName")
    if roles is not UNSET:
        new_roles = _check_roles(c, roles)
        if Role.PLATFORM_ADMIN.value in user.roles:
            new_roles.append(Role.PLATFORM_ADMIN.value)
        if (
            Role.ORG_ADMIN.value in user.roles
            and Role.ORG_ADMIN.value not in new_roles
            and await _other_active_admins(session, user) == 0
        ):
            c.add(
                ErrorCode.LAST_ADMIN, "The organisation needs at least one administrator", "roles"
            )
        user.roles = new_roles
    if approval_limit is not UNSET:
        user.approval_limit = _check_limit(c, approval_limit)
    if password is not UNSET:
        if not await verify_password(user.password_hash, current_password or ""):
            c.add(
                ErrorCode.INVALID_CREDENTIALS,
                "The current password is not correct",
                "currentPassword",
            )
        check_password(c, password, user.email)
    c.raise_if_any()
    granted = privileges_granted(old_roles, old_limit, user)
    if granted and v.user_id == user.id:
        raise DomainError.of(
            ErrorCode.SELF_GRANT,
            "You cannot grant yourself APPROVER or ORG_ADMIN or raise your own approval "
            "limit: another administrator of your organisation must (with a single "
            "administrator, platform staff)",
            "approvalLimit" if granted == {"approval_limit"} else "roles",
        )
    if password is not UNSET:
        user.password_hash = await hash_password(password)
    if password is not UNSET or old_roles - set(user.roles):
        await end_sessions(session, user)
    user.version += 1
    await record(
        session,
        v,
        action="user.updated",
        entity=user,
        organization_id=user.organization_id,
        before=before,
    )
    if granted:
        await record(
            session,
            v,
            action="user.privileges_granted",
            entity=user,
            organization_id=user.organization_id,
            before={"roles": sorted(old_roles), "approval_limit": _amount(old_limit)},
            after={"roles": sorted(user.roles), "approval_limit": _amount(user.approval_limit)},
        )
    return user


#: roles that let a person spend or control spending: granting one is a four-eyes act
PRIVILEGED_ROLES = frozenset({Role.APPROVER.value, Role.ORG_ADMIN.value})


def privileges_granted(old_roles: set[str], old_limit: Decimal | None, user: User) -> set[str]:
    """What a change grants: privileged roles the user did not have, and
    ``approval_limit`` when it rises (None means the user may approve nothing).

    Four eyes on spend: no one grants these to themselves (SELF_GRANT), so an
    administrator's own approval powers always come from someone else: another ORG_ADMIN
    of the organisation, or platform staff for an organisation with a single one.  Each
    grant gets its own audit entry (``user.privileges_granted``) with before and after.
    """
    out = (set(user.roles) - old_roles) & PRIVILEGED_ROLES
    new_limit = user.approval_limit
    if new_limit is not None and (old_limit is None or new_limit > old_limit):
        out.add("approval_limit")
    return out


def _amount(value: Decimal | None) -> str | None:
    """As stored (two decimals), so before and after compare as text."""
    return None if value is None else str(value.quantize(Decimal("0.01")))


async def deactivate_user(session: AsyncSession, viewer: Viewer | None, user_id: int) -> User:
    """Deactivated users cannot sign in; their tokens stop working at once."""
    v = require_viewer(viewer)
    user = await _load_for_write(session, v, user_id)
    if user.organization_id is None or not v.is_admin_of(user.organization_id):
        raise forbidden("Only administrators may deactivate users")
    if v.user_id == user.id:
        raise DomainError.of(ErrorCode.INVALID, "You cannot deactivate yourself", "id")
    if not user.is_active:
        raise DomainError.of(ErrorCode.INVALID_TRANSITION, "The user is already inactive", "id")
    if Role.ORG_ADMIN.value in user.roles and await _other_active_admins(session, user) == 0:
        raise DomainError.of(
            ErrorCode.LAST_ADMIN, "The organisation needs at least one administrator", "id"
        )
    before = snapshot(user)
    user.is_active = False
    await end_sessions(session, user)
    user.version += 1
    await record(
        session,
        v,
        action="user.deactivated",
        entity=user,
        organization_id=user.organization_id,
        before=before,
    )
    return user


async def list_users(
    session: AsyncSession,
    viewer: Viewer | None,
    organization_id: int,
    *,
    first: int | None = None,
    after: str | None = None,
) -> Page[User] | None:
    """The organisation's members; None (no list at all) for a caller who is not signed
    in, such as the registration payload read before its admin has signed in."""
    if viewer is None:
        return None
    v = viewer
    if not (v.is_platform_admin or v.organization_id == organization_id):
        return Page.empty()
    stmt = select(User).where(col(User.organization_id) == organization_id)
    return await paginate(session, stmt, order_by=[(User.id, "asc")], first=first, after=after)


async def users_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, User]:
    rows = (await session.execute(select(User).where(col(User.id).in_(ids)))).scalars()
    return {u.id: u for u in rows if u.id is not None}
