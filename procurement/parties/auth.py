"""Signing in and resolving a request's credentials to a ``Viewer``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.config import Settings
from procurement.db import Database
from procurement.errors import DomainError, ErrorCode
from procurement.parties.credentials import (
    IssuedTokens,
    api_secret_matches,
    decode_token,
    issue_tokens,
    split_api_key,
    verify_password,
)
from procurement.parties.models import ApiKey, LoginFailure, Organization, User
from procurement.parties.validation import normalize_email
from procurement.viewer import Role, Viewer

_BAD_CREDENTIALS = "The email or password is not correct"


def viewer_for_user(user: User, request_id: str | None = None) -> Viewer:
    assert user.id is not None and user.organization_id is not None
    return Viewer(
        organization_id=user.organization_id,
        roles=frozenset(Role(r) for r in user.roles),
        user_id=user.id,
        approval_limit=user.approval_limit,
        label=f"user:{user.id}:{user.email}",
        request_id=request_id,
    )


def viewer_for_api_key(key: ApiKey, request_id: str | None = None) -> Viewer:
    assert key.id is not None and key.organization_id is not None
    return Viewer(
        organization_id=key.organization_id,
        roles=frozenset(Role(r) for r in key.roles),
        api_key_id=key.id,
        label=f"api_key:{key.id}:{key.name}",
        request_id=request_id,
    )


async def _active_user(session: AsyncSession, user_id: int) -> User | None:
    return (
        await session.execute(
            select(User)
            .join(Organization, Organization.id == User.organization_id)
            .where(User.id == user_id, User.is_active.is_(True))  # type: ignore[attr-defined]
        )
    ).scalar_one_or_none()


async def authenticate(db: Database, settings: Settings, token: str) -> Viewer | None:
    """The viewer a bearer token stands for, or None when it is invalid or expired."""
    parts = split_api_key(token)
    async with db.transaction() as session:
        if parts is not None:
            prefix, secret = parts
            key = (
                await session.execute(select(ApiKey).where(ApiKey.prefix == prefix))
            ).scalar_one_or_none()
            if key is None or key.revoked_at is not None:
                return None
            if not api_secret_matches(secret, key.secret_hash):
                return None
            # "last used" to the minute is enough and spares a write per request
            await session.execute(
                update(ApiKey)
                .where(
                    ApiKey.id == key.id,
                    (ApiKey.last_used_at.is_(None))  # type: ignore[union-attr]
                    | (ApiKey.last_used_at < func.now() - timedelta(minutes=1)),  # type: ignore[operator]
                )
                .values(last_used_at=func.now())
            )
            return viewer_for_api_key(key)
        user_id = decode_token(token, secret=settings.resolved_secret_key(), expected_type="access")
        if user_id is None:
            return None
        user = await _active_user(session, user_id)
        return viewer_for_user(user) if user else None


async def _recent_failures(session: AsyncSession, email: str, settings: Settings) -> int:
    window = timedelta(minutes=settings.login_window_minutes)
    return int(
        (
            await session.execute(
                select(func.count())
                .select_from(LoginFailure)
                .where(
                    LoginFailure.email_normalized == email,
                    LoginFailure.created_at > func.now() - window,  # type: ignore[operator]
                )
            )
        ).scalar_one()
    )


async def create_token(
    db: Database, settings: Settings, *, email: str, password: str
) -> tuple[User, IssuedTokens]:
    """Sign in.  One generic error for any wrong credential; throttled per email.

    A failure is recorded in a transaction of its own, so it counts even though the
    sign-in itself is refused.
    """
    normalized = normalize_email(email)
    async with db.transaction() as session:
        if await _recent_failures(session, normalized, settings) >= settings.login_max_failures:
            raise DomainError.of(
                ErrorCode.TOO_MANY_ATTEMPTS,
                f"Too many failed sign-ins for this email; try again in "
                f"{settings.login_window_minutes} minutes",
                "email",
            )
        user = (
            await session.execute(select(User).where(User.email_normalized == normalized))
        ).scalar_one_or_none()
    ok = await verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        async with db.transaction() as session:
            session.add(LoginFailure(email_normalized=normalized))
        raise DomainError.of(ErrorCode.INVALID_CREDENTIALS, _BAD_CREDENTIALS, None)
    async with db.transaction() as session:
        await session.execute(
            delete(LoginFailure).where(LoginFailure.email_normalized == normalized)
        )
    assert user.id is not None and user.organization_id is not None
    return user, issue_tokens(
        user_id=user.id,
        organization_id=user.organization_id,
        secret=settings.resolved_secret_key(),
        access_minutes=settings.access_token_minutes,
        refresh_days=settings.refresh_token_days,
    )


async def refresh_token(
    db: Database, settings: Settings, *, refresh_token: str
) -> tuple[User, IssuedTokens]:
    """New tokens for a valid refresh token of a user who is still active."""
    user_id = decode_token(
        refresh_token, secret=settings.resolved_secret_key(), expected_type="refresh"
    )
    user = None
    if user_id is not None:
        async with db.read() as session:
            user = await _active_user(session, user_id)
    if user is None:
        raise DomainError.of(
            ErrorCode.INVALID_TOKEN, "The refresh token is invalid or expired", "refreshToken"
        )
    assert user.id is not None and user.organization_id is not None
    return user, issue_tokens(
        user_id=user.id,
        organization_id=user.organization_id,
        secret=settings.resolved_secret_key(),
        access_minutes=settings.access_token_minutes,
        refresh_days=settings.refresh_token_days,
    )
