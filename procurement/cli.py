"""``procurement``: serve | migrate | load-fixtures | export-schema | worker | create-admin."""

from __future__ import annotations

import asyncio
import getpass
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

import typer

from procurement import db as dbmod
from procurement.config import get_settings

app = typer.Typer(
    help="procurement: B2B sourcing platform with a GraphQL API",
    no_args_is_help=True,
    add_completion=False,
)


def _say(message: str) -> None:
    typer.echo(f"procurement: {message}", err=True)


def _database_url() -> str:
    """DATABASE_URL, or the embedded PostgreSQL started now (and exported for workers)."""
    settings = get_settings()
    if settings.database_url:
        return settings.database_url
    _say(f"starting embedded PostgreSQL in {settings.data_dir.resolve()} ...")
    url = dbmod.start_embedded_postgres(settings.data_dir)
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    return url


def _migrate(url: str) -> None:
    from procurement.migrate import head_revision, upgrade

    _say(f"migrating the database to {head_revision()} ...")
    upgrade(url)


async def _load_demo(url: str) -> dict[str, int]:
    from fixtures.loader import load_demo

    db = dbmod.Database(url, pool_size=2)
    try:
        return await load_demo(db, progress=lambda step: _say(f"  loading {step}"))
    finally:
        await db.dispose()


def _stop_embedded_on_signal() -> None:
    """uvicorn restores these handlers and re-raises the signal after its graceful
    shutdown: stop the embedded PostgreSQL then, or it would outlive us."""

    def handler(signum: int, frame: FrameType | None) -> None:
        dbmod.stop_embedded_postgres()
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to bind (default PROCUREMENT_HOST)."),
    port: int = typer.Option(None, help="Port (default PROCUREMENT_PORT, 8000)."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
    demo: bool = typer.Option(False, "--demo", help="Load the demo data (idempotent)."),
) -> None:
    """Migrate the database, optionally load demo data, and serve the API."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    settings.resolved_secret_key()
    url = _database_url()
    try:
        _migrate(url)
        if demo:
            counts = asyncio.run(_load_demo(url))
            _say(f"demo data: created {counts}")
        host = host or settings.host
        port = port or settings.port
        _say(f"serving http://{host}:{port}/graphql with {workers} worker(s)")
        _stop_embedded_on_signal()
        uvicorn.run(
            "graphql_schema.app:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
        )
    finally:
        dbmod.stop_embedded_postgres()


@app.command()
def migrate() -> None:
    """Upgrade the database to the latest migration."""
    url = _database_url()
    try:
        _migrate(url)
        _say("database is at the latest migration")
    finally:
        dbmod.stop_embedded_postgres()


@app.command("load-fixtures")
def load_fixtures() -> None:
    """Migrate, then load the demo data set (loading twice duplicates nothing)."""
    url = _database_url()
    try:
        _migrate(url)
        counts = asyncio.run(_load_demo(url))
        _say(f"created {counts}")
    finally:
        dbmod.stop_embedded_postgres()


@app.command("export-schema")
def export_schema(
    path: Path = typer.Argument(Path("schema.graphql"), help="Where to write the SDL."),
) -> None:
    """Write the GraphQL schema (SDL) to a file."""
    from graphql_schema.sdl import schema_sdl

    path.write_text(schema_sdl())
    _say(f"wrote {path}")


@app.command()
def worker(
    interval: float = typer.Option(5.0, help="Seconds between deadline sweeps."),
    once: bool = typer.Option(False, "--once", help="Sweep once and exit."),
) -> None:
    """Run background jobs (closing RFQs past their deadline). Several may run at once."""
    from procurement.worker import run

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    url = _database_url()

    async def main() -> None:
        db = dbmod.Database(url, pool_size=2)
        try:
            await run(db, interval=interval, once=once)
        finally:
            await db.dispose()

    try:
        _say(f"worker started (sweep every {interval:g}s)")
        asyncio.run(main())
    finally:
        dbmod.stop_embedded_postgres()


@app.command("create-admin")
def create_admin(
    email: str = typer.Option(..., help="Email of the platform administrator."),
    full_name: str = typer.Option("Platform Administrator", help="Their name."),
    password: str = typer.Option(None, help="Password (asked for when left out)."),
) -> None:
    """Create a platform administrator (PLATFORM_ADMIN)."""
    from procurement.errors import Collector
    from procurement.parties.validation import check_email, check_password

    password = password or getpass.getpass("Password: ")
    c = Collector()
    check_email(c, email)
    check_password(c, password, email)
    if c.errors:
        for e in c.errors:
            _say(f"{e.field}: {e.message}")
        raise typer.Exit(2)
    url = _database_url()
    try:
        _migrate(url)
        created = asyncio.run(_create_admin(url, email, full_name, password))
        _say("created" if created else f"{email} already exists; nothing changed")
    finally:
        dbmod.stop_embedded_postgres()


async def _create_admin(url: str, email: str, full_name: str, password: str) -> bool:
    from fixtures.loader import ensure_platform_admin

    db = dbmod.Database(url, pool_size=1)
    try:
        async with db.transaction() as s:
            _, created = await ensure_platform_admin(
                s, email=email, full_name=full_name, password=password
            )
        return created
    finally:
        await db.dispose()


if __name__ == "__main__":
    app()
