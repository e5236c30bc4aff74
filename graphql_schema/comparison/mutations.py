"""``rfqAward``: quotes to DRAFT purchase orders in one transaction."""

from __future__ import annotations

from decimal import Decimal

import strawberry
from strawberry.types import Info

from graphql_schema.errors import UserError, in_transaction
from graphql_schema.ids import decode_id
from graphql_schema.input_guard import column
from graphql_schema.ordering.types import PurchaseOrder
from graphql_schema.sourcing.types import Rfq
from procurement.award.service import AllocationInput, SplitOptions, award_rfq
from procurement.ordering.models import PurchaseOrderLine


@strawberry.input
class AwardAllocationInput:
    quote_line_id: strawberry.ID
    quantity: Decimal = column(PurchaseOrderLine.quantity)


@strawberry.input(
    description="Exactly one of: allocations, quoteId (the whole quote), acceptSuggestedSplit."
)
class RfqAwardInput:
    rfq_id: strawberry.ID
    allocations: list[AwardAllocationInput] | None = None
    quote_id: strawberry.ID | None = None
    accept_suggested_split: bool = False
    max_suppliers: int | None = strawberry.field(
        default=None,
        description="With acceptSuggestedSplit: the comparison's maxSuppliers, so that "
        "the split awarded is the one shown.",
    )
    exact_split: bool | None = strawberry.field(
        default=None, description="With acceptSuggestedSplit: the comparison's exactSplit."
    )
    note: str | None = None

    def split_options(self) -> SplitOptions | None:
        if self.max_suppliers is None and self.exact_split is None:
            return None
        return SplitOptions(self.max_suppliers, bool(self.exact_split))


@strawberry.type
class RfqAwardPayload:
    rfq: Rfq | None = None
    purchase_orders: list[PurchaseOrder]
    errors: list[UserError]


@strawberry.type
class ComparisonMutation:
    @strawberry.mutation(
        description="Award the RFQ: one DRAFT purchase order per supplier; "
        "awarded quotes AWARDED, the rest REJECTED."
    )
    async def rfq_award(self, info: Info, input: RfqAwardInput) -> RfqAwardPayload:
        result, errors = await in_transaction(
            info,
            lambda s, v: award_rfq(
                s,
                v,
                decode_id(input.rfq_id, "Rfq", "rfqId"),
                allocations=[
                    AllocationInput(
                        decode_id(a.quote_line_id, "QuoteLine", f"allocations[{i}].quoteLineId"),
                        a.quantity,
                    )
                    for i, a in enumerate(input.allocations)
                ]
                if input.allocations is not None
                else None,
                quote_id=decode_id(input.quote_id, "Quote", "quoteId") if input.quote_id else None,
                accept_suggested_split=input.accept_suggested_split,
                split_options=input.split_options(),
                note=input.note,
            ),
        )
        if result is None:
            return RfqAwardPayload(purchase_orders=[], errors=errors)
        rfq, orders = result
        return RfqAwardPayload(
            rfq=Rfq.from_model(rfq, info),
            purchase_orders=[PurchaseOrder.from_model(o) for o in orders],
            errors=[],
        )
