"""Async engine, sessions and the embedded PostgreSQL.

One ``Database`` per process.  Every unit of work opens its own session from the
factory: strawberry resolves sibling fields concurrently and an ``AsyncSession`` must
never be shared by two coroutines, so nothing here hands out a request-wide session.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from sqlalchemy import event
from sqlalchemy.engine import CursorResult, ExceptionContext, Result
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from procurement import column_guard  # noqa: F401  (registers the check on every flush)
from procurement.config import Settings

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "procurement"


class UnitOfWork(Protocol):
    """What services and resolvers need of the database: a transaction and a read.
    ``Database`` provides it, and so does the one shared session of an idempotent
    mutation (``graphql_schema.idempotent.SharedSession``), which stands in for it."""

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]: ...

    def read(self) -> AbstractAsyncContextManager[AsyncSession]: ...


def rows_affected(result: Result[Any]) -> int:
    """The number of rows an UPDATE or DELETE touched.  ``AsyncSession.execute`` is typed
    to return ``Result``; a DML statement executes to a ``CursorResult``, which counts."""
    return int(cast("CursorResult[Any]", result).rowcount or 0)


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        # hide_parameters: an error's text never carries the statement's values
        # (password hashes, emails, amounts), wherever it ends up logged
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=False,
            hide_parameters=True,
        )
        event.listen(self.engine.sync_engine, "handle_error", scrub_database_error)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A short read-only session (its own connection, released at the end)."""
        async with self.sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_ARGUMENT = re.compile(r"(invalid input for query argument \$\d+): [^\n]*")


def _redact(message: str) -> str:
    """A server or driver message without the values it quotes.

    PostgreSQL quotes values in primary messages (``invalid input syntax for type
    integer: "..."``) and puts whole keys or rows in DETAIL (``Key (email)=(...)``,
    ``Failing row contains (...)``); asyncpg's encoding errors show the Python value."""
    message = _ARGUMENT.sub(r"\1: <hidden>", message)
    return _QUOTED.sub('"<hidden>"', message)


def scrub_database_error(context: ExceptionContext) -> None:
    """Strip values from a failed statement's exceptions before anything logs them.

    Every exception in the chain (SQLAlchemy's wrapper, the adapted DBAPI error and
    asyncpg's own) keeps its class, SQLSTATE and the names of the constraint, table and
    column at fault, which is what a developer needs; DETAIL and HINT (which hold key
    values and failing rows) are dropped and quoted values masked.  Done at the source,
    so tracebacks logged anywhere (our error masking, the ASGI server) are clean too.
    """
    chain: list[BaseException] = []
    todo: list[BaseException | None] = [
        context.sqlalchemy_exception,
        context.original_exception,
    ]
    while todo:
        exc = todo.pop()
        if exc is None or any(exc is seen for seen in chain):
            continue
        chain.append(exc)
        todo += [exc.__cause__, exc.__context__, getattr(exc, "orig", None)]
    names = {
        f"{attr.removesuffix('_name')} {value}"
        for exc in chain
        for attr in ("constraint_name", "table_name", "column_name")
        if isinstance(value := getattr(exc, attr, None), str)
    }
    suffix = f" ({', '.join(sorted(names))})" if names else ""
    for exc in chain:
        if exc.args and isinstance(exc.args[0], str):
            exc.args = (_redact(exc.args[0]) + suffix, *exc.args[1:])
        for attr in ("detail", "hint"):
            if getattr(exc, attr, None):
                with contextlib.suppress(AttributeError, TypeError):
                    setattr(exc, attr, None)


_embedded: PostgresServer | None = None


def start_embedded_postgres(data_dir: Path, database: str = EMBEDDED_DATABASE) -> str:
    """Start (or reuse) the embedded PostgreSQL in ``data_dir/pgdata``; return its async URL.

    The server listens on a unix socket inside the data folder only.  It is stopped by
    ``stop_embedded_postgres`` from the app's lifespan, because uvicorn re-raises SIGTERM
    after a graceful shutdown and pgserver's atexit hook would never run.
    """
    global _embedded
    from pgserver.postgres_server import get_server

    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir / "pgdata", cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
    _embedded = server
    uri = server.get_uri(database)
    return "postgresql+asyncpg://" + uri.split("://", 1)[1]


def stop_embedded_postgres() -> None:
    global _embedded
    if _embedded is not None:
        log.info("stopping embedded PostgreSQL")
        _embedded.cleanup()
        _embedded = None


def embedded_running() -> bool:
    return _embedded is not None


def resolve_database_url(settings: Settings) -> str:
    """``DATABASE_URL`` when set, otherwise the embedded server (started on demand)."""
    if settings.database_url:
        return settings.database_url
    return start_embedded_postgres(settings.data_dir)


_database: Database | None = None


def init_database(url: str, *, pool_size: int = 10) -> Database:
    global _database
    _database = Database(url, pool_size=pool_size)
    return _database


def get_database() -> Database:
    if _database is None:
        raise RuntimeError("database not initialised; call init_database() first")
    return _database
