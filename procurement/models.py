"""Imports every table so ``SQLModel.metadata`` is complete (alembic, tests)."""

from procurement.audit.models import AuditEntry, OutboxEvent
from procurement.money.models import FxRate
from procurement.parties.models import (
    ApiKey,
    Category,
    LoginFailure,
    Organization,
    OrganizationCategory,
    User,
)

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Category",
    "FxRate",
    "LoginFailure",
    "Organization",
    "OrganizationCategory",
    "OutboxEvent",
    "User",
]
