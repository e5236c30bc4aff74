"""The Relay ``Node`` interface and ``node(id:)`` / ``nodes(ids:)`` resolution.

Each domain registers, per type, a service call that loads the rows among some ids the
viewer may see (the service applies its own visibility rule) and how to present a row.
``nodes`` loads every type it is asked for with one statement, in one session: a
hundred IDs under a few aliases used to open a session and run a query per ID.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from graphql_schema.ids import parse_global_id
from procurement.viewer import Viewer

MAX_IDS = 100
MAX_DB_ID = 2**63 - 1


@strawberry.interface(description="An object with a global ID.")
class Node:
    id: strawberry.ID


#: ``load(session, viewer, ids)``: the visible rows among ``ids``, by id
NodeLoad = Callable[[AsyncSession, Viewer | None, Sequence[int]], Awaitable[Mapping[int, Any]]]
#: ``present(info, row)``: the API object for a loaded row, or None to hide it
NodePresent = Callable[[Info, Any], "Node | Awaitable[Node | None] | None"]


@dataclass(frozen=True, slots=True)
class NodeSource:
    load: NodeLoad
    present: NodePresent


_sources: dict[str, NodeSource] = {}


def register_node(type_name: str, load: NodeLoad, present: NodePresent) -> None:
    _sources[type_name] = NodeSource(load, present)


async def _present(source: NodeSource, info: Info, row: Any) -> Node | None:
    shown = source.present(info, row)
    if inspect.isawaitable(shown):
        shown = await shown
    return shown


async def resolve_nodes(info: Info, global_ids: Sequence[str]) -> list[Node | None]:
    """None for malformed IDs, unknown types, missing rows and rows the viewer may not
    see alike: the answer must not tell them apart."""
    return await _resolve(info, [parse_global_id(g) for g in global_ids])


async def resolve_by_db_id(info: Info, type_name: str, db_id: int) -> Any:
    """One object of a known type by database id, as ``node`` would answer it."""
    (node,) = await _resolve(info, [(type_name, db_id)])
    return node


async def _resolve(info: Info, parsed: list[tuple[str, int] | None]) -> list[Node | None]:
    wanted: dict[str, set[int]] = defaultdict(set)
    for p in parsed:
        # an id no row can have (beyond bigint) is simply not found, like any other
        if p is not None and p[0] in _sources and 0 < p[1] <= MAX_DB_ID:
            wanted[p[0]].add(p[1])
    rows: dict[tuple[str, int], Any] = {}
    if wanted:
        async with info.context.db.read() as session:
            for type_name, ids in wanted.items():
                found = await _sources[type_name].load(session, info.context.viewer, sorted(ids))
                rows.update(((type_name, i), row) for i, row in found.items())
    # presented together (after the session is closed) so the loaders some types use
    # batch across all of them
    keys = list(rows)
    shown = await asyncio.gather(*(_present(_sources[k[0]], info, rows[k]) for k in keys))
    by_key = dict(zip(keys, shown, strict=True))
    return [by_key.get(p) if p is not None else None for p in parsed]


async def resolve_node(info: Info, global_id: str) -> Node | None:
    (node,) = await resolve_nodes(info, [global_id])
    return node
