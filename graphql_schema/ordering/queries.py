"""Purchase order queries: each side sees its own orders."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from graphql_schema.ids import decode_id
from graphql_schema.node import register_node, resolve_by_db_id
from graphql_schema.ordering.types import ApprovalBand, PurchaseOrder, PurchaseOrderStatus
from graphql_schema.pagination import Connection, connection
from procurement.errors import DomainError, ErrorCode
from procurement.ordering import approvals as approval_service
from procurement.ordering import orders as order_service
from procurement.ordering import queries as svc
from procurement.ordering.models import PoStatus as DomainPoStatus
from procurement.ordering.queries import OrderSort as DomainOrderSort

# strawberry.enum registers the domain enum in place and hands back the same class, so
# arguments are annotated with the domain class itself (a call is no type to mypy).
strawberry.enum(DomainOrderSort, name="PurchaseOrderSort")


@strawberry.input
class PurchaseOrderFilter:
    status: PurchaseOrderStatus | None = None  # type: ignore[valid-type]  # a strawberry.enum(...) result is a variable to mypy
    counterparty_id: strawberry.ID | None = strawberry.field(
        default=None, description="The supplier (for buyers) or the buyer (for suppliers)."
    )
    created_after: datetime | None = None
    text: str | None = strawberry.field(
        default=None, description="Part of the number or external reference."
    )
    rfq_id: strawberry.ID | None = None


register_node(
    "PurchaseOrder", svc.visible_orders_by_id, lambda info, m: PurchaseOrder.from_model(m)
)


@strawberry.type
class OrderingQuery:
    @strawberry.field(description="One order by ID, or by your own external reference.")
    async def purchase_order(
        self, info: Info, id: strawberry.ID | None = None, external_reference: str | None = None
    ) -> PurchaseOrder | None:
        if (id is None) == (external_reference is None):
            raise DomainError.of(
                ErrorCode.INVALID, "Give exactly one of id and externalReference", "id"
            )
        if id is not None:
            node = await resolve_by_db_id(info, "PurchaseOrder", decode_id(id, "PurchaseOrder"))
            # a PurchaseOrder id resolves to a PurchaseOrder, or to nothing if not visible
            assert node is None or isinstance(node, PurchaseOrder)
            return node
        async with info.context.db.read() as s:
            m = await svc.get_order_by_reference(s, info.context.viewer, external_reference or "")
        return PurchaseOrder.from_model(m) if m else None

    @strawberry.field(description="Orders your organisation buys or supplies.")
    async def purchase_orders(
        self,
        info: Info,
        filter: PurchaseOrderFilter | None = None,
        sort_by: DomainOrderSort = DomainOrderSort.NEWEST,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[PurchaseOrder]:
        f = filter or PurchaseOrderFilter()
        async with info.context.db.read() as s:
            page = await svc.list_orders(
                s,
                info.context.viewer,
                rfq_id=decode_id(f.rfq_id, "Rfq", "filter.rfqId") if f.rfq_id else None,
                status=DomainPoStatus(f.status.value) if f.status else None,
                counterparty_id=decode_id(
                    f.counterparty_id, "Organization", "filter.counterpartyId"
                )
                if f.counterparty_id
                else None,
                created_after=f.created_after,
                text=f.text,
                sort=sort_by,
                first=first,
                after=after,
            )
        return connection(page, PurchaseOrder.from_model)

    @strawberry.field(description="Orders pending approval that you may approve now.")
    async def purchase_orders_awaiting_my_approval(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[PurchaseOrder]:
        async with info.context.db.read() as s:
            ids = await order_service.approvals_awaiting(s, info.context.viewer)
            page = await svc.list_orders(
                s,
                info.context.viewer,
                ids=ids,
                sort=DomainOrderSort.OLDEST,
                first=first,
                after=after,
            )
        return connection(page, PurchaseOrder.from_model)

    @strawberry.field(description="Your organisation's approval bands (base currency).")
    async def approval_policy(self, info: Info) -> list[ApprovalBand]:
        async with info.context.db.read() as s:
            bands = await approval_service.policy_for(s, info.context.viewer)
        return [ApprovalBand(up_to=b.up_to, approvals_required=b.approvals_required) for b in bands]
