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
    extra: dict[str, object] = field(default_factory=dict)
    #: the ASGI client's address (what per-address throttles count)
    client_address: str | None = None

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.db)

    async def fx_table(self) -> FxTable:
        """Today's FX table, loaded once per request."""
        if "fx" not in self.extra:
            async with self.db.read() as s:
                self.extra["fx"] = await load_table(s, date.today())
        return self.extra["fx"]  # type: ignore[return-value]
