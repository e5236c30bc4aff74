"""One DataLoader per relation, batched by key, made fresh for every request.

Each batch opens its own short session, so loaders running concurrently never share
one.  The batch functions live in the services: the rules of what a row is stay there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from procurement.db import UnitOfWork
from procurement.ordering import models as om
from procurement.ordering import queries as ordering
from procurement.ordering.models import PurchaseOrderLine
from procurement.parties import categories, organizations, users
from procurement.parties.models import Category, Organization, User
from procurement.sourcing import queries as sourcing
from procurement.sourcing.models import (
    Quote,
    QuoteLine,
    QuoteRevision,
    Rfq,
    RfqInvitation,
    RfqLine,
    RfqQuestion,
)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Fetch = Callable[[AsyncSession, Sequence[Any]], Awaitable[Mapping[Any, Any]]]


def batched(db: UnitOfWork, fetch: Fetch, *, many: bool = False) -> DataLoader[Any, Any]:
    """A loader over ``fetch(session, keys) -> {key: value}``; missing keys load as None
    (or as an empty list when ``many``)."""

    async def load(keys: list[Any]) -> list[Any]:
        async with db.read() as session:
            found = await fetch(session, keys)
        if many:
            return [found.get(k, []) for k in keys]
        return [found.get(k) for k in keys]

    return DataLoader(load_fn=load)


class Loaders:
    def __init__(self, db: UnitOfWork) -> None:
        self.organization: DataLoader[int, Organization | None] = batched(
            db, organizations.organizations_by_id
        )
        self.organization_categories: DataLoader[int, list[Category]] = batched(
            db, organizations.categories_by_organization, many=True
        )
        self.category: DataLoader[int, Category | None] = batched(db, categories.categories_by_id)
        self.category_children: DataLoader[int, list[Category]] = batched(
            db, categories.children_by_parent, many=True
        )
        self.user: DataLoader[int, User | None] = batched(db, users.users_by_id)
        self.rfq: DataLoader[int, Rfq | None] = batched(db, sourcing.rfqs_by_id)
        self.rfq_lines: DataLoader[int, list[RfqLine]] = batched(
            db, sourcing.lines_by_rfq, many=True
        )
        self.rfq_line: DataLoader[int, RfqLine | None] = batched(db, sourcing.rfq_lines_by_id)
        self.rfq_invitations: DataLoader[int, list[RfqInvitation]] = batched(
            db, sourcing.invitations_by_rfq, many=True
        )
        #: key (rfq id, supplier org id or None for the buyer's view)
        self.rfq_quotes: DataLoader[tuple[int, int | None], list[Quote]] = batched(
            db, sourcing.quotes_by_rfq, many=True
        )
        self.rfq_questions: DataLoader[tuple[int, int | None], list[RfqQuestion]] = batched(
            db, sourcing.questions_by_rfq, many=True
        )
        self.quote_lines: DataLoader[int, list[QuoteLine]] = batched(
            db, sourcing.lines_by_quote, many=True
        )
        self.quote_revisions: DataLoader[int, list[QuoteRevision]] = batched(
            db, sourcing.revisions_by_quote, many=True
        )
        self.purchase_order_lines: DataLoader[int, list[PurchaseOrderLine]] = batched(
            db, ordering.lines_by_order, many=True
        )
        self.po_children: dict[str, DataLoader[int, list[Any]]] = {
            name: batched(db, partial(ordering.children_by_order, model=model), many=True)
            for name, model in (
                ("approvals", om.Approval),
                ("revisions", om.PoRevision),
                ("shipments", om.Shipment),
                ("receipts", om.GoodsReceipt),
                ("invoices", om.Invoice),
                ("returns", om.ReturnRequest),
            )
        }
