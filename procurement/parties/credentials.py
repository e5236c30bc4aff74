"""Passwords (argon2id), signed access/refresh tokens (JWT) and API key secrets."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

#: argon2id with the library's RFC 9106 low-memory profile; tests swap in a cheaper one
hasher = PasswordHasher()

#: compared against when the email is unknown, so timing does not reveal which emails exist
_DUMMY_HASH = hasher.hash("not-a-real-password-0")

API_KEY_PREFIX = "prk_"
JWT_ALGORITHM = "HS256"


async def hash_password(password: str) -> str:
    # argon2 is deliberately slow; keep it off the event loop
    return await asyncio.to_thread(hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def _verify() -> bool:
        try:
            return hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(_verify)


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime

    @property
    def refresh_token_hash(self) -> str:
        return hash_refresh_token(self.refresh_token)


def issue_tokens(
    *,
    user_id: int,
    organization_id: int,
    secret: str,
    access_minutes: int,
    refresh_days: int,
    session_epoch: int = 0,
) -> IssuedTokens:
    """A signed access token (JWT) and an opaque refresh token.

    The access token carries the user's session epoch (``sep``): raising the epoch ends
    every session at once, without a token blocklist.  The refresh token is a random
    value whose SHA-256 the caller stores: its meaning lives in the database only, so
    it can be spent, rotated and revoked."""
    now = datetime.now(UTC).replace(microsecond=0)
    access_exp = now + timedelta(minutes=access_minutes)
    refresh_exp = now + timedelta(days=refresh_days)
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "org": organization_id,
        "iat": now,
        "typ": "access",
        "exp": access_exp,
        "sep": session_epoch,
        "jti": uuid.uuid4().hex,
    }
    access = jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)
    refresh = REFRESH_PREFIX + secrets.token_urlsafe(32)
    return IssuedTokens(access, refresh, access_exp, refresh_exp)


REFRESH_PREFIX = "prr_"


def hash_refresh_token(token: str) -> str:
    """High-entropy value: a fast hash is sound (as for API key secrets)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    session_epoch: int


def decode_access_token(token: str, *, secret: str) -> AccessClaims | None:
    """The user and session epoch of a valid, unexpired access token; None otherwise
    (a token without an epoch is refused: fail closed)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            options={"require": ["exp", "sub", "typ", "sep"]},
        )
    except jwt.PyJWTError:
        return None
    if claims.get("typ") != "access":
        return None
    try:
        return AccessClaims(int(claims["sub"]), int(claims["sep"]))
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class NewApiKey:
    prefix: str
    secret_hash: str
    token: str


def new_api_key() -> NewApiKey:
    """``prk_<prefix>.<secret>``: the prefix is stored in clear to find the key and to show
    in listings; the secret is high-entropy, so a fast SHA-256 is a sound hash for it."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return NewApiKey(
        prefix=prefix,
        secret_hash=hash_api_secret(secret),
        token=f"{API_KEY_PREFIX}{prefix}.{secret}",
    )


def hash_api_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_api_key(token: str) -> tuple[str, str] | None:
    if not token.startswith(API_KEY_PREFIX) or "." not in token:
        return None
    prefix, _, secret = token[len(API_KEY_PREFIX) :].partition(".")
    if not prefix or not secret:
        return None
    return prefix, secret


def api_secret_matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_api_secret(secret), secret_hash)
