"""Who may replay a stored response (issue 9: "idempotent replays cross principals").

A stored response can hold anything the mutation returned, so it is replayed only to the
principal (user or API key) that made it, never holds a secret, and is never made for an
anonymous request.  Each test checks the stored rows as well as the HTTP answer: the
refusals must write nothing, and what is written names its principal.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLObjectType, GraphQLScalarType, get_named_type
from graphql import build_schema as build_sdl_schema
from sqlalchemy import text

from graphql_schema.idempotent import mutation_fields, reachable_secret_fields, secret_mutations
from procurement.idempotency import is_secret_field, request_hash
from procurement.idempotency_models import IdempotencyRecord
from tests.helpers import PASSWORD, Api, rows
from tests.ordering_docs import PO_CREATE, Shop
from tests.test_auth import API_KEY_CREATE, TOKEN_CREATE, TOKEN_REFRESH
from tests.test_idempotency import create_input, order_count, payload, records, send, top_code

KNOWN_SECRET_MUTATIONS = {"apiKeyCreate", "tokenCreate", "tokenRefresh"}


async def api_key(api: Api, shop: Shop, name: str, roles: list[str]) -> tuple[int, str]:
    """(database id, bearer secret) of a new API key of the buyer organisation."""
    p = await api.mutate(API_KEY_CREATE, {"name": name, "roles": roles}, shop.token("admin"))
    assert p["errors"] == [], p
    (key_id,) = (await rows(api.db, "SELECT id FROM api_key WHERE name = :n", n=name))[0]
    return key_id, p["secret"]


def principal(rec: IdempotencyRecord) -> tuple[int | None, int | None]:
    return rec.user_id, rec.api_key_id


# --- bound to the principal ---------------------------------------------------------


@pytest.mark.parametrize("other", ["buyer2", "viewer", "admin"])
async def test_another_user_of_the_organisation_gets_no_replay(api: Api, other: str) -> None:
    """The audit's finding: a colleague (even a VIEWER) sending the same key and body got
    the stored response.  Now it is 422 IDEMPOTENCY_KEY_REUSED, whatever the body (so the
    answer reveals nothing about the stored request), and the record is untouched."""
    shop = await Shop(api).setup()
    variables = create_input(shop)
    first = await send(api, variables, shop.token("buyer"), "erp-shared")
    assert payload(first)["errors"] == []
    (before,) = await records(api)
    assert principal(before) == (shop.buyer.users["buyer"].user_id, None)

    for body in (variables, create_input(shop, "70")):
        r = await send(api, body, shop.token(other), "erp-shared")
        assert r.status_code == 422, r.text
        assert top_code(r) == "IDEMPOTENCY_KEY_REUSED"
        assert "another user or API key" in r.json()["errors"][0]["message"]
        assert "data" not in r.json() and "idempotency-replayed" not in r.headers
        assert "purchaseOrders" not in r.text

    (after,) = await records(api)
    assert (principal(after), after.request_hash, after.response) == (
        principal(before),
        before.request_hash,
        before.response,
    )
    assert await order_count(api) == 1
    # the principal that made it still gets its replay
    again = await send(api, variables, shop.token("buyer"), "erp-shared")
    assert again.headers.get("idempotency-replayed") == "true"
    assert again.content == first.content


async def test_api_keys_are_principals_of_their_own(api: Api) -> None:
    """An ERP's API key and the people of its organisation (and its other keys) do not
    share stored responses: each key replays only what it made itself."""
    shop = await Shop(api).setup()
    erp_id, erp = await api_key(api, shop, "erp", ["BUYER"])
    _, reporting = await api_key(api, shop, "reporting", ["VIEWER"])
    variables = create_input(shop)
    first = await send(api, variables, erp, "po-77")
    assert payload(first)["errors"] == []
    (rec,) = await records(api)
    assert principal(rec) == (None, erp_id)

    for token in (reporting, shop.token("buyer"), shop.token("admin")):
        r = await send(api, variables, token, "po-77")
        assert r.status_code == 422 and top_code(r) == "IDEMPOTENCY_KEY_REUSED", r.text
        assert "idempotency-replayed" not in r.headers
    again = await send(api, variables, erp, "po-77")
    assert again.headers.get("idempotency-replayed") == "true"
    assert again.content == first.content
    assert await order_count(api) == 1
    (same,) = await records(api)
    assert (principal(same), same.response) == ((None, erp_id), rec.response)


async def test_records_from_before_principals_replay_to_no_one(api: Api) -> None:
    """Records written before revision 0005_idem name no principal (and the migration
    erased their responses): a retry is refused, neither replayed nor run again."""
    shop = await Shop(api).setup()
    variables = create_input(shop)
    digest = request_hash(PO_CREATE, variables, None)
    async with api.db.transaction() as s:
        s.add(IdempotencyRecord(organization_id=shop.buyer.id, key="old", request_hash=digest))
    r = await send(api, variables, shop.token("buyer"), "old")
    assert r.status_code == 422 and top_code(r) == "IDEMPOTENCY_KEY_REUSED", r.text
    assert await order_count(api) == 0
    (rec,) = await records(api)
    assert (principal(rec), rec.response) == ((None, None), None)


async def test_one_principal_per_record_is_enforced_by_the_database(api: Api) -> None:
    shop = await Shop(api).setup()
    uid = shop.buyer.users["buyer"].user_id
    with pytest.raises(Exception, match="ck_idempotency_record_principal"):
        async with api.db.transaction() as s:
            await s.execute(
                text(
                    "INSERT INTO idempotency_record (organization_id, key, request_hash, "
                    "user_id, api_key_id) VALUES (:o, 'k', 'h', :u, 1)"
                ),
                {"o": shop.buyer.id, "u": uid},
            )


# --- anonymous ----------------------------------------------------------------------


async def test_anonymous_mutations_with_a_key_are_refused(api: Api) -> None:
    """An anonymous request has no principal to bind a response to; before, sign-ins were
    stored under "organisation 0" with their tokens in plaintext.  Now 401, nothing runs,
    nothing is stored."""
    shop = await Shop(api).setup()
    sign_in = {"input": {"email": shop.buyer.users["buyer"].email, "password": PASSWORD}}
    r = await api.raw(TOKEN_CREATE, sign_in, None, headers={"Idempotency-Key": "anon-1"})
    assert r.status_code == 401, r.text
    assert top_code(r) == "UNAUTHENTICATED"
    assert r.headers["www-authenticate"] == "Bearer"
    assert "data" not in r.json() and "accessToken" not in r.text
    # a mutation that anyone may call anonymously is refused the same way, before it runs
    r = await api.raw(PO_CREATE, create_input(shop), None, headers={"Idempotency-Key": "anon-2"})
    assert r.status_code == 401 and top_code(r) == "UNAUTHENTICATED", r.text
    assert await records(api) == []
    # without the header the sign-in works as always
    assert (await api.mutate(TOKEN_CREATE, sign_in["input"]))["accessToken"]


# --- secrets are never stored ---------------------------------------------------------


SIGNED_IN_SECRET_REQUESTS: dict[str, tuple[str, Any]] = {
    "apiKeyCreate": (API_KEY_CREATE, lambda shop: {"name": "k", "roles": ["BUYER"]}),
    "tokenCreate": (
        TOKEN_CREATE,
        lambda shop: {"email": shop.buyer.users["admin"].email, "password": PASSWORD},
    ),
    "tokenRefresh": (TOKEN_REFRESH, lambda shop: {"refreshToken": "anything"}),
}


@pytest.mark.parametrize("mutation", sorted(KNOWN_SECRET_MUTATIONS))
async def test_secret_issuing_mutations_are_refused_with_a_key(api: Api, mutation: str) -> None:
    """Before, an admin's apiKeyCreate under a key stored the key's secret in plaintext
    (and replayed it to any colleague).  A mutation that returns a secret is now refused
    with a key: 400 INVALID naming it, nothing created, nothing stored."""
    shop = await Shop(api).setup()
    document, make_input = SIGNED_IN_SECRET_REQUESTS[mutation]
    r = await api.raw(
        document, {"input": make_input(shop)}, shop.token("admin"), {"Idempotency-Key": "s-1"}
    )
    assert r.status_code == 400, r.text
    assert top_code(r) == "INVALID"
    assert mutation in r.json()["errors"][0]["message"]
    assert "data" not in r.json()
    assert await records(api) == []
    assert await rows(api.db, "SELECT count(*) FROM api_key") == [(0,)]


HIDDEN_API_KEY_CREATE = [
    'mutation { k: apiKeyCreate(input: {name: "k", roles: [BUYER]}) { s: secret } }',
    """mutation { ...F }
    fragment F on Mutation { ... on Mutation { apiKeyCreate(input: {name: "k", roles: [BUYER]})
      { secret } } }""",
    """mutation A { userCreate(input: {email: "x@y.example", fullName: "X", roles: [VIEWER],
      password: "Long-enough-pass-1"}) { errors { code } } }
    mutation B { apiKeyCreate(input: {name: "k", roles: [BUYER]}) { secret } }""",
]


@pytest.mark.parametrize("document", HIDDEN_API_KEY_CREATE, ids=["alias", "fragments", "named"])
async def test_aliases_and_fragments_do_not_hide_a_secret_mutation(api: Api, document: str) -> None:
    shop = await Shop(api).setup()
    body: dict[str, Any] = {"query": document}
    if "mutation B" in document:
        body["operationName"] = "B"
    r = await api.client.post(
        "/graphql",
        json=body,
        headers={
            "authorization": f"Bearer {shop.token('admin')}",
            "accept": "application/graphql-response+json",
            "Idempotency-Key": "hidden",
        },
    )
    assert r.status_code == 400 and top_code(r) == "INVALID", r.text
    assert await records(api) == []
    assert await rows(api.db, "SELECT count(*) FROM api_key") == [(0,)]


def test_mutation_fields_follow_fragments_and_the_chosen_operation() -> None:
    doc = HIDDEN_API_KEY_CREATE[2]
    assert mutation_fields(doc, "A") == ["userCreate"]
    assert mutation_fields(doc, "B") == ["apiKeyCreate"]
    assert mutation_fields(HIDDEN_API_KEY_CREATE[1], None) == ["apiKeyCreate"]
    assert mutation_fields("query { me { email } }", None) is None
    assert mutation_fields("mutation {", None) is None


#: output fields whose names mention a credential but hold none
NOT_SECRET = {"accessTokenExpiresAt", "refreshTokenExpiresAt"}
CREDENTIAL_WORDS = ("secret", "token", "password", "credential", "private")


def test_every_credential_field_of_the_schema_is_caught(app: Any) -> None:
    """The no-store rule is data-driven: it reads secret-named fields off the schema.
    Walk every output field: each that mentions a credential is either recognised by
    the rule or explicitly known not to be a secret, and every mutation that can reach
    one is in the no-store set (today exactly the three known ones)."""
    schema = app.state.schema._schema
    for type_ in schema.type_map.values():
        if type_.name.startswith("__") or not isinstance(type_, GraphQLObjectType):
            continue
        for name, field in type_.fields.items():
            if not isinstance(get_named_type(field.type), GraphQLScalarType):
                continue  # the values a response carries are scalars
            if any(w in name.lower() for w in CREDENTIAL_WORDS) and name not in NOT_SECRET:
                assert is_secret_field(name), f"{type_.name}.{name} looks like a credential"
    for name in NOT_SECRET:
        assert not is_secret_field(name)
    assert secret_mutations(schema) == KNOWN_SECRET_MUTATIONS, (
        "a mutation can return a secret: confirm it is never stored, then add it here"
    )
    assert reachable_secret_fields(
        schema, schema.mutation_type.fields["apiKeyCreate"].type.of_type
    ) == ["ApiKeyCreatePayload.secret"]


def test_a_new_secret_issuing_mutation_is_caught_without_listing_it() -> None:
    """However deep the secret sits (a list, an interface, a nested object), the mutation
    is in the no-store set; a mutation returning only public fields is not."""
    schema = build_sdl_schema(
        """
        type Query { ok: Boolean }
        interface Credential { label: String }
        type WebhookCredential implements Credential { label: String signingSecret: String }
        type Webhook { id: ID credentials: [Credential!]! }
        type WebhookPayload { webhook: Webhook }
        type Plain { id: ID accessTokenExpiresAt: String }
        type Mutation { webhookCreate: WebhookPayload! plainCreate: Plain }
        """
    )
    assert secret_mutations(schema) == {"webhookCreate"}
