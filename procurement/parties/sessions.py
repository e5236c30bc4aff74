"""Sessions: issuing, rotating and ending a user's tokens.

- A sign-in starts a *family* of refresh tokens.  Each refresh spends the presented
  token and issues the next one of the family; presenting a spent token again means
  two parties hold it (one of them stole it), so the whole family is revoked and both
  must sign in again (OAuth 2.0 Security Best Current Practice, refresh token rotation).
- ``end_sessions`` raises the user's session epoch and revokes every refresh token:
  access tokens carry the epoch they were issued in and ``authenticate`` refuses older
  ones, so a password change, a deactivation or a removed role ends every session at
  once, including the one that made the change (the client signs in again; simpler and
  safer than guessing which session is "this one").
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.config import Settings
from procurement.db import UnitOfWork, rows_affected
from procurement.errors import DomainError, ErrorCode
from procurement.parties.credentials import IssuedTokens, hash_refresh_token, issue_tokens
from procurement.parties.models import RefreshToken, User


def _issue(user: User, settings: Settings) -> IssuedTokens:
    assert user.id is not None and user.organization_id is not None
    return issue_tokens(
        user_id=user.id,
        organization_id=user.organization_id,
        secret=settings.resolved_secret_key(),
        access_minutes=settings.access_token_minutes,
        refresh_days=settings.refresh_token_days,
        session_epoch=user.session_epoch,
    )


async def start_session(
    session: AsyncSession, user: User, settings: Settings, family_id: str | None = None
) -> IssuedTokens:
    """Tokens for ``user``; the refresh token joins ``family_id`` or starts a family."""
    tokens = _issue(user, settings)
    assert user.id is not None
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id or uuid.uuid4().hex,
            token_hash=tokens.refresh_token_hash,
            expires_at=tokens.refresh_expires_at,
        )
    )
    return tokens


async def end_sessions(session: AsyncSession, user: User) -> None:
    """Every access token issued so far is refused from now on; every refresh token is
    revoked.  Part of the caller's transaction: it takes effect when the change does."""
    assert user.id is not None
    user.session_epoch += 1
    await _revoke(session, col(RefreshToken.user_id) == user.id)


async def _revoke(session: AsyncSession, condition: ColumnElement[bool]) -> None:
    await session.execute(
        update(RefreshToken)
        .where(condition, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


_INVALID = "The refresh token is invalid or expired"
_REVOKED = "This session has ended; sign in again"


async def rotate(db: UnitOfWork, settings: Settings, token: str) -> tuple[User, IssuedTokens]:
    """Spend a refresh token and issue the next of its family.

    The token's row is locked, so of two concurrent uses one rotates and the other is a
    reuse.  A reuse revokes the family in a committed transaction before it is refused.
    """
    reused = False
    user: User | None = None
    async with db.transaction() as session:
        row = (
            await session.execute(
                select(RefreshToken)
                .where(col(RefreshToken.token_hash) == hash_refresh_token(token))
                .with_for_update()
            )
        ).scalar_one_or_none()
        if row is None or row.expires_at <= datetime.now(UTC):
            raise DomainError.of(ErrorCode.INVALID_TOKEN, _INVALID, "refreshToken")
        if row.revoked_at is not None:
            raise DomainError.of(ErrorCode.SESSION_REVOKED, _REVOKED, "refreshToken")
        if row.spent_at is not None:
            await _revoke(session, col(RefreshToken.family_id) == row.family_id)
            reused = True
        else:
            user = (
                await session.execute(
                    select(User).where(
                        col(User.id) == row.user_id,
                        col(User.is_active).is_(True),
                    )
                )
            ).scalar_one_or_none()
            if user is None:
                raise DomainError.of(ErrorCode.INVALID_TOKEN, _INVALID, "refreshToken")
            row.spent_at = datetime.now(UTC)
            tokens = await start_session(session, user, settings, row.family_id)
    if reused or user is None:
        raise DomainError.of(ErrorCode.SESSION_REVOKED, _REVOKED, "refreshToken")
    return user, tokens


async def prune_refresh_tokens(session: AsyncSession) -> int:
    """Expired tokens are of no use, not even to detect a reuse (an expired token is
    refused anyway)."""
    result = await session.execute(
        delete(RefreshToken).where(col(RefreshToken.expires_at) < datetime.now(UTC))
    )
    return rows_affected(result)
