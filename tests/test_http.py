"""GraphQL over HTTP: media types, status codes, limits, IDs, error masking, settings.

These tests talk to ``/graphql`` as a client would (raw HTTP through the ASGI app), so
they pin down the contract in ``graphql_schema/http.py``'s docstring: which status code
and media type each kind of failure gets and which ``extensions.code`` a client can
branch on.  Clients (ERP integrations, the web app) depend on these exact values.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from graphql_schema.app import create_app
from graphql_schema.parties import queries as party_queries
from procurement.config import ConfigurationError, Settings
from procurement.db import Database
from procurement.pagination import encode_cursor
from procurement.parties.credentials import issue_tokens
from procurement.parties.models import Organization
from tests.helpers import Api, Org

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

# --- GraphQL documents -------------------------------------------------------------

ME = "{ me { email } }"
TYPENAME = "{ __typename }"
SYNTAX_ERROR = "{ me { email "
UNKNOWN_FIELD = "{ noSuchField }"
NAMED_ME = "query Mine { me { email } }"
INTROSPECTION = "{ __schema { types { name } } }"

ORGANIZATION = "query Org($id: ID!) { organization(id: $id) { id name } }"
NODE = "query Node($id: ID!) { node(id: $id) { id } }"
ORGANIZATIONS_PAGE = """
query Orgs($first: Int, $after: String) {
  organizations(first: $first, after: $after) { edges { cursor node { id } } }
}
"""
ORGANIZATIONS_FIRST_VAR = "query Orgs($n: Int) { organizations(first: $n) { totalCount } }"
ORGANIZATIONS_TOTAL = "{ organizations { totalCount } }"

# Cost: 1 + 100 * (edges 1 + node 1 + users (1 + 100 * (edges 1 + node 1 + 3 fields)))
# = 1 + 100 * (2 + 501) = 50,301 > 50,000.
EXPENSIVE_COST = 50_301
ORGS_WITH_USERS = """
{
  organizations(first: %(first)d) {
    edges { node { users(first: %(first)d) { edges { node { id email fullName } } } } }
  }
}
"""
ORGS_WITH_USERS_VAR = """
query Orgs($n: Int) {
  organizations(first: $n) {
    edges { node { users(first: $n) { edges { node { id email fullName } } } } }
  }
}
"""
ORGS_WITH_USERS_VAR_DEFAULT = """
query Orgs($n: Int = 100) {
  organizations(first: $n) {
    edges { node { users(first: $n) { edges { node { id email fullName } } } } }
  }
}
"""

ORGANIZATION_REGISTER = """
mutation Register($input: OrganizationRegisterInput!) {
  organizationRegister(input: $input) {
    organization { id }
    user { id }
    errors { field code message }
  }
}
"""
REGISTER_INLINE = """
mutation {
  organizationRegister(input: {
    name: "Via Get", country: "DE", baseCurrency: "EUR", isBuyer: true,
    adminEmail: "get@via.example", adminFullName: "Get Via", adminPassword: "Long-pass-2026"
  }) { errors { code } }
}
"""


def register_input(**overrides: Any) -> dict[str, Any]:
    """A valid sign-up input; tests override the one field they want wrong."""
    return {
        "name": "Acme Sourcing",
        "country": "DE",
        "baseCurrency": "EUR",
        "isBuyer": True,
        "adminEmail": "admin@acme.example",
        "adminFullName": "Ada Admin",
        "adminPassword": "Long-pass-2026",
        **overrides,
    }


def deep_query(levels: int) -> str:
    """A query whose fields nest ``levels`` deep (``{ me { id } }`` is 2 levels), walking
    me -> organization -> users -> edges -> node -> organization -> ... ."""
    cycle = ["organization", "users(first: 1)", "edges", "node"]
    leaf = {"me": "id", "organization": "id", "users(first: 1)": "totalCount"}
    leaf |= {"edges": "cursor", "node": "id"}
    wrappers = ["me"] + [cycle[i % len(cycle)] for i in range(levels - 2)]
    inner = leaf[wrappers[-1]]
    for field in reversed(wrappers):
        inner = f"{field} {{ {inner} }}"
    return "{ " + inner + " }"


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


# --- helpers -----------------------------------------------------------------------


async def post(
    client: httpx.AsyncClient,
    body: Any,
    *,
    accept: str | None = GRAPHQL_RESPONSE,
    token: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST a JSON body with full control of Accept (None sends no Accept at all)."""
    h = {"content-type": JSON, **(headers or {})}
    if token:
        h["authorization"] = f"Bearer {token}"
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = client.build_request("POST", "/graphql", content=content, headers=h)
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept
    return await client.send(request)


