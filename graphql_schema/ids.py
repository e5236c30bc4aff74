"""Opaque Relay global IDs: base64url of ``Type:id``."""

from __future__ import annotations

import base64
import binascii

import strawberry

from procurement.errors import DomainError, ErrorCode


def to_global_id(type_name: str, db_id: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{db_id}".encode()).decode().rstrip("=")


def global_id(kind: str, id: int) -> strawberry.ID:
    """``to_global_id`` as a GraphQL ``ID``."""
    return strawberry.ID(to_global_id(kind, id))


def parse_global_id(global_id: str) -> tuple[str, int] | None:
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        type_name, _, db_id = raw.partition(":")
        if not type_name or not db_id.isdigit():
            return None
        return type_name, int(db_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def decode_id(global_id: str, expected_type: str, field: str = "id") -> int:
    """The database id inside ``global_id``; a typed INVALID_ID error if it is malformed
    or names another type."""
    parsed = parse_global_id(global_id)
    if parsed is None:
        raise DomainError.of(ErrorCode.INVALID_ID, f"'{global_id}' is not a valid ID", field)
    type_name, db_id = parsed
    if type_name != expected_type:
        raise DomainError.of(
            ErrorCode.INVALID_ID, f"Expected the ID of a {expected_type}, got a {type_name}", field
        )
    return db_id
