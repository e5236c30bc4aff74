"""Test setup: a real PostgreSQL database of this run's own, migrated to head.

With ``DATABASE_URL`` set (CI sets it to the machine's server), a database named
``procurement_test_<pid>_<random>`` is created on that server and dropped at the end.
Without it, an embedded PostgreSQL (pgserver) is started in a temporary folder.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, text
from sqlalchemy.engine.url import make_url

from graphql_schema.app import create_app
from procurement.config import Settings
from procurement.db import Database, get_database
from procurement.migrate import upgrade
from procurement.parties import credentials
from tests.helpers import Api

# argon2id with tiny cost: the tests exercise the flow, not the hash's strength
credentials.hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _admin_exec(admin_url: str, sql: str) -> None:
    u = make_url(admin_url)
    conn = await asyncpg.connect(
        user=u.username or "postgres",
        password=u.password or None,
        host=u.query.get("host") or u.host or "127.0.0.1",
        port=u.port or 5432,
        database=u.database or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    name = f"procurement_test_{os.getpid()}_{secrets.token_hex(3)}"
    server_url = os.environ.get("DATABASE_URL")
    tmp: str | None = None
    server = None
    if server_url:
        admin = Settings(DATABASE_URL=server_url).database_url  # type: ignore[call-arg]
        assert admin is not None
        asyncio.run(_admin_exec(admin, f'CREATE DATABASE "{name}"'))
        url = str(make_url(admin).set(database=name).render_as_string(hide_password=False))
    else:
        import pgserver

        tmp = tempfile.mkdtemp(prefix="procurement-test-", dir="/tmp")
        server = pgserver.get_server(Path(tmp) / "pgdata", cleanup_mode="delete")
        server.psql(f'CREATE DATABASE "{name}";')
        url = "postgresql+asyncpg://" + server.get_uri(name).split("://", 1)[1]
        admin = "postgresql+asyncpg://" + server.get_uri("postgres").split("://", 1)[1]
    upgrade(url)
    try:
        yield url
    finally:
        if server is not None:
            server.cleanup()
            if tmp:
                shutil.rmtree(tmp, ignore_errors=True)
        else:
            asyncio.run(_admin_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(  # type: ignore[call-arg]
        SECRET_KEY="test-secret-key-not-for-production",
        PROCUREMENT_ENV="development",
        PROCUREMENT_DATA_DIR=str(tmp_path_factory.mktemp("data")),
    )


@pytest.fixture(scope="session")
async def app(database_url: str, settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings, database_url=database_url)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def db(app: Any) -> Database:
    return get_database()


_TABLES: list[str] = []


@pytest.fixture(autouse=True)
async def clean(request: pytest.FixtureRequest) -> None:
    """Every test that uses the database starts from empty tables."""
    if "db" not in request.fixturenames and "api" not in request.fixturenames:
        return
    database: Database = request.getfixturevalue("db")
    async with database.transaction() as s:
        if not _TABLES:
            rows = await s.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
            _TABLES.extend(r[0] for r in rows)
        await s.execute(text(f"TRUNCATE {', '.join(_TABLES)} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
async def api(client: httpx.AsyncClient, db: Database, settings: Settings) -> Api:
    return Api(client, db, settings)


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def sql_counter(db: Database) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    event.listen(db.engine.sync_engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", counter)