def media_type(response: httpx.Response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body["errors"]]


def assert_request_error(
    response: httpx.Response, status: int, code: str, media: str = GRAPHQL_RESPONSE
) -> dict[str, Any]:
    """A request refused as a whole: exact status, media type, one error, no ``data``."""
    assert response.status_code == status, response.text
    assert media_type(response) == media
    body: dict[str, Any] = response.json()
    assert "data" not in body, body
    assert error_codes(body) == [code], body
    return body


def field_error(response: httpx.Response, field: str, *, nullable: bool = True) -> dict[str, Any]:
    """A field error: HTTP 200, exactly one error on that path, and the field null (or,
    for a non-null field, ``data`` itself null, as null propagates up)."""
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["data"] == ({field: None} if nullable else None), body
    (error,) = body["errors"]
    assert error["path"] == [field]
    return error  # type: ignore[no-any-return]


Calls = list[dict[str, Any]]


@pytest.fixture
def list_calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Records every call of the organizations list service (and still runs it), so a
    test can tell whether a refused document reached execution at all."""
    calls: Calls = []
    real = party_queries.organizations.list_organizations

    async def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs)
        return await real(*args, **kwargs)

    monkeypatch.setattr(party_queries.organizations, "list_organizations", spy)
    return calls


@pytest.fixture
async def org(api: Api) -> Org:
    return await api.org("Northwind", buyer=True)


@pytest.fixture
def token(org: Org) -> str:
    return org.users["admin"].token


async def organization_count(db: Database) -> int:
    async with db.read() as s:
        return int((await s.execute(select(func.count()).select_from(Organization))).scalar_one())


# --- 1. media types ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (JSON, JSON),
        (None, GRAPHQL_RESPONSE),
        ("*/*", GRAPHQL_RESPONSE),
        (f"{JSON}, {GRAPHQL_RESPONSE};q=0.9", GRAPHQL_RESPONSE),
    ],
)
async def test_response_media_type_follows_accept(
    client: httpx.AsyncClient, accept: str | None, expected: str
) -> None:
    """The spec's media type is preferred whenever the client accepts it; legacy
    clients asking only for application/json still get it."""
    r = await post(client, {"query": TYPENAME}, accept=accept)
    assert r.status_code == 200, r.text
    assert media_type(r) == expected
    assert r.json() == {"data": {"__typename": "Query"}}


async def test_unacceptable_accept_is_406(client: httpx.AsyncClient) -> None:
    """A client that accepts neither JSON media type cannot read any answer."""
    r = await post(client, {"query": TYPENAME}, accept="text/plain")
    assert_request_error(r, 406, "NOT_ACCEPTABLE", media=JSON)


# --- 2. request errors -------------------------------------------------------------


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
async def test_malformed_json_is_400_under_either_media_type(
    client: httpx.AsyncClient, accept: str
) -> None:
    """An unparseable body is a plain bad request, even for legacy JSON clients."""
    r = await post(client, b'{"query": "{ me { email } }"', accept=accept)
    body = assert_request_error(r, 400, "BAD_REQUEST", media=accept)
    assert "JSON" in body["errors"][0]["message"]


async def test_batched_request_is_refused(client: httpx.AsyncClient) -> None:
    """Batching would multiply every per-request limit, so it is not offered."""
    r = await post(client, [{"query": TYPENAME}, {"query": TYPENAME}])
    body = assert_request_error(r, 400, "BAD_REQUEST")
    assert "batch" in body["errors"][0]["message"].lower()


@pytest.mark.parametrize("payload", ["{ me { email } }", 42, None])
async def test_body_that_is_not_an_object_is_400(client: httpx.AsyncClient, payload: Any) -> None:
    r = await post(client, payload)
    body = assert_request_error(r, 400, "BAD_REQUEST")
    assert "object" in body["errors"][0]["message"]


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, JSON])
@pytest.mark.parametrize(
    "payload", [{}, {"query": ""}, {"query": "   "}, {"query": 5}, {"variables": {}}]
)
async def test_missing_query_is_400(
    client: httpx.AsyncClient, payload: dict[str, Any], accept: str
) -> None:
    r = await post(client, payload, accept=accept)
    body = assert_request_error(r, 400, "BAD_REQUEST", media=accept)
    assert "query" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    ("payload", "word"),
    [
        ({"query": TYPENAME, "variables": [1]}, "variables"),
        ({"query": TYPENAME, "operationName": 7}, "operationName"),
    ],
)
async def test_malformed_parameters_are_400(
    client: httpx.AsyncClient, payload: dict[str, Any], word: str
) -> None:
    r = await post(client, payload)
    body = assert_request_error(r, 400, "BAD_REQUEST")
    assert word in body["errors"][0]["message"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
async def test_wrong_content_type_is_415(client: httpx.AsyncClient, content_type: str) -> None:
    """Only JSON bodies are read; a form post cannot slip a query in (CSRF)."""
    r = await client.post(
        "/graphql",
        content=json.dumps({"query": TYPENAME}).encode(),
        headers={"content-type": content_type, "accept": GRAPHQL_RESPONSE},
    )
    assert_request_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")


async def test_content_type_with_charset_is_accepted(client: httpx.AsyncClient) -> None:
    r = await post(client, {"query": TYPENAME}, headers={"content-type": f"{JSON}; charset=utf-8"})
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"__typename": "Query"}}


def oversized_body(settings: Settings) -> bytes:
    """Valid JSON one byte over the limit, so only its size can be refused."""
    prefix = b'{"query": "{ __typename }", "pad": "'
    pad = settings.max_body_bytes - len(prefix) - 2 + 1
    body = prefix + b"x" * pad + b'"}'
    assert len(body) == settings.max_body_bytes + 1
    return body


async def test_body_over_the_limit_is_413(client: httpx.AsyncClient, settings: Settings) -> None:
    """Refused from its Content-Length, before the body is read into memory."""
    r = await post(client, oversized_body(settings))
    assert_request_error(r, 413, "TOO_LARGE")


async def test_chunked_body_over_the_limit_is_413(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    """Without a Content-Length the stream is counted while it is read."""
    data = oversized_body(settings)

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(data), 64_000):
            yield data[i : i + 64_000]

    r = await client.post(
        "/graphql",
        content=chunks(),
        headers={"content-type": JSON, "accept": GRAPHQL_RESPONSE},
    )
    assert "content-length" not in r.request.headers
    assert_request_error(r, 413, "TOO_LARGE")


async def test_body_at_the_limit_is_read(client: httpx.AsyncClient, settings: Settings) -> None:
    body = oversized_body(settings)
    body = body[:-3] + b'"}'
    assert len(body) == settings.max_body_bytes
    r = await post(client, body)
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"__typename": "Query"}}


# --- 3. document errors ------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [(SYNTAX_ERROR, "GRAPHQL_PARSE_FAILED"), (UNKNOWN_FIELD, "GRAPHQL_VALIDATION_FAILED")],
)
@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE, 400), (JSON, 200)])
async def test_document_errors(
    client: httpx.AsyncClient, query: str, code: str, accept: str, status: int
) -> None:
    """A document that fails to parse or validate is a request error: 400 with the
    spec's media type, 200 with legacy JSON (as the spec asks), never a ``data`` key."""
    r = await post(client, {"query": query}, accept=accept)
    body = assert_request_error(r, status, code, media=accept)
    assert body["errors"][0]["locations"]


