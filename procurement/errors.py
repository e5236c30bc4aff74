"""Typed domain errors.

Services raise these; the API turns them into ``errors { field code message }`` in a
mutation payload (or a GraphQL error with ``extensions.code`` for queries).  Raising
inside a transaction rolls it back, so a refused request writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    INVALID_ID = "INVALID_ID"
    INVALID_CURRENCY = "INVALID_CURRENCY"
    INVALID_COUNTRY = "INVALID_COUNTRY"
    INVALID_EMAIL = "INVALID_EMAIL"
    DUPLICATE = "DUPLICATE"
    WEAK_PASSWORD = "WEAK_PASSWORD"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS"
    INVALID_TOKEN = "INVALID_TOKEN"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    LAST_ADMIN = "LAST_ADMIN"
    NOT_A_SUPPLIER = "NOT_A_SUPPLIER"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    RFQ_NOT_OPEN = "RFQ_NOT_OPEN"
    DEADLINE_PASSED = "DEADLINE_PASSED"
    DEADLINE_NOT_IN_FUTURE = "DEADLINE_NOT_IN_FUTURE"
    NO_LINES = "NO_LINES"
    NO_INVITATIONS = "NO_INVITATIONS"
    ALREADY_QUOTED = "ALREADY_QUOTED"
    SUPPLIER_NOT_ELIGIBLE = "SUPPLIER_NOT_ELIGIBLE"
    LINE_NOT_IN_RFQ = "LINE_NOT_IN_RFQ"
    NOT_POSITIVE = "NOT_POSITIVE"
    FX_RATE_MISSING = "FX_RATE_MISSING"
    PRICES_SEALED = "PRICES_SEALED"
    ALLOCATION_INVALID = "ALLOCATION_INVALID"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    IDEMPOTENCY_IN_PROGRESS = "IDEMPOTENCY_IN_PROGRESS"
    QUANTITY_EXCEEDS_RECEIVED = "QUANTITY_EXCEEDS_RECEIVED"
    PRICE_MISMATCH = "PRICE_MISMATCH"
    TOO_LONG = "TOO_LONG"
    BELOW_MOQ = "BELOW_MOQ"
    SESSION_REVOKED = "SESSION_REVOKED"
    SELF_GRANT = "SELF_GRANT"
    TOO_MANY_REQUESTS = "TOO_MANY_REQUESTS"
    TOO_PRECISE = "TOO_PRECISE"
    OVER_SHIPMENT = "OVER_SHIPMENT"
    INVALID_CURSOR = "INVALID_CURSOR"
    INVALID_CHARACTERS = "INVALID_CHARACTERS"
    OUT_OF_RANGE = "OUT_OF_RANGE"


@dataclass(frozen=True, slots=True)
class FieldError:
    code: ErrorCode
    message: str
    field: str | None = None


class DomainError(Exception):
    """One or more rule violations; the whole operation is refused."""

    def __init__(self, *errors: FieldError) -> None:
        if not errors:
            raise ValueError("DomainError needs at least one FieldError")
        self.errors: tuple[FieldError, ...] = errors
        super().__init__("; ".join(e.message for e in errors))

    @property
    def code(self) -> ErrorCode:
        return self.errors[0].code

    @classmethod
    def of(cls, code: ErrorCode, message: str, field: str | None = None) -> DomainError:
        return cls(FieldError(code=code, message=message, field=field))


def not_found(what: str, field: str | None = "id") -> DomainError:
    """Same answer for "does not exist" and "you may not see it" (DESIGN §2)."""
    return DomainError.of(ErrorCode.NOT_FOUND, f"{what} not found", field)


def forbidden(message: str = "You are not allowed to do this") -> DomainError:
    return DomainError.of(ErrorCode.FORBIDDEN, message, None)


def unauthenticated() -> DomainError:
    return DomainError.of(ErrorCode.UNAUTHENTICATED, "Sign in first", None)


def check_version(what: str, current: int, expected: int | None) -> None:
    """Optimistic concurrency: a write that names a stale version is refused, with the
    current one, so the client can reload and retry."""
    if expected is not None and expected != current:
        raise DomainError.of(
            ErrorCode.VERSION_CONFLICT,
            f"The {what} was changed meanwhile (current version {current})",
            "expectedVersion",
        )


class Collector:
    """Gathers every validation problem of one input before refusing it at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, code: ErrorCode, message: str, field: str | None) -> None:
        """One error per problem: a field already refused keeps its first (most basic)
        error; rules further down that fail only because of it add nothing."""
        if any(e.field == field and (field is not None or e.code == code) for e in self.errors):
            return
        self.errors.append(FieldError(code=code, message=message, field=field))

    def raise_if_any(self) -> None:
        if self.errors:
            raise DomainError(*self.errors)
