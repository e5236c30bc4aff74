"""Append-only audit entries and outbox events.

``audit_entry`` rows are never updated or deleted: a trigger made by the migration
refuses UPDATE and DELETE.  Outbox events are delivered later by a worker, which only
ever sets ``published_at``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from procurement.base import created_at_field, id_field


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = id_field()
    organization_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    actor_user_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    actor_api_key_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    actor_label: str = Field(sa_column=Column(String(400), nullable=False))
    action: str = Field(sa_column=Column(String(100), nullable=False))
    entity_type: str = Field(sa_column=Column(String(100), nullable=False))
    entity_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    request_id: str | None = Field(default=None, sa_column=Column(String(100), nullable=True))
    created_at: datetime | None = created_at_field()

    __table_args__ = (
        Index("ix_audit_entry_org_id", "organization_id", "id"),
        Index("ix_audit_entry_entity", "entity_type", "entity_id"),
    )


class OutboxEvent(SQLModel, table=True):
    __tablename__ = "outbox_event"

    id: int | None = id_field()
    organization_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    event_type: str = Field(sa_column=Column(String(100), nullable=False))
    entity_type: str = Field(sa_column=Column(String(100), nullable=False))
    entity_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime | None = created_at_field()
    published_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )

    __table_args__ = (
        Index(
            "ix_outbox_event_unpublished",
            "id",
            postgresql_where=Column("published_at", DateTime(timezone=True)).is_(None),
        ),
    )
