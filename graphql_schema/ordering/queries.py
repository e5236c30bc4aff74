"""Purchase order queries: each side sees its own orders."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from graphql_schema.ids import decode_id
from graphql_schema.node import register_node
from graphql_schema.ordering.types import PurchaseOrder
from graphql_schema.pagination import Connection, connection
from procurement.ordering import queries as svc


async def _order(info: Info, db_id: int) -> PurchaseOrder | None:
    async with info.context.db.read() as s:
        m = await svc.get_order(s, info.context.viewer, db_id)
    return PurchaseOrder.from_model(m) if m else None


register_node("PurchaseOrder", _order)


@strawberry.type
class OrderingQuery:
    @strawberry.field
    async def purchase_order(self, info: Info, id: strawberry.ID) -> PurchaseOrder | None:
        return await _order(info, decode_id(id, "PurchaseOrder"))

    @strawberry.field(description="Orders your organisation buys or supplies, newest first.")
    async def purchase_orders(
        self,
        info: Info,
        rfq_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PurchaseOrder]:
        async with info.context.db.read() as s:
            page = await svc.list_orders(
                s,
                info.context.viewer,
                rfq_id=decode_id(rfq_id, "Rfq", "rfqId") if rfq_id else None,
                first=first,
                after=after,
            )
        return connection(page, PurchaseOrder.from_model)
