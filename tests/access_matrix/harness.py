"""The machinery of the access matrix: rows, worlds built once and restored, outcomes.

A row names an operation, a caller and the exact outcome (see ``Row``).  Building a
world through the API takes seconds, so each module builds its world once, copies every
table into a side schema, and puts that copy back (a few milliseconds) before any row
that may have changed something.  Read rows and refused mutations leave the world as it
was, which every refused mutation proves by comparing all tables before and after.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import text

from procurement.db import Database
from tests.helpers import Api

#: the four kinds of caller every operation is tried with (a row's kind starts with one)
KINDS = ("anonymous", "outsider", "wrong-role", "right")

OK = "ok"
#: query outcomes: the object is shown, or it is not (null, or absent from the list)
SEEN = "seen"
HIDDEN = "hidden"
#: the exact (code, field) of a mutation's single payload error
UNAUTHENTICATED = ("UNAUTHENTICATED", None)
FORBIDDEN = ("FORBIDDEN", None)
NOT_FOUND = ("NOT_FOUND", "id")

Expect = str | tuple[str, str | None]


@dataclass(frozen=True)
class Row:
    """``operation`` called by ``caller`` (a world token key) ends in ``expect``.

    ``kind`` starts with one of ``KINDS`` (``outsider-supplier``...), ``target``
    overrides the operation's default target and ``extra`` adds to its input or
    variables (a string ``"gid:<key>"`` in it stands for the world's global id of
    ``<key>``).
    """

    operation: str
    kind: str
    caller: str
    expect: Expect
    target: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.operation}-{self.kind}"

    def param(self) -> Any:
        return pytest.param(self, id=self.id)


def kinds_of(rows: list[Row]) -> dict[str, set[str]]:
    """Which of the four kinds of caller each operation has rows for."""
    out: dict[str, set[str]] = {}
    for row in rows:
        kind = next((k for k in KINDS if row.kind.startswith(k)), None)
        if kind is not None:
            out.setdefault(row.operation, set()).add(kind)
    return out


@dataclass
class World:
    """Tokens of every caller (``None`` for anonymous), global ids of every object (by
    key), and whatever else a module's rows need (``data``)."""

    tokens: dict[str, str | None]
    gids: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)

    def token(self, caller: str) -> str | None:
        return self.tokens[caller]


Builder = Callable[[Api], Awaitable[World]]
InputMaker = Callable[[World, str], dict[str, Any]]
DoneCheck = Callable[[Api, World, Row, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Mutation:
    """How to call a mutation on a target, and how to read back that it happened.

    ``missing`` is the world key of a nonexistent object of the target's type: a
    NOT_FOUND row must be answered word for word as that id is.
    """

    document: str
    make_input: InputMaker
    check_done: DoneCheck
    target: str = ""
    missing: str | None = None


@dataclass(frozen=True)
class Query:
    """How to ask for a target, and whether the answer shows it (``seen``).

    ``target`` objects are listed or fetched; a HIDDEN row must look exactly like the
    answer for ``missing`` (when given).
    """

    document: str
    variables: InputMaker
    seen: Callable[[dict[str, Any], World, str], bool]
    target: str = ""


# --- the database: every table, copied and restored ----------------------------------

SNAPSHOT_SCHEMA = "access_matrix_snapshot"


_TABLES: list[str] = []


async def tables(db: Database) -> list[str]:
    """The application's tables (read once: the schema does not change during a run)."""
    if not _TABLES:
        async with db.read() as s:
            result = await s.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                    "AND tablename <> 'alembic_version' ORDER BY tablename"
                )
            )
            _TABLES.extend(r[0] for r in result)
    return _TABLES


async def truncate(db: Database) -> None:
    names = await tables(db)
    async with db.transaction() as s:
        await s.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))


async def fingerprint(db: Database) -> dict[str, list[str]]:
    """Every row of every table, so a refusal can be shown to write none (one query).

    ``last_used_at`` of API keys is left out: merely authenticating with a key sets it.
    """
    names = await tables(db)
    union = " UNION ALL ".join(
        f"SELECT '{name}', (to_jsonb(t) - 'last_used_at')::text FROM {name} t" for name in names
    )
    out: dict[str, list[str]] = {name: [] for name in names}
    async with db.read() as s:
        for table, row in await s.execute(text(union)):
            out[table].append(row)
    return {name: sorted(found) for name, found in out.items()}


