"""ERP-safe retries: ``Idempotency-Key`` (DESIGN §6).

Per organisation and key, the first complete response is stored with a hash of the
operation and variables, in the same transaction as the business write, so either both
land or neither does.  A retry gets the stored response unchanged; a retry while the first
is still running is IDEMPOTENCY_IN_PROGRESS (its claim row is locked by the first
request's transaction).  Records are kept at least 24 hours (the worker prunes them after
48).

Who may replay what (a stored response can hold anything the mutation returned):

- A record is bound to the principal that made it: the signed-in user, or the API key.
  Only that principal gets the stored response back.  Anyone else in the organisation
  sending the same key (whatever the body) gets HTTP 422 ``IDEMPOTENCY_KEY_REUSED``, the
  same answer as for the same key with a different request, because the client's remedy
  is the same (pick a fresh key) and the answer then says nothing about what the other
  request was.  The key space stays per organisation, so two integrations of one
  organisation that collide learn it instead of silently running twice.
- An anonymous request has no principal to bind a record to: an Idempotency-Key on it is
  refused with HTTP 401 ``UNAUTHENTICATED`` (send it without the header, or sign in).
- Secrets and tokens are never stored: a mutation whose result can contain a field named
  like a secret (``is_secret_field``: ``secret``, ``accessToken``, ``refreshToken``, ...)
  is refused with an Idempotency-Key (HTTP 400 ``INVALID``; send it without the header).
  The set of such mutations is derived from the GraphQL schema at run time
  (``graphql_schema/idempotent.py``), so a new secret-issuing mutation is covered without
  anyone remembering to list it.  Refusing beats storing the secret encrypted: a secret
  is shown once by design, and the worst a plain retry of a sign-in or a key creation
  can do is issue a second token pair or key, which the client can revoke.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from procurement.db import Database, rows_affected
from procurement.errors import DomainError, ErrorCode
from procurement.idempotency_models import IdempotencyRecord
from procurement.viewer import Viewer

KEEP = timedelta(hours=48)
MAX_KEY = 200

#: How a field that hands out a credential is named (case-insensitive suffix): ``secret``,
#: ``accessToken``, ``refreshToken``, ``password``.  ``accessTokenExpiresAt`` is not one.
SECRET_FIELD_SUFFIXES = ("secret", "token", "password")


def is_secret_field(name: str) -> bool:
    """Whether an output field named ``name`` carries a secret that must never be kept."""
    return name.lower().endswith(SECRET_FIELD_SUFFIXES)


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


def check_request(
    viewer: Viewer | None, key: str, mutations: Iterable[str], secret_mutations: Iterable[str]
) -> Viewer:
    """Refuse what must not be stored, before anything runs (see the module docstring):
    an anonymous request, an unusable key, a mutation that returns a secret."""
    if viewer is None or (viewer.user_id is None and viewer.api_key_id is None):
        raise DomainError.of(
            ErrorCode.UNAUTHENTICATED,
            "An Idempotency-Key needs a signed-in user or an API key: send this request "
            "without the header, or with a bearer token",
            None,
        )
    if not key or len(key) > MAX_KEY:
        raise DomainError.of(
            ErrorCode.INVALID, f"An Idempotency-Key has 1 to {MAX_KEY} characters", None
        )
    secret = sorted(set(mutations) & set(secret_mutations))
    if secret:
        raise DomainError.of(
            ErrorCode.INVALID,
            f"{', '.join(secret)} returns a secret, which is never stored for a replay: "
            "send it without an Idempotency-Key",
            None,
        )
    return viewer


#: how long a claim waits for a concurrent first request before IN_PROGRESS
CLAIM_LOCK_TIMEOUT_MS = 200


@asynccontextmanager
async def claim(
    session: AsyncSession, viewer: Viewer, key: str, digest: str
) -> AsyncIterator[IdempotencyRecord]:
    """Inside the caller's open transaction: claim the key for ``viewer`` (or raise Replay /
    a typed error).  Waiting for a concurrent first request is capped, then IN_PROGRESS.
    Call ``check_request`` first."""
    await session.execute(text(f"SET LOCAL lock_timeout = '{int(CLAIM_LOCK_TIMEOUT_MS)}ms'"))
    try:
        inserted = (
            await session.execute(
                insert(IdempotencyRecord)
                .values(
                    organization_id=viewer.organization_id,
                    key=key,
                    request_hash=digest,
                    user_id=viewer.user_id,
                    api_key_id=viewer.api_key_id,
                )
                .on_conflict_do_nothing()
                .returning(col(IdempotencyRecord.key))
            )
        ).first()
        row = (
            await session.execute(
                select(IdempotencyRecord)
                .where(
                    col(IdempotencyRecord.organization_id) == viewer.organization_id,
                    col(IdempotencyRecord.key) == key,
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
    # the claim's bound is for the claim only: the business write waits for locks as usual
    await session.execute(text("SET LOCAL lock_timeout = DEFAULT"))
    if inserted is None:
        # the principal first, so another principal learns nothing about the stored request
        if (row.user_id, row.api_key_id) != (viewer.user_id, viewer.api_key_id):
            raise DomainError.of(
                ErrorCode.IDEMPOTENCY_KEY_REUSED,
                "This Idempotency-Key was used by another user or API key of your "
                "organisation; use a new key",
                None,
            )
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
            delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < func.now() - KEEP)
        )
        return rows_affected(result)
