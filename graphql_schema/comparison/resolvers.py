"""Resolvers of the comparison: access and computation live in the service."""

from __future__ import annotations

from strawberry.types import Info

from graphql_schema.comparison.types import Comparison, ComparisonInput
from procurement.comparison.service import ComparisonRequest, compare, load_buyer_rfq
from procurement.sourcing.models import Rfq as RfqModel


async def resolve_comparison(
    rfq: RfqModel, info: Info, input: ComparisonInput | None
) -> Comparison:
    i = input or ComparisonInput()
    async with info.context.db.read() as s:
        loaded = await load_buyer_rfq(s, info.context.viewer, rfq.id or 0)
        model = await compare(
            s,
            info.context.viewer,
            loaded,
            ComparisonRequest(
                currency=i.currency,
                weights=i.weights_domain(),
                max_suppliers=i.max_suppliers,
                include_expired=i.include_expired,
            ),
        )
    return Comparison.build(model, info)