class Snapshot:
    """A copy of every table and sequence, put back before a row that changes state."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.dirty = False
        self._sequences: list[tuple[str, int | None]] = []
        #: every table's rows as taken: the state before any row while not dirty
        self.rows: dict[str, list[str]] = {}

    async def take(self) -> None:
        names = await tables(self.db)
        async with self.db.transaction() as s:
            await s.execute(text(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE"))
            await s.execute(text(f"CREATE SCHEMA {SNAPSHOT_SCHEMA}"))
            for name in names:
                await s.execute(
                    text(f"CREATE TABLE {SNAPSHOT_SCHEMA}.{name} AS TABLE public.{name}")
                )
            result = await s.execute(
                text("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname='public'")
            )
            self._sequences = [(r[0], r[1]) for r in result]
        self.rows = await fingerprint(self.db)
        self.dirty = False

    async def restore(self) -> None:
        """Put the copy back if a row may have changed anything since it was taken."""
        if not self.dirty:
            return
        names = await tables(self.db)
        async with self.db.transaction() as s:
            # foreign keys are not checked while the rows go back: the copy was consistent
            await s.execute(text("SET LOCAL session_replication_role = replica"))
            # DELETE, not TRUNCATE: on a few rows it is many times faster (no new files)
            for name in names:
                await s.execute(text(f"DELETE FROM public.{name}"))
                await s.execute(
                    text(f"INSERT INTO public.{name} SELECT * FROM {SNAPSHOT_SCHEMA}.{name}")
                )
            for sequence, last in self._sequences:
                await s.execute(
                    text("SELECT setval(:seq, :value, :called)"),
                    {"seq": sequence, "value": last or 1, "called": last is not None},
                )
        self.dirty = False

    async def drop(self) -> None:
        async with self.db.transaction() as s:
            await s.execute(text(f"DROP SCHEMA IF EXISTS {SNAPSHOT_SCHEMA} CASCADE"))


def resolve(world: World, value: Any) -> Any:
    """``extra`` with every ``"gid:<key>"`` replaced by that object's global id."""
    if isinstance(value, dict):
        return {k: resolve(world, v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(world, v) for v in value]
    if isinstance(value, str) and value.startswith("gid:"):
        return world.gids[value.removeprefix("gid:")]
    return value


# --- running rows --------------------------------------------------------------------


def graphql_error_code(body: dict[str, Any]) -> str:
    (error,) = body["errors"]
    return str(error["extensions"]["code"])


async def run_mutation(api: Api, snap: Snapshot, world: World, op: Mutation, row: Row) -> None:
    """The row's exact outcome; a success is read back, a refusal leaves no trace, and a
    NOT_FOUND reads word for word like the answer for an id that does not exist."""
    await snap.restore()
    target = row.target or op.target
    variables = {**op.make_input(world, target), **resolve(world, row.extra)}
    before = snap.rows  # restored, or unchanged since: reads and refusals write nothing
    snap.dirty = True
    payload = await api.mutate(op.document, variables, world.token(row.caller))

    if row.expect == OK:
        assert payload["errors"] == [], payload["errors"]
        await op.check_done(api, world, row, payload)
        return
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [row.expect], payload
    assert all(v in (None, []) for k, v in payload.items() if k != "errors"), payload
    assert await fingerprint(api.db) == before, "a refused mutation must change nothing"
    snap.dirty = False
    if row.expect[0] == "NOT_FOUND" and op.missing is not None:
        missing = {**op.make_input(world, op.missing), **resolve(world, row.extra)}
        answer = await api.mutate(op.document, missing, world.token(row.caller))
        assert answer["errors"] == payload["errors"], "hidden must read exactly as missing"


async def run_query(api: Api, snap: Snapshot, world: World, op: Query, row: Row) -> None:
    """SEEN or HIDDEN, or a top-level error with that code (and no data)."""
    await snap.restore()
    target = row.target or op.target
    variables = {**op.variables(world, target), **resolve(world, row.extra)}
    response = await api.raw(op.document, variables, world.token(row.caller))
    assert response.status_code == 200, response.text
    body = response.json()
    if row.expect in (SEEN, HIDDEN):
        assert "errors" not in body, body
        assert op.seen(body["data"], world, target) == (row.expect == SEEN), body
        return
    assert isinstance(row.expect, tuple)
    assert not any((body["data"] or {}).values()), body
    assert graphql_error_code(body) == row.expect[0], body


# --- node and nodes: every type of object, through the global lookups ------------------


def _node_seen(data: dict[str, Any], world: World, target: str) -> bool:
    (found,) = data["nodes"] if "nodes" in data else [data["node"]]
    assert found is None or found == {"id": world.gids[target]}
    return found is not None


NODE_QUERIES: dict[str, Query] = {
    "node": Query(
        "query N($id: ID!) { node(id: $id) { id } }",
        lambda w, t: {"id": w.gids[t]},
        _node_seen,
    ),
    "nodes": Query(
        "query N($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        lambda w, t: {"ids": [w.gids[t]]},
        _node_seen,
    ),
}


def node_rows(
    target: str,
    *,
    seen: tuple[str, ...] = (),
    hidden: tuple[str, ...] = (),
) -> list[Row]:
    """``node(id)`` and ``nodes(ids)`` show ``target`` to the ``seen`` callers only: to
    the ``hidden`` ones it is null, as a nonexistent object is."""
    rows: list[Row] = []
    for op in ("node", "nodes"):
        rows += [Row(op, f"{target}-as-{c}", c, SEEN, target=target) for c in seen]
        rows += [Row(op, f"{target}-as-{c}", c, HIDDEN, target=target) for c in hidden]
    return rows
