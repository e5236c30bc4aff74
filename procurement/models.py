"""Imports every table so ``SQLModel.metadata`` is complete (alembic, tests)."""

from procurement.audit.models import AuditEntry, OutboxEvent
from procurement.catalog.models import Listing
from procurement.idempotency_models import IdempotencyRecord
from procurement.money.models import FxRate
from procurement.numbering import DocumentCounter
from procurement.ordering.models import (
    Approval,
    ApprovalPolicy,
    GoodsReceipt,
    Invoice,
    PoRevision,
    PurchaseOrder,
    PurchaseOrderLine,
    ReturnRequest,
    Shipment,
)
from procurement.parties.models import (
    ApiKey,
    Category,
    Organization,
    OrganizationCategory,
    RefreshToken,
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
from procurement.throttle import ThrottleHit

__all__ = [
    "ApiKey",
    "Approval",
    "ApprovalPolicy",
    "AuditEntry",
    "Category",
    "DocumentCounter",
    "FxRate",
    "GoodsReceipt",
    "IdempotencyRecord",
    "Invoice",
    "Listing",
    "Organization",
    "OrganizationCategory",
    "OutboxEvent",
    "PoRevision",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "Quote",
    "QuoteLine",
    "QuoteRevision",
    "RefreshToken",
    "ReturnRequest",
    "Rfq",
    "RfqInvitation",
    "RfqLine",
    "RfqQuestion",
    "Shipment",
    "ThrottleHit",
    "User",
]
