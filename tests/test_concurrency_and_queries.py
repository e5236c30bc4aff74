"""Sibling fields resolved concurrently, and no N+1 on nested relations."""

from __future__ import annotations

from typing import Any

from procurement.db import Database
from tests.conftest import StatementCounter
from tests.helpers import Api

SIBLINGS = """
query Siblings {
  a: organizations(first: 10) { totalCount edges { node { name categories { code } } } }
  b: organizations(first: 10) { edges { node { name users { totalCount } } } }
  c: categories { code children { code } }
  me { email organization { name } }
}
"""

NESTED = """
query Nested($first: Int!) {
  organizations(first: $first) {
    edges { node { name categories { code name parent { code children { code } } } } }
  }
}
"""


async def test_sibling_lists_on_a_fresh_engine(api: Api, database_url: str, db: Database) -> None:
    """A cold pool is where a shared session fails ("concurrent operations are not
    permitted"); every resolver here opens its own."""
    org = await api.org(buyer=True)
    for i in range(3):
        await api.org(f"S{i}", supplier=True)
    await db.engine.dispose()  # cold pool: every sibling needs a new connection
    for _ in range(5):
        r = await api.raw(SIBLINGS, token=org.users["admin"].token)
        body: dict[str, Any] = r.json()
        assert r.status_code == 200 and "errors" not in body, body
        assert body["data"]["a"]["totalCount"] == 4
        assert [e["node"]["name"] for e in body["data"]["b"]["edges"]][:3] == ["S0", "S1", "S2"]


async def _suppliers(api: Api, n: int) -> str:
    await api.category("31000000", "Components")
    for code in ("31160000", "31170000"):
        await api.category(code, parent="31000000")
    for i in range(n):
        await api.org(f"Supplier {i:03}", supplier=True, category_codes=["31160000", "31170000"])
    viewer = await api.org("Viewer Buyer", buyer=True)
    return viewer.users["admin"].token


async def test_nested_relations_use_a_constant_number_of_statements(
    api: Api, sql_counter: StatementCounter
) -> None:
    token = await _suppliers(api, 50)
    counts = {}
    for first in (5, 50):
        sql_counter.reset()
        data = await api.gql(NESTED, {"first": first}, token)
        assert len(data["organizations"]["edges"]) == first
        node = data["organizations"]["edges"][0]["node"]
        assert [c["code"] for c in node["categories"]] == ["31160000", "31170000"]
        assert node["categories"][0]["parent"]["children"] == [
            {"code": "31160000"},
            {"code": "31170000"},
        ]
        counts[first] = sql_counter.count
    # viewer lookup, page, categories batch, parents batch, children batch
    assert counts[5] == counts[50] == 5, counts