@pytest.fixture
async def lenient_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """Like ``client`` but an unhandled exception becomes the 500 a real server would
    send, so a test fails on the status code instead of the exception."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.mark.parametrize(("accept", "status"), [(GRAPHQL_RESPONSE, 400), (JSON, 200)])
async def test_unknown_operation_name_is_a_request_error(
    lenient_client: httpx.AsyncClient, accept: str, status: int
) -> None:
    """An operationName naming no operation in the document is a GraphQL request error,
    answered like a validation failure, not a server crash (500)."""
    r = await post(lenient_client, {"query": NAMED_ME, "operationName": "Other"}, accept=accept)
    body = assert_request_error(r, status, "GRAPHQL_VALIDATION_FAILED", media=accept)
    assert "Other" in body["errors"][0]["message"]


async def test_operation_name_picks_the_operation(client: httpx.AsyncClient) -> None:
    r = await post(
        client, {"query": f"{NAMED_ME} query Other {{ __typename }}", "operationName": "Other"}
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"__typename": "Query"}}


async def test_variable_of_the_wrong_type_is_400_and_runs_nothing(
    client: httpx.AsyncClient, token: str, list_calls: Calls
) -> None:
    """Variables are coerced before execution: a bad one refuses the whole request."""
    r = await post(
        client, {"query": ORGANIZATIONS_FIRST_VAR, "variables": {"n": "abc"}}, token=token
    )
    body = assert_request_error(r, 400, "GRAPHQL_VALIDATION_FAILED")
    assert "$n" in body["errors"][0]["message"]
    assert list_calls == []


async def test_missing_required_variable_is_400(client: httpx.AsyncClient) -> None:
    r = await post(client, {"query": NODE, "variables": {}})
    body = assert_request_error(r, 400, "GRAPHQL_VALIDATION_FAILED")
    assert "$id" in body["errors"][0]["message"]


# --- 4. GET ------------------------------------------------------------------------


async def test_query_over_get(client: httpx.AsyncClient, org: Org, token: str) -> None:
    r = await client.get(
        "/graphql",
        params={"query": ORGANIZATION, "variables": json.dumps({"id": org.gid})},
        headers={"accept": GRAPHQL_RESPONSE, "authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200, r.text
    assert media_type(r) == GRAPHQL_RESPONSE
    assert r.json() == {"data": {"organization": {"id": org.gid, "name": "Northwind"}}}


async def test_get_with_variables_that_are_not_json_is_400(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/graphql",
        params={"query": NODE, "variables": "{not json"},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert_request_error(r, 400, "BAD_REQUEST")


async def test_get_without_query_is_400(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql", headers={"accept": GRAPHQL_RESPONSE})
    assert_request_error(r, 400, "BAD_REQUEST")


async def test_mutation_over_get_is_405_and_changes_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    """GET must be safe (links, prefetching, CSRF): mutations go over POST only."""
    r = await client.get(
        "/graphql", params={"query": REGISTER_INLINE}, headers={"accept": GRAPHQL_RESPONSE}
    )
    assert_request_error(r, 405, "METHOD_NOT_ALLOWED")
    assert r.headers["allow"] == "POST"
    assert await organization_count(db) == 0


async def test_same_mutation_over_post_runs(client: httpx.AsyncClient, db: Database) -> None:
    """The control for the test above: the mutation itself is fine."""
    r = await post(client, {"query": REGISTER_INLINE})
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"organizationRegister": {"errors": []}}}
    assert await organization_count(db) == 1


async def test_graphiql_page_in_development(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql", headers={"accept": "text/html,application/xhtml+xml"})
    assert r.status_code == 200
    assert media_type(r) == "text/html"
    assert "graphiql" in r.text.lower()


# --- 5. limits ---------------------------------------------------------------------


async def test_query_at_the_depth_limit_runs(
    client: httpx.AsyncClient, settings: Settings, org: Org, token: str
) -> None:
    """Depth counts from 0 at the top-level fields, so ``max_query_depth + 1`` nested
    levels is the deepest allowed; the next test adds one level."""
    r = await post(client, {"query": deep_query(settings.max_query_depth + 1)}, token=token)
    assert r.status_code == 200, r.text
    assert "errors" not in r.json()


async def test_query_over_the_depth_limit_is_refused(
    client: httpx.AsyncClient, settings: Settings, token: str
) -> None:
    r = await post(client, {"query": deep_query(settings.max_query_depth + 2)}, token=token)
    body = assert_request_error(r, 400, "GRAPHQL_VALIDATION_FAILED")
    assert f"depth of {settings.max_query_depth}" in body["errors"][0]["message"]


async def test_aliases_up_to_the_limit_run(client: httpx.AsyncClient, settings: Settings) -> None:
    r = await post(client, {"query": aliases(settings.max_aliases)})
    assert r.status_code == 200, r.text
    assert len(r.json()["data"]) == settings.max_aliases


async def test_too_many_aliases_are_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    """Aliases would let one request run the same expensive field many times."""
    r = await post(client, {"query": aliases(settings.max_aliases + 1)})
    body = assert_request_error(r, 400, "GRAPHQL_VALIDATION_FAILED")
    assert f"Allowed: {settings.max_aliases}" in body["errors"][0]["message"]


async def test_too_many_tokens_are_refused(client: httpx.AsyncClient, settings: Settings) -> None:
    """The parser stops early, so a huge document costs little to refuse."""
    query = "{ " + "__typename " * settings.max_tokens + "}"
    r = await post(client, {"query": query})
    body = assert_request_error(r, 400, "GRAPHQL_PARSE_FAILED")
    assert str(settings.max_tokens) in body["errors"][0]["message"]


async def test_expensive_query_is_refused_before_execution(
    client: httpx.AsyncClient, settings: Settings, token: str, list_calls: Calls
) -> None:
    r = await post(client, {"query": ORGS_WITH_USERS % {"first": 100}}, token=token)
    body = assert_request_error(r, 400, "QUERY_TOO_COMPLEX")
    ext = body["errors"][0]["extensions"]
    assert ext["cost"] == EXPENSIVE_COST
    assert ext["maxCost"] == settings.max_query_cost == 50_000
    assert list_calls == []


async def test_expensive_query_is_refused_for_legacy_json_clients_too(
    client: httpx.AsyncClient, token: str, list_calls: Calls
) -> None:
    r = await post(client, {"query": ORGS_WITH_USERS % {"first": 100}}, token=token, accept=JSON)
    assert_request_error(r, 200, "QUERY_TOO_COMPLEX", media=JSON)
    assert list_calls == []


async def test_same_query_with_small_pages_runs(
    client: httpx.AsyncClient, org: Org, token: str, list_calls: Calls
) -> None:
    r = await post(client, {"query": ORGS_WITH_USERS % {"first": 5}}, token=token)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body
    (edge,) = body["data"]["organizations"]["edges"]
    (user,) = edge["node"]["users"]["edges"]
    assert user["node"]["email"] == org.users["admin"].email
    assert len(list_calls) == 1


async def test_cost_counts_page_size_passed_as_variable(
    client: httpx.AsyncClient, token: str, list_calls: Calls
) -> None:
    """ERP clients pass ``first`` as a variable; it must not be a way around the limit."""
    r = await post(client, {"query": ORGS_WITH_USERS_VAR, "variables": {"n": 100}}, token=token)
    body = assert_request_error(r, 400, "QUERY_TOO_COMPLEX")
    assert body["errors"][0]["extensions"]["cost"] == EXPENSIVE_COST
    assert list_calls == []

    r = await post(client, {"query": ORGS_WITH_USERS_VAR, "variables": {"n": 2}}, token=token)
    assert r.status_code == 200, r.text
    assert "errors" not in r.json()
    assert len(list_calls) == 1


async def test_cost_counts_page_size_from_a_variable_default(
    client: httpx.AsyncClient, token: str, list_calls: Calls
) -> None:
    """``$n: Int = 100`` with no variables sent executes with 100 per page, so it must
    cost the same as passing 100."""
    r = await post(client, {"query": ORGS_WITH_USERS_VAR_DEFAULT}, token=token)
    body = assert_request_error(r, 400, "QUERY_TOO_COMPLEX")
    assert body["errors"][0]["extensions"]["cost"] == EXPENSIVE_COST
    assert list_calls == []


# --- 6. IDs and pages --------------------------------------------------------------


async def test_malformed_id_is_invalid_id(client: httpx.AsyncClient, token: str) -> None:
    r = await post(client, {"query": ORGANIZATION, "variables": {"id": "garbage"}}, token=token)
    error = field_error(r, "organization")
    assert error["extensions"]["code"] == "INVALID_ID"
    assert error["extensions"]["field"] == "id"


async def test_id_of_another_type_is_invalid_id(
    client: httpx.AsyncClient, org: Org, token: str
) -> None:
    """A User's ID must not be read as an organisation's database id."""
    user_gid = org.users["admin"].gid
    r = await post(client, {"query": ORGANIZATION, "variables": {"id": user_gid}}, token=token)
    error = field_error(r, "organization")
    assert error["extensions"]["code"] == "INVALID_ID"
    assert "User" in error["message"]


async def test_node_with_malformed_id_is_null_without_error(
    client: httpx.AsyncClient, token: str
) -> None:
    """``node`` must not tell a bad ID from a hidden or missing object."""
    r = await post(client, {"query": NODE, "variables": {"id": "garbage"}}, token=token)
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"node": None}}


async def test_node_with_valid_id_resolves(client: httpx.AsyncClient, org: Org, token: str) -> None:
    """The control for the test above."""
    r = await post(client, {"query": NODE, "variables": {"id": org.gid}}, token=token)
    assert r.json() == {"data": {"node": {"id": org.gid}}}


@pytest.mark.parametrize("first", [101, -1])
async def test_page_size_out_of_range_is_invalid(
    client: httpx.AsyncClient, token: str, first: int
) -> None:
    r = await post(
        client, {"query": ORGANIZATIONS_PAGE, "variables": {"first": first}}, token=token
    )
    error = field_error(r, "organizations", nullable=False)
    assert error["extensions"] == {"code": "INVALID", "field": "first"}


@pytest.mark.parametrize(
    "cursor",
    ["garbage", encode_cursor(["only-one-value"]), encode_cursor(["northwind", "not-an-id"])],
)
async def test_invalid_cursor_is_invalid(
    client: httpx.AsyncClient, org: Org, token: str, cursor: str
) -> None:
    r = await post(
        client, {"query": ORGANIZATIONS_PAGE, "variables": {"after": cursor}}, token=token
    )
    error = field_error(r, "organizations", nullable=False)
    assert error["extensions"] == {"code": "INVALID_CURSOR", "field": "after"}


async def test_valid_cursor_resumes_after_it(client: httpx.AsyncClient, api: Api) -> None:
    """The control for the cursor tests: a cursor from the API itself works."""
    admin = (await api.org("Alpha", buyer=True)).users["admin"]
    await api.org("Beta", supplier=True)
    await api.org("Gamma", supplier=True)
    first = await post(
        client, {"query": ORGANIZATIONS_PAGE, "variables": {"first": 2}}, token=admin.token
    )
    edges = first.json()["data"]["organizations"]["edges"]
    assert len(edges) == 2
    rest = await post(
        client,
        {"query": ORGANIZATIONS_PAGE, "variables": {"after": edges[-1]["cursor"]}},
        token=admin.token,
    )
    assert rest.status_code == 200, rest.text
    assert len(rest.json()["data"]["organizations"]["edges"]) == 1


# --- 7. error masking --------------------------------------------------------------


async def test_unexpected_errors_are_masked(
    client: httpx.AsyncClient,
    token: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bug must not leak internals to the client; the server log keeps the details."""

    async def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(party_queries.organizations, "list_organizations", boom)
    with caplog.at_level(logging.ERROR, logger="procurement.graphql"):
        r = await post(client, {"query": ORGANIZATIONS_TOTAL}, token=token)

    assert r.status_code == 200, r.text
    assert media_type(r) == GRAPHQL_RESPONSE
    assert "secret internal detail" not in r.text
    assert "Traceback" not in r.text
    assert "RuntimeError" not in r.text
    body = r.json()
    assert body["data"] is None
    (error,) = body["errors"]
    assert error["message"] == "Unexpected error."
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert error["path"] == ["organizations"]
    logged = [rec for rec in caplog.records if rec.name == "procurement.graphql"]
    assert any(
        rec.exc_info and "secret internal detail" in str(rec.exc_info[1]) for rec in logged
    ), "the unexpected error must be logged in full on the server"


