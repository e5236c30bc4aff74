"""Stored responses of mutations sent with an ``Idempotency-Key`` header."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, String
from sqlmodel import Field, SQLModel

from procurement.base import created_at_field


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"

    organization_id: int = Field(sa_column=Column(BigInteger, primary_key=True))
    key: str = Field(sa_column=Column(String(200), primary_key=True))
    request_hash: str = Field(sa_column=Column(String(64), nullable=False))
    #: JSON, not JSONB: the stored text keeps its key order, so a replay is byte-identical
    response: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime | None = created_at_field()
