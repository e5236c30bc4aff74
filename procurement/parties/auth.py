"""Signing in and resolving a request's credentials to a ``Viewer``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement import throttle
from procurement.config import Settings
from procurement.db import UnitOfWork
from procurement.errors import DomainError, ErrorCode
from procurement.parties.credentials import (
    IssuedTokens,
    api_secret_matches,
    decode_access_token,
    split_api_key,
    verify_password,
)
from procurement.parties.models import ApiKey, Organization, User
from procurement.parties.sessions import rotate, start_session
from procurement.parties.validation import normalize_email
from procurement.viewer import Role, Viewer, acting_roles

_BAD_CREDENTIALS = "The email or password is not correct"


def viewer_for_user(
    user: User, request_id: str | None = None, supplier_status: str | None = None
) -> Viewer:
    """``supplier_status``: the organisation's verification status (see ``acting_roles``)."""
    assert user.id is not None and user.organization_id is not None
    granted = frozenset(Role(r) for r in user.roles)
    roles = acting_roles(granted, supplier_status)
    return Viewer(
        organization_id=user.organization_id,
        roles=roles,
        user_id=user.id,
        approval_limit=user.approval_limit,
        label=f"user:{user.id}:{user.email}",
        request_id=request_id,
        barred_supplier_status=supplier_status if roles != granted else None,
    )


def viewer_for_api_key(
    key: ApiKey, request_id: str | None = None, supplier_status: str | None = None
) -> Viewer:
    assert key.id is not None and key.organization_id is not None
    granted = frozenset(Role(r) for r in key.roles)
    roles = acting_roles(granted, supplier_status)
    return Viewer(
        organization_id=key.organization_id,
        roles=roles,
        api_key_id=key.id,
        label=f"api_key:{key.id}:{key.name}",
        request_id=request_id,
        barred_supplier_status=supplier_status if roles != granted else None,
    )


async def authenticate(db: UnitOfWork, settings: Settings, token: str) -> Viewer | None:
    """The viewer a bearer token stands for, or None when it is invalid, expired, or
    from a session that has ended (its epoch is older than the user's)."""
    parts = split_api_key(token)
    async with db.transaction() as session:
        if parts is not None:
            prefix, secret = parts
            found = (
                await session.execute(
                    select(ApiKey, Organization)
                    .join(Organization, col(Organization.id) == col(ApiKey.organization_id))
                    .where(col(ApiKey.prefix) == prefix)
                )
            ).one_or_none()
            if found is None:
                return None
            key, org = found
            if key.revoked_at is not None or not api_secret_matches(secret, key.secret_hash):
                return None
            # "last used" to the minute is enough and spares a write per request
            await session.execute(
                update(ApiKey)
                .where(
                    col(ApiKey.id) == key.id,
                    (col(ApiKey.last_used_at).is_(None))
                    | (col(ApiKey.last_used_at) < func.now() - timedelta(minutes=1)),
                )
                .values(last_used_at=func.now())
            )
            status = org.verification_status if org.is_supplier else None
            return viewer_for_api_key(key, supplier_status=status)
        claims = decode_access_token(token, secret=settings.resolved_secret_key())
        if claims is None:
            return None
        found_user = (
            await session.execute(
                select(User, col(Organization.is_supplier), col(Organization.verification_status))
                .join(Organization, col(Organization.id) == col(User.organization_id))
                .where(
                    col(User.id) == claims.user_id,
                    col(User.is_active).is_(True),
                    col(User.session_epoch) == claims.session_epoch,
                )
            )
        ).one_or_none()
        if found_user is None:
            return None
        user, is_supplier, status = found_user
        return viewer_for_user(user, supplier_status=status if is_supplier else None)


async def _sign_in_admitted(
    session: AsyncSession, email: str, settings: Settings
) -> tuple[bool, User | None]:
    admitted = await throttle.admit(
        session,
        throttle.SIGN_IN,
        email,
        limit=settings.login_max_failures,
        window=timedelta(minutes=settings.login_window_minutes),
    )
    if not admitted:
        return False, None
    user = (
        await session.execute(select(User).where(col(User.email_normalized) == email))
    ).scalar_one_or_none()
    return True, user


async def create_token(
    db: UnitOfWork, settings: Settings, *, email: str, password: str
) -> tuple[User, IssuedTokens]:
    """Sign in.  One generic error for any wrong credential; throttled per email.

    The attempt is counted, atomically, *before* the password is verified, in a
    transaction of its own (``throttle.admit``): of any number of simultaneous sign-ins
    for one email at most ``login_max_failures`` are verified in a window.  A successful
    sign-in clears the count; a failed one leaves its attempt counted.
    """
    normalized = normalize_email(email)
    async with db.transaction() as session:
        admitted, user = await _sign_in_admitted(session, normalized, settings)
    if not admitted:
        raise DomainError.of(
            ErrorCode.TOO_MANY_ATTEMPTS,
            f"Too many failed sign-ins for this email; try again in "
            f"{settings.login_window_minutes} minutes",
            "email",
        )
    ok = await verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        raise DomainError.of(ErrorCode.INVALID_CREDENTIALS, _BAD_CREDENTIALS, None)
    async with db.transaction() as session:
        await throttle.forget(session, throttle.SIGN_IN, normalized)
        tokens = await start_session(session, user, settings)
    return user, tokens


async def refresh_token(
    db: UnitOfWork, settings: Settings, *, refresh_token: str
) -> tuple[User, IssuedTokens]:
    """New tokens for a valid refresh token of a user who is still active; the presented
    token is spent (see ``sessions.rotate``)."""
    return await rotate(db, settings, refresh_token)
