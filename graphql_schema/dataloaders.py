"""One DataLoader per relation, batched by key, made fresh for every request.

Each batch opens its own short session, so loaders running concurrently never share
one.  The batch functions live in the services: the rules of what a row is stay there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.dataloader import DataLoader

from procurement.db import Database
from procurement.parties import categories, organizations, users
from procurement.parties.models import Category, Organization, User

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Fetch = Callable[[AsyncSession, Sequence[Any]], Awaitable[Mapping[Any, Any]]]


def batched(db: Database, fetch: Fetch, *, many: bool = False) -> DataLoader[Any, Any]:
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
    def __init__(self, db: Database) -> None:
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
