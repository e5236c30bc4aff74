"""One world per module: built once, copied, and restored before rows that change it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from procurement.config import Settings
from procurement.db import Database
from tests.access_matrix.harness import Snapshot
from tests.helpers import Api


@pytest.fixture(autouse=True)
async def clean() -> None:
    """Overrides the suite's emptying of every table before each test: here the module's
    world is built once and put back by its snapshot instead."""


@pytest.fixture(scope="module")
async def matrix_api(app: Any, db: Database, settings: Settings) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Api(client, db, settings)


@pytest.fixture(scope="module")
async def snapshot(db: Database) -> AsyncIterator[Snapshot]:
    snap = Snapshot(db)
    yield snap
    await snap.drop()