async def test_domain_errors_are_not_masked(client: httpx.AsyncClient) -> None:
    """Client mistakes keep their message and code (here: listing without signing in)."""
    r = await post(client, {"query": ORGANIZATIONS_TOTAL})
    error = field_error(r, "organizations", nullable=False)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"] != "Unexpected error."


# --- 8. authentication header ------------------------------------------------------


@pytest.mark.parametrize("header", ["Basic xyz", "Bearer", "Bearer   ", "token-without-scheme"])
async def test_authorization_without_bearer_token_is_401(
    client: httpx.AsyncClient, header: str
) -> None:
    r = await post(client, {"query": ME}, headers={"authorization": header})
    assert_request_error(r, 401, "UNAUTHENTICATED")
    assert r.headers["www-authenticate"] == "Bearer"


async def test_invalid_bearer_token_is_401(client: httpx.AsyncClient) -> None:
    """A bad token is refused rather than silently treated as anonymous, so a client
    notices an expired session instead of seeing empty data."""
    r = await post(client, {"query": ME}, headers={"authorization": "Bearer garbage"})
    assert_request_error(r, 401, "UNAUTHENTICATED")
    assert r.headers["www-authenticate"] == 'Bearer error="invalid_token"'


async def test_expired_token_is_401(
    client: httpx.AsyncClient, org: Org, settings: Settings
) -> None:
    actor = org.users["admin"]
    expired = issue_tokens(
        user_id=actor.user_id,
        organization_id=actor.organization_id,
        secret=settings.resolved_secret_key(),
        access_minutes=-1,
        refresh_days=1,
    ).access_token
    r = await post(client, {"query": ME}, token=expired)
    assert_request_error(r, 401, "UNAUTHENTICATED")
    assert "invalid_token" in r.headers["www-authenticate"]


