"""Stored responses of mutations sent with an ``Idempotency-Key`` header."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, String
from sqlmodel import Field, SQLModel

from procurement.base import created_at_field


class IdempotencyRecord(SQLModel, table=True):
    """One claimed key of an organisation, bound to the principal that claimed it.

    Exactly one of ``user_id`` / ``api_key_id`` names that principal: the stored response
    is replayed to it alone.  Both are null only on records written before principals
    were recorded (revision 0005_idem); such a record replays to no one.
    """

    __tablename__ = "idempotency_record"
    __table_args__ = (
        CheckConstraint(
            "num_nonnulls(user_id, api_key_id) <= 1", name="ck_idempotency_record_principal"
        ),
    )

    organization_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    key: str = Field(sa_column=Column(String(200), primary_key=True))
    request_hash: str = Field(sa_column=Column(String(64), nullable=False))
    #: the signed-in user who made the request (None for an API key)
    user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    #: the API key that made the request (None for a user)
    api_key_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    #: JSON, not JSONB: the stored text keeps its key order, so a replay is byte-identical
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime | None = created_at_field()
