"""Per-request context: the viewer, the database handle and the DataLoaders.

There is deliberately no request-wide session: resolvers and loaders each open a short
one, because strawberry resolves sibling fields concurrently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from graphql_schema.dataloaders import Loaders
from procurement.config import Settings
from procurement.db import UnitOfWork
from procurement.money.fx import FxTable, load_table
from procurement.viewer import Viewer


@dataclass
class Context:
    db: UnitOfWork
    settings: Settings
    viewer: Viewer | None
    request_id: str
    #: the ASGI client's address (what per-address throttles count)
    client_address: str | None = None
    #: today's FX table once loaded (``fx_table``)
    _fx: FxTable | None = field(default=None, init=False, repr=False)

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.db)

    async def fx_table(self) -> FxTable:
        """Today's FX table, loaded once per request."""
        if self._fx is None:
            async with self.db.read() as s:
                self._fx = await load_table(s, date.today())
        return self._fx
