"""GraphQL payloads of the ordering mutations: the record written (and its order, for
fulfilment records) or the typed ``errors``, never both.
"""

from __future__ import annotations

import strawberry

from graphql_schema.errors import UserError
from graphql_schema.ordering.fulfilment_types import (
    GoodsReceipt,
    Invoice,
    ReturnRequest,
    Shipment,
)
from graphql_schema.ordering.types import ApprovalBand, PurchaseOrder


@strawberry.type
class PurchaseOrderPayload:
    purchase_order: PurchaseOrder | None = None
    errors: list[UserError]


@strawberry.type
class PurchaseOrderCreatePayload:
    purchase_orders: list[PurchaseOrder]
    errors: list[UserError]


@strawberry.type
class ShipmentPayload:
    shipment: Shipment | None = None
    purchase_order: PurchaseOrder | None = None
    errors: list[UserError]


@strawberry.type
class GoodsReceiptPayload:
    receipt: GoodsReceipt | None = None
    purchase_order: PurchaseOrder | None = None
    errors: list[UserError]


@strawberry.type
class InvoicePayload:
    invoice: Invoice | None = None
    purchase_order: PurchaseOrder | None = None
    errors: list[UserError]


@strawberry.type
class ReturnRequestPayload:
    return_request: ReturnRequest | None = None
    purchase_order: PurchaseOrder | None = None
    errors: list[UserError]


@strawberry.type
class ApprovalPolicyPayload:
    bands: list[ApprovalBand] | None = None
    errors: list[UserError]
