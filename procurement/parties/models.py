"""Tables of the parties domain."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field, SQLModel

from procurement.base import (
    StrEnumType,
    created_at_field,
    fk_field,
    id_field,
    optional_timestamp,
    updated_at_field,
)


class VerificationStatus(StrEnum):
    PENDING = "PENDING"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"
    SUSPENDED = "SUSPENDED"


class Category(SQLModel, table=True):
    __tablename__ = "category"

    id: int | None = id_field()
    code: str = Field(sa_column=Column(String(32), nullable=False, unique=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    parent_id: int | None = fk_field("category.id", nullable=True)


class Organization(SQLModel, table=True):
    __tablename__ = "organization"

    id: int | None = id_field()
    name: str = Field(sa_column=Column(String(200), nullable=False))
    #: lower-cased, space-collapsed name: one organisation per name and country
    name_key: str = Field(sa_column=Column(String(200), nullable=False))
    country: str = Field(sa_column=Column(String(2), nullable=False))
    base_currency: str = Field(sa_column=Column(String(3), nullable=False))
    is_buyer: bool = Field(default=False)
    is_supplier: bool = Field(default=False)
    is_platform: bool = Field(default=False)
    verification_status: VerificationStatus | None = Field(
        default=None,
        sa_column=Column(StrEnumType(VerificationStatus, 16), nullable=True, index=True),
    )
    verification_note: str | None = Field(default=None, sa_column=Column(String(2000)))
    website: str | None = Field(default=None, sa_column=Column(String(300)))
    description: str | None = Field(default=None, sa_column=Column(String(4000)))
    #: share above the ordered quantity a supplier may ship (0.05 = 5 %); default none
    over_shipment_tolerance: Decimal = Field(
        default=Decimal(0), sa_column=Column(Numeric(9, 6), nullable=False, server_default="0")
    )
    #: share an invoice unit price may differ from the order's before it is an exception
    price_tolerance: Decimal = Field(
        default=Decimal(0), sa_column=Column(Numeric(9, 6), nullable=False, server_default="0")
    )
    version: int = Field(default=1)
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()

    __table_args__ = (UniqueConstraint("country", "name_key", name="uq_organization_name"),)


class OrganizationCategory(SQLModel, table=True):
    """A category a supplier declares it serves."""

    __tablename__ = "organization_category"

    organization_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
        )
    )
    category_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("category.id", ondelete="CASCADE"), primary_key=True, index=True
        )
    )


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = id_field()
    organization_id: int | None = fk_field("organization.id")
    email: str = Field(sa_column=Column(String(320), nullable=False))
    #: lower-cased email; unique so "Ann@x.com" and "ann@x.com" are one account
    email_normalized: str = Field(sa_column=Column(String(320), nullable=False, unique=True))
    full_name: str = Field(sa_column=Column(String(200), nullable=False))
    password_hash: str = Field(sa_column=Column(String(200), nullable=False))
    roles: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String(32)), nullable=False)
    )
    approval_limit: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(18, 2), nullable=True)
    )
    is_active: bool = Field(default=True)
    #: raised whenever the user's sessions must end (password changed, deactivated, a
    #: role removed); access tokens carry the epoch they were issued in
    session_epoch: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    version: int = Field(default=1)
    created_at: datetime | None = created_at_field()
    updated_at: datetime | None = updated_at_field()


class ApiKey(SQLModel, table=True):
    """A credential for an ERP system; the secret is shown once and stored hashed."""

    __tablename__ = "api_key"

    id: int | None = id_field()
    organization_id: int | None = fk_field("organization.id")
    name: str = Field(sa_column=Column(String(200), nullable=False))
    prefix: str = Field(sa_column=Column(String(32), nullable=False, unique=True))
    secret_hash: str = Field(sa_column=Column(String(128), nullable=False))
    roles: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String(32)), nullable=False)
    )
    created_by_id: int | None = fk_field("app_user.id", nullable=True, index=False)
    created_at: datetime | None = created_at_field()
    last_used_at: datetime | None = optional_timestamp()
    revoked_at: datetime | None = optional_timestamp()


class RefreshToken(SQLModel, table=True):
    """A refresh token, stored as a SHA-256 of its high-entropy value.

    Tokens rotate: each use spends the token and issues the next one in the same
    ``family_id`` (one family per sign-in).  Presenting a spent token again means it was
    copied, so the whole family is revoked (OAuth 2.0 Security BCP, section 4.14)."""

    __tablename__ = "refresh_token"

    id: int | None = id_field()
    user_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    family_id: str = Field(sa_column=Column(String(32), nullable=False, index=True))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    created_at: datetime | None = created_at_field()
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    spent_at: datetime | None = optional_timestamp()
    revoked_at: datetime | None = optional_timestamp()