async def test_bearer_scheme_is_case_insensitive(client: httpx.AsyncClient, org: Org) -> None:
    actor = org.users["admin"]
    r = await post(client, {"query": ME}, headers={"authorization": f"bearer {actor.token}"})
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"me": {"email": actor.email}}}


async def test_valid_token_signs_in(client: httpx.AsyncClient, org: Org) -> None:
    actor = org.users["admin"]
    r = await post(client, {"query": ME}, token=actor.token)
    assert r.status_code == 200, r.text
    assert "www-authenticate" not in r.headers
    assert r.json() == {"data": {"me": {"email": actor.email}}}


async def test_no_authorization_is_anonymous(client: httpx.AsyncClient) -> None:
    r = await post(client, {"query": ME})
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"me": None}}


# --- 9. request id -----------------------------------------------------------------


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    """A caller's id ties its logs to ours."""
    r = await post(client, {"query": TYPENAME}, headers={"x-request-id": "abc-123"})
    assert r.status_code == 200
    assert r.headers["x-request-id"] == "abc-123"


async def test_request_id_is_echoed_on_errors_too(client: httpx.AsyncClient) -> None:
    r = await post(client, [], headers={"x-request-id": "abc-123"})
    assert r.status_code == 400
    assert r.headers["x-request-id"] == "abc-123"


