"""Opaque Relay global IDs: base64url of ``Type:id``."""

from __future__ import annotations

import base64
import binascii
import re

import strawberry

from procurement.errors import DomainError, ErrorCode
from procurement.values import MAX_BIGINT


def to_global_id(type_name: str, db_id: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{db_id}".encode()).decode().rstrip("=")


def global_id(kind: str, id: int) -> strawberry.ID:
    """``to_global_id`` as a GraphQL ``ID``."""
    return strawberry.ID(to_global_id(kind, id))


#: the longest valid ID: a type name and a 19-digit bigint, base64-encoded
MAX_ID_LENGTH = 100
_RAW_ID = re.compile(r"([A-Za-z][A-Za-z0-9]{0,49}):([0-9]{1,19})")


def parse_global_id(global_id: str) -> tuple[str, int] | None:
    """``(type, id)``, or None for anything that is not an ID this API issued: the
    number must fit a bigint primary key, so a forged ID never reaches the database."""
    if not isinstance(global_id, str) or len(global_id) > MAX_ID_LENGTH:
        return None
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    match = _RAW_ID.fullmatch(raw)
    if match is None:
        return None
    db_id = int(match.group(2))
    if db_id > MAX_BIGINT:
        return None
    return match.group(1), db_id


def decode_id(global_id: str, expected_type: str, field: str = "id") -> int:
    """The database id inside ``global_id``; a typed INVALID_ID error if it is malformed
    or names another type."""
    parsed = parse_global_id(global_id)
    if parsed is None:
        raise DomainError.of(ErrorCode.INVALID_ID, "This is not a valid ID", field)
    type_name, db_id = parsed
    if type_name != expected_type:
        raise DomainError.of(
            ErrorCode.INVALID_ID, f"Expected the ID of a {expected_type}, got a {type_name}", field
        )
    return db_id
