"""Imports every table so ``SQLModel.metadata`` is complete (alembic, tests)."""

from procurement.audit.models import AuditEntry, OutboxEvent
from procurement.money.models import FxRate
from procurement.numbering import DocumentCounter
from procurement.ordering.models import PurchaseOrder, PurchaseOrderLine
from procurement.parties.models import (
    ApiKey,
    Category,
    LoginFailure,
    Organization,
    OrganizationCategory,
    User,
)
from procurement.sourcing.models import (
    Quote,
    QuoteLine,
    QuoteRevision,
    Rfq,
    RfqInvitation,
    RfqLine,
    RfqQuestion,
)

__all__ = [
    "ApiKey",
    "AuditEntry",
    "Category",
    "DocumentCounter",
    "FxRate",
    "LoginFailure",
    "Organization",
    "OrganizationCategory",
    "OutboxEvent",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Quote",
    "QuoteLine",
    "QuoteRevision",
    "Rfq",
    "RfqInvitation",
    "RfqLine",
    "RfqQuestion",
    "User",
]