async def test_request_id_is_generated_when_absent(client: httpx.AsyncClient) -> None:
    first = await post(client, {"query": TYPENAME})
    second = await post(client, {"query": TYPENAME})
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids), ids
    assert ids[0] != ids[1]


@pytest.mark.parametrize("given", ["has space", "a" * 101, "line\tbreak", "<script>"])
async def test_unsafe_request_id_is_replaced(client: httpx.AsyncClient, given: str) -> None:
    """A caller must not be able to put arbitrary text into our logs and headers."""
    r = await post(client, {"query": TYPENAME}, headers={"x-request-id": given})
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])


# --- 10. production settings -------------------------------------------------------

PROD_SECRET = "x" * 32


@pytest.fixture
def prod_app(db: Database, database_url: str) -> Starlette:
    """A production app sharing the test database; its lifespan is not run (it would
    open a second pool), the running Database is handed over instead."""
    prod_settings = Settings(SECRET_KEY=PROD_SECRET, PROCUREMENT_ENV="production")  # type: ignore[call-arg]
    assert prod_settings.is_production
    application = create_app(prod_settings, database_url=database_url)
    application.state.db = db
    return application


@pytest.fixture
async def prod_client(prod_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=prod_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://prod") as c:
        yield c


async def test_production_refuses_introspection(prod_client: httpx.AsyncClient) -> None:
    r = await post(prod_client, {"query": INTROSPECTION})
    assert r.status_code == 400, r.text
    assert media_type(r) == GRAPHQL_RESPONSE
    body = r.json()
    assert "data" not in body
    assert body["errors"], body
    assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert all("introspection" in e["message"].lower() for e in body["errors"])


async def test_development_allows_introspection(client: httpx.AsyncClient) -> None:
    """The control for the test above."""
    r = await post(client, {"query": INTROSPECTION})
    assert r.status_code == 200, r.text
    names = {t["name"] for t in r.json()["data"]["__schema"]["types"]}
    assert {"Organization", "User", "ErrorCode"} <= names


async def test_production_has_no_graphiql(prod_client: httpx.AsyncClient) -> None:
    r = await prod_client.get("/graphql", headers={"accept": "text/html"})
    assert r.status_code == 404
    assert "graphiql" not in r.text.lower()


async def test_production_serves_queries(prod_client: httpx.AsyncClient, org: Org) -> None:
    """Tokens are signed with the production key; the development key is not accepted."""
    actor = org.users["admin"]
    prod_token = issue_tokens(
        user_id=actor.user_id,
        organization_id=actor.organization_id,
        secret=PROD_SECRET,
        access_minutes=5,
        refresh_days=1,
    ).access_token
    r = await post(prod_client, {"query": ME}, token=prod_token)
    assert r.status_code == 200, r.text
    assert r.json() == {"data": {"me": {"email": actor.email}}}

    r = await post(prod_client, {"query": ME}, token=actor.token)
    assert_request_error(r, 401, "UNAUTHENTICATED")


def test_production_without_secret_key_does_not_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(Settings(PROCUREMENT_ENV="production"))  # type: ignore[call-arg]


# --- 11. mutation payload errors ---------------------------------------------------


async def test_business_error_is_a_payload_error_and_writes_nothing(api: Api, db: Database) -> None:
    """A refused mutation is a normal answer (HTTP 200, ``errors`` in the payload), not
    a GraphQL error, and its transaction is rolled back."""
    r = await api.raw(ORGANIZATION_REGISTER, {"input": register_input(baseCurrency="XYZ")})
    assert r.status_code == 200, r.text
    assert media_type(r) == GRAPHQL_RESPONSE
    body = r.json()
    assert "errors" not in body
    payload = body["data"]["organizationRegister"]
    assert payload["organization"] is None
    assert payload["user"] is None
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [
        ("baseCurrency", "INVALID_CURRENCY")
    ]
    assert "XYZ" in payload["errors"][0]["message"]
    assert await organization_count(db) == 0


async def test_every_input_problem_is_reported_at_once(api: Api, db: Database) -> None:
    payload = await api.mutate(
        ORGANIZATION_REGISTER,
        register_input(baseCurrency="XYZ", country="ZZ", adminEmail="not-an-email"),
    )
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("baseCurrency", "INVALID_CURRENCY"),
        ("country", "INVALID_COUNTRY"),
        ("adminEmail", "INVALID_EMAIL"),
    }
    assert await organization_count(db) == 0


async def test_valid_registration_creates_the_organization(api: Api, db: Database) -> None:
    """The control for the tests above: the same input with a real currency works."""
    payload = await api.mutate(ORGANIZATION_REGISTER, register_input())
    assert payload["errors"] == []
    assert payload["organization"]["id"]
    assert await organization_count(db) == 1
