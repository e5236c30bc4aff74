"""Denial of service through validation and limits (issue 9).

Each hostile document of the audit is refused with a typed code before anything runs,
and the work of refusing it is bounded: every check walks each fragment once (counted
visits), graphql-core's rules as installed do work linear in the fragment chain
(counted function calls, not timings), ``nodes(ids:)`` runs one statement per type
(counted statements).  ``bench/validation.py`` prints the times.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from graphql import OperationDefinitionNode, parse, validate
from graphql.execution.values import VariableValues, get_variable_values
from starlette.applications import Starlette

from graphql_schema.app import create_app
from graphql_schema.document_limits import ShapeFold
from graphql_schema.fragment_fold import fragments_of
from graphql_schema.ids import to_global_id
from graphql_schema.limits import QueryCost
from graphql_schema.parties import queries as party_queries
from graphql_schema.schema import build_schema
from graphql_schema.validation import RequestValidator
from procurement.config import Settings
from procurement.db import Database
from tests.conftest import StatementCounter
from tests.helpers import Api, Org

GRAPHQL_RESPONSE = "application/graphql-response+json"

# Cost: 1 + 100 * (edges 1 + node 1 + users (1 + 100 * (edges 1 + node 1 + 3 fields)))
EXPENSIVE_COST = 50_301
ORGS_WITH_USERS_VAR = """
query Orgs($n: Int) {
  organizations(first: $n) {
    edges { node { users(first: $n) { edges { node { id email fullName } } } } }
  }
}
"""


def fragment_bomb(levels: int, leaf: str = "me { id }") -> str:
    """The audit's document: each fragment spreads the next twice (2^(levels-1) copies
    of the last one once expanded)."""
    frags = [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels - 1)]
    frags.append(f"fragment F{levels - 1} on Query {{ {leaf} }}")
    return "query Bomb { ...F0 } " + " ".join(frags)


async def post(
    client: httpx.AsyncClient, body: dict[str, Any] | bytes, token: str | None = None
) -> httpx.Response:
    headers = {"content-type": "application/json", "accept": GRAPHQL_RESPONSE}
    if token:
        headers["authorization"] = f"Bearer {token}"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post("/graphql", content=content, headers=headers)


def refused(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """A request refused as a whole with exactly one error of ``code``."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert "data" not in body, body
    assert [e["extensions"]["code"] for e in body["errors"]] == [code], body
    return body["errors"][0]  # type: ignore[no-any-return]


def calls_during(work: Callable[[], object]) -> int:
    """Python function calls made by ``work``: a machine-independent measure of work."""
    calls = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return calls


@pytest.fixture(scope="module")
def validator() -> RequestValidator:
    settings = Settings(SECRET_KEY="x" * 32)  # type: ignore[call-arg]
    return RequestValidator(build_schema(settings)._schema, settings)


