"""Counting attempts per key in PostgreSQL, so every worker process shares one count.

Used for sign-ins (per email) and registrations (per client address).  ``admit``
counts and records an attempt in one critical section guarded by a transaction-level
advisory lock on (scope, key): of N simultaneous attempts at most ``limit`` are admitted
in a window, whatever the number of workers.  A plain "count, then insert" under READ
COMMITTED lets every concurrent attempt see the same count (the audit's 40 parallel
sign-ins were all checked against a limit of 5).

The caller commits the admitting transaction *before* doing the expensive or sensitive
work (verifying a password, registering), so the attempt counts even when that work is
refused or fails.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Column, Index, String, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from procurement.base import created_at_field, id_field
from procurement.db import rows_affected

SIGN_IN = "sign_in"
REGISTER = "register"

#: hits older than this are of no use to any window in use; the worker prunes them
KEEP = timedelta(days=1)


class ThrottleHit(SQLModel, table=True):
    """One counted attempt: a sign-in not (yet) known to succeed, a registration."""

    __tablename__ = "throttle_hit"

    id: int | None = id_field()
    scope: str = Field(sa_column=Column(String(32), nullable=False))
    key: str = Field(sa_column=Column(String(320), nullable=False))
    created_at: datetime | None = created_at_field()

    __table_args__ = (Index("ix_throttle_hit_scope_key_created", "scope", "key", "created_at"),)


async def admit(
    session: AsyncSession, scope: str, key: str, *, limit: int, window: timedelta
) -> bool:
    """Record an attempt and return True, or return False (recording nothing) when
    ``limit`` attempts were already recorded for (scope, key) within ``window``.

    The advisory lock is held until the caller's transaction ends, so the next attempt
    for the same key counts this one."""
    await session.execute(
        select(func.pg_advisory_xact_lock(func.hashtextextended(scope + ":" + key, 0)))
    )
    recent = (
        await session.execute(
            select(func.count())
            .select_from(ThrottleHit)
            .where(
                col(ThrottleHit.scope) == scope,
                col(ThrottleHit.key) == key,
                col(ThrottleHit.created_at) > func.now() - window,
            )
        )
    ).scalar_one()
    if recent >= limit:
        return False
    session.add(ThrottleHit(scope=scope, key=key))
    await session.flush()
    return True


async def forget(session: AsyncSession, scope: str, key: str) -> None:
    """Clear the key's attempts (a successful sign-in clears its failures)."""
    await session.execute(
        delete(ThrottleHit).where(col(ThrottleHit.scope) == scope, col(ThrottleHit.key) == key)
    )


async def prune(session: AsyncSession) -> int:
    result = await session.execute(
        delete(ThrottleHit).where(col(ThrottleHit.created_at) < func.now() - KEEP)
    )
    return rows_affected(result)
