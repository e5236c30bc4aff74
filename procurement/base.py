"""Shared column helpers for SQLModel tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import BigInteger, Column, DateTime, Dialect, ForeignKey, String, func
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field

E = TypeVar("E", bound=StrEnum)


class StrEnumType(TypeDecorator[E]):
    """A status stored as its name in a VARCHAR (the DDL is the plain ``String(length)``)
    and read back as the enum's member, so the model's attribute really is its enum:
    code compares and assigns members, never ``.value`` strings."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enum(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> E | None:
        return None if value is None else self.enum(value)


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