@pytest.fixture
def list_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Calls of the organizations list service: empty means nothing was executed."""
    calls: list[dict[str, Any]] = []
    real = party_queries.organizations.list_organizations

    async def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return await real(*args, **kwargs)

    monkeypatch.setattr(party_queries.organizations, "list_organizations", spy)
    return calls


@pytest.fixture
async def org(api: Api) -> Org:
    return await api.org("Northwind", buyer=True)


# --- 1. fragment expansion ---------------------------------------------------------


async def test_fragment_bomb_is_refused_up_front(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """663 bytes, 2^16 copies of ``me`` once expanded: refused by the expanded-size bound
    before any rule walks it (it used to take seconds, then run)."""
    error = refused(await post(client, {"query": fragment_bomb(17)}), 400, "QUERY_TOO_COMPLEX")
    assert error["extensions"]["maxSelections"] == settings.max_selections == 10_000


def test_depth_aliases_and_size_walk_each_fragment_once() -> None:
    document = parse(fragment_bomb(17, leaf="a: me { id }"))
    (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fold = ShapeFold(fragments_of(document.definitions))
    shape = fold.selection_set(operation.selection_set)
    # the values describe the expansion ...
    assert shape.aliases == 2**16
    assert shape.depth == 1
    assert shape.selections == 1 + 2 * (2**16 - 1) + 2 * 2**16  # spreads + (me, id) pairs
    # ... while each fragment was walked once
    assert fold.memo.visits == {f"F{i}": 1 for i in range(17)}


def test_cost_walks_each_fragment_once(validator: RequestValidator) -> None:
    document = parse(fragment_bomb(17))
    (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    variables = get_variable_values(validator.schema, [], {})
    assert isinstance(variables, VariableValues)
    cost = QueryCost(validator.schema, fragments_of(document.definitions), variables)
    assert cost.selection_set(validator.schema.query_type, operation.selection_set) == 2**16 * 2
    assert cost.memo.visits == {f"F{i}": 1 for i in range(17)}


def test_installed_rules_do_work_linear_in_the_fragment_chain(
    validator: RequestValidator,
) -> None:
    """graphql-core's rules and strawberry's, as installed, on the bomb itself (the
    structural limits that refuse it first are bypassed here): twice the fragments,
    about twice the work, where re-walking fragments would be 256 times."""
    short, long = parse(fragment_bomb(8)), parse(fragment_bomb(16))
    rules = validator.rules
    assert validate(validator.schema, long, rules) == []
    work = calls_during(lambda: validate(validator.schema, short, rules))
    more = calls_during(lambda: validate(validator.schema, long, rules))
    assert more < 3 * work, (work, more)
    work = calls_during(lambda: validator.document_errors(short))
    more = calls_during(lambda: validator.document_errors(long))
    assert more < 3 * work, (work, more)


async def test_unused_fragments_are_refused_before_the_rules_walk_them(
    client: httpx.AsyncClient,
) -> None:
    """150 unused fragments nearly fill the token limit; every rule of graphql-core would walk
    them all before one of them reports it (half a second here)."""
    frag = "fragment F{i} on User {{ id email fullName roles organization {{ id name country }} }}"
    query = "{ me { id } } " + " ".join(frag.format(i=i) for i in range(150))
    r = await post(client, {"query": query})
    assert r.status_code == 400, r.text
    errors = r.json()["errors"]
    assert [e["message"] for e in errors] == [f"Fragment 'F{i}' is never used." for i in range(10)]


# --- 2. cost counts what will run ----------------------------------------------------


@pytest.mark.parametrize("n", ["100.0", "1e2", "1.0E2"])
async def test_page_size_as_float_variable_is_costed_as_execution_reads_it(
    client: httpx.AsyncClient, org: Org, list_calls: list[dict[str, Any]], n: str
) -> None:
    """JSON ``1e2`` is the Int 100 to execution (graphql-core coerces integral floats),
    so it costs 100 per page, not the default page size."""
    raw = f'{{"query": {json.dumps(ORGS_WITH_USERS_VAR)}, "variables": {{"n": {n}}}}}'
    error = refused(
        await post(client, raw.encode(), token=org.users["admin"].token), 400, "QUERY_TOO_COMPLEX"
    )
    assert error["extensions"]["cost"] == EXPENSIVE_COST
    assert list_calls == []


async def test_nodes_is_costed_by_its_ids_under_aliases_and_from_variables(
    client: httpx.AsyncClient, org: Org
) -> None:
    """Each alias of ``nodes`` costs its IDs times its selection (here 1 + 10 * 501)."""
    selection = (
        "{ ... on Organization { users(first: 100) { edges { node { id email fullName } } } } }"
    )
    aliases = " ".join(f"a{i}: nodes(ids: $ids) {selection}" for i in range(10))
    query = f"query Many($ids: [ID!]!) {{ {aliases} }}"
    ids = [org.gid] * 10
    error = refused(
        await post(client, {"query": query, "variables": {"ids": ids}}, org.users["admin"].token),
        400,
        "QUERY_TOO_COMPLEX",
    )
    assert error["extensions"]["cost"] == 10 * (1 + 10 * 501)

    r = await post(
        client, {"query": query, "variables": {"ids": ids[:9]}}, org.users["admin"].token
    )
    assert r.status_code == 200, r.text
    assert "errors" not in r.json()


NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id __typename } }"


async def test_nodes_loads_each_type_with_one_statement(
    api: Api, client: httpx.AsyncClient, sql_counter: StatementCounter
) -> None:
    """Twenty users and an organisation: the same statements as for one user (one per
    type), where it used to be a session and a query per ID."""
    mine = await api.org("Mine", buyer=True, users={f"u{i}": ["VIEWER"] for i in range(20)})
    theirs = await api.org("Theirs", buyer=True, users={"admin": ["ORG_ADMIN"]})
    token = mine.users["u0"].token
    users = [a.gid for a in mine.users.values()]

    sql_counter.reset()
    r = await post(client, {"query": NODES, "variables": {"ids": users[:1]}}, token)
    assert r.status_code == 200, r.text
    one = sql_counter.count

    ids = [*users, mine.gid, theirs.gid, theirs.users["admin"].gid, "garbage", users[3]]
    sql_counter.reset()
    r = await post(client, {"query": NODES, "variables": {"ids": ids}}, token)
    assert r.status_code == 200, r.text
    assert sql_counter.count == one + 1, sql_counter.statements  # + the Organization query

    nodes = r.json()["data"]["nodes"]
    assert [n and n["id"] for n in nodes[:20]] == users
    assert nodes[20] == {"id": mine.gid, "__typename": "Organization"}
    # another buyer and its user are invisible, as a malformed ID is: null alike
    assert nodes[21:24] == [None, None, None]
    assert nodes[24] == {"id": users[3], "__typename": "User"}


async def test_node_answers_as_before(api: Api, client: httpx.AsyncClient) -> None:
    mine = await api.org("Mine", buyer=True)
    theirs = await api.org("Theirs", buyer=True)
    query = "query One($id: ID!) { node(id: $id) { id ... on User { email } } }"
    token = mine.users["admin"].token
    r = await post(client, {"query": query, "variables": {"id": mine.users["admin"].gid}}, token)
    assert r.json() == {
        "data": {"node": {"id": mine.users["admin"].gid, "email": mine.users["admin"].email}}
    }
    hidden_ids = [theirs.users["admin"].gid, to_global_id("User", 10**6), "garbage"]
    for hidden in [*hidden_ids, to_global_id("User", 2**64)]:
        r = await post(client, {"query": query, "variables": {"id": hidden}}, token)
        assert r.json() == {"data": {"node": None}}


# --- 3. long inputs --------------------------------------------------------------------


async def test_thousands_of_duplicate_fields_are_refused(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """Every two ``id`` would be compared by the overlap rule (millions of pairs)."""
    query = "{ me { " + "id " * 2900 + "} }"
    error = refused(await post(client, {"query": query}), 400, "QUERY_TOO_COMPLEX")
    assert "'id'" in error["message"]
    assert error["extensions"]["maxMergePairs"] == settings.max_merge_pairs


async def test_duplicates_merged_through_nested_fields_are_counted(
    client: httpx.AsyncClient,
) -> None:
    """``a { x } a { x }`` merges into one ``a`` with ``x`` twice: repeats multiply
    down the tree (4 per level here, 4^4 ``node`` merged at the bottom) even when no
    selection set repeats a field more than 4 times."""

    def tree(names: list[str]) -> str:
        if not names:
            return "id"
        return " ".join([f"{names[0]} {{ {tree(names[1:])} }}"] * 4)

    query = "{ me { " + tree(["organization", "users(first: 1)", "edges", "node"]) + " } }"
    error = refused(await post(client, {"query": query}), 400, "QUERY_TOO_COMPLEX")
    assert "pairs" in error["message"]


async def test_many_fragments_spread_in_one_place_are_refused(client: httpx.AsyncClient) -> None:
    keys = ["id", "email", "fullName", "roles", "organization { id }"]
    spreads = " ".join(f"...F{i}" for i in range(100))
    frags = " ".join(f"fragment F{i} on User {{ {keys[i % 5]} }}" for i in range(100))
    r = await post(client, {"query": "{ me { " + spreads + " } } " + frags})
    refused(r, 400, "QUERY_TOO_COMPLEX")


async def test_ordinary_repeats_through_fragments_run(client: httpx.AsyncClient, org: Org) -> None:
    query = """
    { me { id ...A ...B organization { id ...O } organization { name } } }
    fragment A on User { id email organization { id } }
    fragment B on User { id fullName }
    fragment O on Organization { id name }
    """
    r = await post(client, {"query": query}, org.users["admin"].token)
    assert r.status_code == 200, r.text
    me = r.json()["data"]["me"]
    assert me["email"] == org.users["admin"].email
    assert me["organization"]["name"] == "Northwind"


FILTER_LITERAL = '{ organizations(filter: {text: "%s"}) { totalCount } }'
FILTER_VARIABLE = "query Orgs($f: OrganizationFilter) { organizations(filter: $f) { totalCount } }"


async def test_string_literal_over_the_limit_is_too_long(
    client: httpx.AsyncClient, org: Org, settings: Settings, list_calls: list[dict[str, Any]]
) -> None:
    query = FILTER_LITERAL % ("x" * (settings.max_string_length + 1))
    error = refused(await post(client, {"query": query}, org.users["admin"].token), 400, "TOO_LONG")
    assert error["extensions"]["field"] == "filter.text"
    assert error["extensions"]["maxLength"] == settings.max_string_length == 10_000
    assert list_calls == []


async def test_string_variable_over_the_limit_is_too_long(
    client: httpx.AsyncClient, org: Org, settings: Settings, list_calls: list[dict[str, Any]]
) -> None:
    variables = {"f": {"text": "x" * 900_000}}
    r = await post(
        client, {"query": FILTER_VARIABLE, "variables": variables}, org.users["admin"].token
    )
    error = refused(r, 400, "TOO_LONG")
    assert error["extensions"]["field"] == "f.text"
    assert list_calls == []

    ids = {"ids": [org.gid, "y" * (settings.max_string_length + 1)]}
    r = await post(client, {"query": NODES, "variables": ids}, org.users["admin"].token)
    assert refused(r, 400, "TOO_LONG")["extensions"]["field"] == "ids"


async def test_strings_at_the_limit_run(
    client: httpx.AsyncClient, org: Org, settings: Settings
) -> None:
    text = "x" * settings.max_string_length
    token = org.users["admin"].token
    r = await post(client, {"query": FILTER_LITERAL % text}, token)
    assert r.json() == {"data": {"organizations": {"totalCount": 0}}}, r.text
    r = await post(client, {"query": FILTER_VARIABLE, "variables": {"f": {"text": text}}}, token)
    assert r.json() == {"data": {"organizations": {"totalCount": 0}}}, r.text


async def test_query_text_over_the_limit_is_refused_before_parsing(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """The lexer reads a string literal character by character: a 900 KB literal took
    over a second before any check could see it."""
    query = FILTER_LITERAL % ("x" * settings.max_query_length)
    refused(await post(client, {"query": query}), 413, "TOO_LARGE")


# --- 4. no field suggestions in production ---------------------------------------------


@pytest.fixture
def prod_app(db: Database, database_url: str) -> Starlette:
    settings = Settings(SECRET_KEY="p" * 32, PROCUREMENT_ENV="production")  # type: ignore[call-arg]
    assert not settings.introspection_enabled
    application = create_app(settings, database_url=database_url)
    application.state.db = db
    return application


@pytest.fixture
async def prod_client(prod_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=prod_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://prod") as c:
        yield c


MISTAKES = [
    ({"query": "{ me { emial } }"}, "Cannot query field 'emial'"),
    ({"query": "{ organizations(frist: 1) { totalCount } }"}, "Unknown argument 'frist'"),
    (
        {"query": "query($f: OrganizationFiltr) { organizations(filter: $f) { totalCount } }"},
        "Unknown type 'OrganizationFiltr'",
    ),
    (
        {"query": FILTER_VARIABLE, "variables": {"f": {"verificationStatus": "VERIFIE"}}},
        "VERIFIE",
    ),
    (
        {"query": FILTER_VARIABLE, "variables": {"f": {"isSuplier": True}}},
        "isSuplier",
    ),
]


@pytest.mark.parametrize(("body", "problem"), MISTAKES)
async def test_production_errors_suggest_no_names(
    prod_client: httpx.AsyncClient, client: httpx.AsyncClient, body: dict[str, Any], problem: str
) -> None:
    """Introspection is off in production: an error must not list the schema's names
    either.  Development keeps the suggestions (the control)."""
    r = await post(prod_client, body)
    assert r.status_code == 400, r.text
    messages = " ".join(e["message"] for e in r.json()["errors"])
    assert problem in messages
    assert "Did you mean" not in messages

    r = await post(client, body)
    assert "Did you mean" in " ".join(e["message"] for e in r.json()["errors"])
