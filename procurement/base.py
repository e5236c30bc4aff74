"""Shared column helpers for SQLModel tables."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, func
from sqlmodel import Field


def id_field() -> Any:
    return Field(default=None, sa_type=BigInteger, primary_key=True)


def fk_field(
    target: str, *, nullable: bool = False, index: bool = True, ondelete: str | None = None
) -> Any:
    return Field(
        default=None,
        sa_column=Column(
            BigInteger, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=index
        ),
    )


def created_at_field() -> Any:
    """Set by the database clock so every writer agrees on time."""
    return Field(
        default=None,
        sa_column=Column(DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def updated_at_field() -> Any:
    return Field(
        default=None,
        sa_column=Column(
            DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
        ),
    )


def optional_timestamp() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


Timestamp = datetime | None
