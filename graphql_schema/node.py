"""The Relay ``Node`` interface and ``node(id:)`` / ``nodes(ids:)`` resolution.

Each domain registers how to fetch its types by database id, with the viewer's access
rules applied by the service, so ``node`` never reveals what a viewer may not see.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.types import Info

from graphql_schema.ids import parse_global_id


@strawberry.interface(description="An object with a global ID.")
class Node:
    id: strawberry.ID


NodeFetcher = Callable[[Info, int], Awaitable[Any]]
_fetchers: dict[str, NodeFetcher] = {}


def register_node(type_name: str, fetch: NodeFetcher) -> None:
    _fetchers[type_name] = fetch


async def resolve_node(info: Info, global_id: str) -> Node | None:
    """None for malformed IDs, unknown types, missing rows and rows the viewer may not
    see alike: the answer must not tell them apart."""
    parsed = parse_global_id(global_id)
    if parsed is None:
        return None
    type_name, db_id = parsed
    fetch = _fetchers.get(type_name)
    if fetch is None:
        return None
    result: Node | None = await fetch(info, db_id)
    return result
