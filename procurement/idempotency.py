"""ERP-safe retries: ``Idempotency-Key`` (DESIGN §6).

Per organisation and key, the first complete response is stored with a hash of the
operation and variables, in the same transaction as the business write, so either both
land or neither does.  A retry gets the stored response unchanged; the same key with a
different request is IDEMPOTENCY_KEY_REUSED; a retry while the first is still running is
IDEMPOTENCY_IN_PROGRESS (its claim row is locked by the first request's transaction).
Records are kept at least 24 hours (the worker prunes them after 48).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.db import Database
from procurement.errors import DomainError, ErrorCode
from procurement.idempotency_models import IdempotencyRecord

KEEP = timedelta(hours=48)
MAX_KEY = 200


def request_hash(query: str, variables: dict[str, Any] | None, operation: str | None) -> str:
    body = json.dumps(
        {"q": query, "v": variables or {}, "o": operation},
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


class Replay(Exception):
    """The key was used before for this very request: answer with ``response``."""

    def __init__(self, response: dict[str, Any]) -> None:
        super().__init__("replay")
        self.response = response


@asynccontextmanager
async def claim(
    session: AsyncSession, organization_id: int, key: str, digest: str
) -> AsyncIterator[IdempotencyRecord]:
    """Inside the caller's open transaction: claim the key (or raise Replay / a typed
    error).  Waiting for a concurrent first request is capped, then IN_PROGRESS."""
    if not key or len(key) > MAX_KEY:
        raise DomainError.of(
            ErrorCode.INVALID, f"An Idempotency-Key has 1 to {MAX_KEY} characters", None
        )
    await session.execute(text("SET LOCAL lock_timeout = '200ms'"))
    try:
        inserted = (
            await session.execute(
                insert(IdempotencyRecord)
                .values(organization_id=organization_id, key=key, request_hash=digest)
                .on_conflict_do_nothing()
                .returning(IdempotencyRecord.key)
            )
        ).first()
        row = (
            await session.execute(
                select(IdempotencyRecord)
                .where(
                    IdempotencyRecord.organization_id == organization_id,
                    IdempotencyRecord.key == key,
                )
                .with_for_update(nowait=True)
            )
        ).scalar_one()
    except DBAPIError as exc:
        if "lock" in str(exc.orig).lower() or "55P03" in str(exc.orig):
            raise DomainError.of(
                ErrorCode.IDEMPOTENCY_IN_PROGRESS,
                "A request with this Idempotency-Key is still running",
                None,
            ) from None
        raise
    # the 200 ms bound is for the claim only: the business write waits for locks as usual
    await session.execute(text("SET LOCAL lock_timeout = DEFAULT"))
    if inserted is None:
        if row.request_hash != digest:
            raise DomainError.of(
                ErrorCode.IDEMPOTENCY_KEY_REUSED,
                "This Idempotency-Key was used for a different request",
                None,
            )
        if row.response is not None:
            raise Replay(row.response)
    yield row


async def prune(db: Database) -> int:
    async with db.transaction() as s:
        result = await s.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at < func.now() - KEEP)
        )  # type: ignore[operator]
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
