"""Access-control matrix of the parties API: every operation, every kind of caller.

Each row names an operation, who calls it and the exact outcome, so a reader can check
the rules of DESIGN §2 line by line, and a change to a rule fails exactly one row:

- anonymous callers get UNAUTHENTICATED (except where an operation is open to anyone);
- a user of another organisation gets NOT_FOUND for objects it may not see, worded
  exactly like an object that does not exist, so the answer reveals nothing;
- the wrong role inside the right organisation gets FORBIDDEN;
- the right caller succeeds, and the change is then read back to prove it happened;
- a refused mutation changes nothing at all (every parties table is compared).

Every case builds its own world (the database is emptied before each test).  The other
domains' matrices are in ``tests/access_matrix/``, whose ``test_coverage.py`` holds the
whole schema, these operations included, to rows for every kind of caller.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import text

from graphql_schema.ids import to_global_id
from procurement.parties.models import VerificationStatus
from tests.helpers import PASSWORD, Api, Org

# --- GraphQL documents --------------------------------------------------------------

ERRORS = "errors { field code message }"

TOKEN_CREATE = f"""
mutation SignIn($input: TokenCreateInput!) {{
  tokenCreate(input: $input) {{ accessToken refreshToken user {{ email }} {ERRORS} }}
}}"""

TOKEN_REFRESH = f"""
mutation Refresh($input: TokenRefreshInput!) {{
  tokenRefresh(input: $input) {{ accessToken refreshToken user {{ email }} {ERRORS} }}
}}"""

ORGANIZATION_REGISTER = f"""
mutation Register($input: OrganizationRegisterInput!) {{
  organizationRegister(input: $input) {{
    organization {{ id name verificationStatus }}
    user {{ id email roles }}
    {ERRORS}
  }}
}}"""

ORGANIZATION_UPDATE = f"""
mutation UpdateOrganization($input: OrganizationUpdateInput!) {{
  organizationUpdate(input: $input) {{ organization {{ id name version }} {ERRORS} }}
}}"""

USER_CREATE = f"""
mutation CreateUser($input: UserCreateInput!) {{
  userCreate(input: $input) {{ user {{ id email organization {{ id }} }} {ERRORS} }}
}}"""

USER_UPDATE = f"""
mutation UpdateUser($input: UserUpdateInput!) {{
  userUpdate(input: $input) {{ user {{ id fullName roles version }} {ERRORS} }}
}}"""

USER_DEACTIVATE = f"""
mutation DeactivateUser($input: IdInput!) {{
  userDeactivate(input: $input) {{ user {{ id isActive }} {ERRORS} }}
}}"""

API_KEY_CREATE = f"""
mutation CreateApiKey($input: ApiKeyCreateInput!) {{
  apiKeyCreate(input: $input) {{ apiKey {{ id name roles }} secret {ERRORS} }}
}}"""

API_KEY_REVOKE = f"""
mutation RevokeApiKey($input: IdInput!) {{
  apiKeyRevoke(input: $input) {{ apiKey {{ id revokedAt }} {ERRORS} }}
}}"""

_DECISION = "organization {{ id verificationStatus verificationNote }} {errors}"
SUPPLIER_VERIFY = f"""
mutation Verify($input: SupplierDecisionInput!) {{
  supplierVerify(input: $input) {{ {_DECISION.format(errors=ERRORS)} }}
}}"""

SUPPLIER_REJECT = f"""
mutation Reject($input: SupplierDecisionInput!) {{
  supplierReject(input: $input) {{ {_DECISION.format(errors=ERRORS)} }}
}}"""

SUPPLIER_SUSPEND = f"""
mutation Suspend($input: SupplierDecisionInput!) {{
  supplierSuspend(input: $input) {{ {_DECISION.format(errors=ERRORS)} }}
}}"""

SUPPLIER_CATEGORIES_SET = f"""
mutation SetCategories($input: SupplierCategoriesSetInput!) {{
  supplierCategoriesSet(input: $input) {{ organization {{ id categories {{ code }} }} {ERRORS} }}
}}"""

ME = "{ me { id email } }"
ME_ORGANIZATION = "{ me { email organization { id } } }"
MY_ORGANIZATION = "{ myOrganization { id } }"
ORGANIZATION = "query Org($id: ID!) { organization(id: $id) { id } }"
ORGANIZATION_STATE = """
query OrgState($id: ID!) {
  organization(id: $id) { name version verificationStatus verificationNote categories { code } }
}"""
ORGANIZATION_MEMBERS = """
query Members($id: ID!) {
  organization(id: $id) { id users { nodes { email } } apiKeys { nodes { name } } }
}"""
USER_STATE = """
query UserState($id: ID!) {
  node(id: $id) { ... on User { email fullName roles isActive organization { id } } }
}"""
NODE = "query Node($id: ID!) { node(id: $id) { id } }"
NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id } }"
ORGANIZATIONS = "{ organizations(first: 100) { totalCount nodes { id } } }"
CATEGORIES = "{ categories { code } }"
AUDIT_EVENTS = """
query Audit($filter: AuditEventFilter) {
  auditEvents(filter: $filter, first: 100) { totalCount nodes { action organizationId } }
}"""

# --- the world every case starts from --------------------------------------------------

CATEGORY_CODE = "43000000"
NEW_ADMIN_EMAIL = "founder@newco.example"
#: a database id no row has: "does not exist" to compare "may not see" against
MISSING_ID = 10**9


@dataclass(frozen=True)
class Caller:
    """Who sends a request: a bearer token (None: anonymous) and its organisation."""

    token: str | None
    organization_gid: str | None = None


@dataclass
class World:
    """Organisations in every verification state, their people, an API key, a category.

    Keys: organisations ``a`` (buyer), ``b`` (another buyer), ``s`` (PENDING supplier),
    ``v`` (VERIFIED), ``r`` (REJECTED), ``x`` (SUSPENDED), ``platform``; users
    ``<org>.<label>`` (``a.admin``, ``a.buyer``, ``a.member``, ``s.sales``...); the API key
    ``a.key`` (BUYER, made by ``a.admin``); ``cat``; ``missing.*`` for nonexistent ids.
    """

    orgs: dict[str, Org]
    callers: dict[str, Caller]
    gids: dict[str, str]
    key_secret: str

    def token(self, caller: str) -> str | None:
        return self.callers[caller].token


async def build_world(api: Api) -> World:
    status = VerificationStatus
    admin_only = {"admin": ["ORG_ADMIN"]}
    orgs = {
        "a": await api.org(
            "Acme Buying",
            buyer=True,
            users={"admin": ["ORG_ADMIN"], "buyer": ["BUYER"], "member": ["BUYER"]},
        ),
        "b": await api.org("Bolt Buying", buyer=True, users=admin_only),
        "s": await api.org(
            "Sprocket Supply",
            supplier=True,
            status=status.PENDING,
            users={"admin": ["ORG_ADMIN"], "sales": ["SUPPLIER_SALES"]},
        ),
        "v": await api.org(
            "Valve Supply",
            supplier=True,
            users={"admin": ["ORG_ADMIN"], "sales": ["SUPPLIER_SALES"]},
        ),
        "r": await api.org("Rust Supply", supplier=True, status=status.REJECTED, users=admin_only),
        "x": await api.org("Xeno Supply", supplier=True, status=status.SUSPENDED, users=admin_only),
    }
    platform = await api.platform_admin()
    category = await api.category(CATEGORY_CODE, "IT equipment")
    assert category.id is not None
    created = await api.mutate(
        API_KEY_CREATE, {"name": "ERP link", "roles": ["BUYER"]}, orgs["a"].users["admin"].token
    )
    assert created["errors"] == []

    callers: dict[str, Caller] = {"anonymous": Caller(None)}
    gids: dict[str, str] = {}
    for key, org in orgs.items():
        gids[key] = org.gid
        for label, actor in org.users.items():
            callers[f"{key}.{label}"] = Caller(actor.token, org.gid)
            gids[f"{key}.{label}"] = actor.gid
    callers["platform.admin"] = Caller(platform.token, platform.org_gid)
    callers["a.key"] = Caller(created["secret"], orgs["a"].gid)
    gids |= {
        "platform": platform.org_gid,
        "platform.admin": platform.gid,
        "a.key": created["apiKey"]["id"],
        "cat": to_global_id("Category", category.id),
        "missing.org": to_global_id("Organization", MISSING_ID),
        "missing.user": to_global_id("User", MISSING_ID),
        "missing.key": to_global_id("ApiKey", MISSING_ID),
    }
    return World(orgs=orgs, callers=callers, gids=gids, key_secret=created["secret"])


_TABLES = (
    "organization",
    "organization_category",
    "app_user",
    "api_key",
    "category",
    "throttle_hit",
    "refresh_token",
    "audit_entry",
    "outbox_event",
)


async def fingerprint(api: Api) -> dict[str, list[str]]:
    """Every row a parties mutation could write, so a refusal can be shown to write none.

    ``last_used_at`` of API keys is left out: merely authenticating with a key sets it.
    """
    out: dict[str, list[str]] = {}
    async with api.db.read() as s:
        for table in _TABLES:
            rows = await s.execute(
                text(f"SELECT (to_jsonb(t) - 'last_used_at')::text FROM {table} t")
            )
            out[table] = sorted(r[0] for r in rows)
    return out


async def as_platform(api: Api, world: World, document: str, gid: str) -> dict[str, Any]:
    """Read back state as a platform admin, who sees every object."""
    return await api.gql(document, {"id": gid}, world.token("platform.admin"))


async def status_code(api: Api, token: str) -> int:
    return (await api.raw(ME, token=token)).status_code


# --- the mutations: how to call each and how to prove it worked --------------------------


@dataclass(frozen=True)
class MutationCase:
    """One row: ``operation`` called by ``caller`` ends in ``expect``.

    ``expect`` is ``OK`` or the exact ``(code, field)`` of the single payload error.
    ``target`` overrides the operation's default target, ``extra`` adds input fields.
    """

    operation: str
    kind: str
    caller: str
    expect: str | tuple[str, str | None]
    target: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.operation}-{self.kind}"

    def param(self) -> Any:
        return pytest.param(self, id=self.id)


InputBuilder = Callable[[Api, World, str], Awaitable[dict[str, Any]]]
DoneCheck = Callable[[Api, World, MutationCase, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Operation:
    document: str
    make_input: InputBuilder
    check_done: DoneCheck
    #: world key of the object the operation acts on (None: it acts on no existing object)
    target: str | None = None
    #: world key of a nonexistent object of the target's type
    missing: str | None = None


async def register_input(api: Api, world: World, target: str) -> dict[str, Any]:
    return {
        "name": "Newco Supply",
        "country": "DE",
        "baseCurrency": "EUR",
        "isSupplier": True,
        "adminEmail": NEW_ADMIN_EMAIL,
        "adminFullName": "Nina Founder",
        "adminPassword": PASSWORD,
    }


async def registered(api: Api, world: World, case: MutationCase, payload: dict[str, Any]) -> None:
    """A supplier starts PENDING; its first admin can sign in and belongs to it."""
    assert payload["organization"]["name"] == "Newco Supply"
    assert payload["organization"]["verificationStatus"] == "PENDING"
    assert payload["user"]["roles"] == ["ORG_ADMIN", "SUPPLIER_SALES"]
    signed_in = await api.mutate(TOKEN_CREATE, {"email": NEW_ADMIN_EMAIL, "password": PASSWORD})
    assert signed_in["errors"] == []
    me = (await api.gql(ME_ORGANIZATION, token=signed_in["accessToken"]))["me"]
    assert me["organization"]["id"] == payload["organization"]["id"]


async def rename_input(api: Api, world: World, target: str) -> dict[str, Any]:
    return {"id": world.gids[target], "name": "Renamed Ltd"}


async def renamed(api: Api, world: World, case: MutationCase, payload: dict[str, Any]) -> None:
    state = (await as_platform(api, world, ORGANIZATION_STATE, payload["organization"]["id"]))[
        "organization"
    ]
    assert (state["name"], state["version"]) == ("Renamed Ltd", 2)


async def new_user_input(api: Api, world: World, target: str) -> dict[str, Any]:
    return {
        "email": "new.hire@example.com",
        "fullName": "New Hire",
        "password": PASSWORD,
        "roles": ["VIEWER"],
    }


async def user_created(api: Api, world: World, case: MutationCase, payload: dict[str, Any]) -> None:
    """The user lands in the caller's own organisation, whatever organisation that is."""
    state = (await as_platform(api, world, USER_STATE, payload["user"]["id"]))["node"]
    assert state["email"] == "new.hire@example.com"
    assert state["organization"]["id"] == world.callers[case.caller].organization_gid


async def user_update_input(api: Api, world: World, target: str) -> dict[str, Any]:
    return {"id": world.gids[target], "fullName": "Renamed Member"}


async def user_updated(api: Api, world: World, case: MutationCase, payload: dict[str, Any]) -> None:
    state = (await as_platform(api, world, USER_STATE, world.gids["a.member"]))["node"]
    assert state["fullName"] == "Renamed Member"
    assert state["roles"] == case.extra.get("roles", ["BUYER"])


async def id_input(api: Api, world: World, target: str) -> dict[str, Any]:
    return {"id": world.gids[target]}


async def deactivated(api: Api, world: World, case: MutationCase, payload: dict[str, Any]) -> None:
    """Deactivation takes effect at once: the member's token stops working."""
    state = (await as_platform(api, world, USER_STATE, world.gids["a.member"]))["node"]
    assert state["isActive"] is False
    assert await status_code(api, world.orgs["a"].users["member"].token) == 401


async def api_key_input(api: Api, world: World, target: str) -> dict[str, Any]:
    return {"name": "Second ERP", "roles": ["BUYER"]}


async def api_key_created(
    api: Api, world: World, case: MutationCase, payload: dict[str, Any]
) -> None:
    """The secret works at once and speaks for the caller's own organisation."""
    assert payload["apiKey"]["roles"] == ["BUYER"]
    data = await api.gql(MY_ORGANIZATION, token=payload["secret"])
    assert data["myOrganization"]["id"] == world.callers[case.caller].organization_gid


async def api_key_revoked(
    api: Api, world: World, case: MutationCase, payload: dict[str, Any]
) -> None:
    assert payload["apiKey"]["revokedAt"] is not None
    assert await status_code(api, world.key_secret) == 401


async def decision_input(api: Api, world: World, target: str) -> dict[str, Any]:
    return {"id": world.gids[target], "reason": "Missing VAT certificate"}


async def _supplier_state(api: Api, world: World, target: str) -> dict[str, Any]:
    return (await as_platform(api, world, ORGANIZATION_STATE, world.gids[target]))["organization"]


async def _seen_by_outsider(api: Api, world: World, target: str) -> bool:
    data = await api.gql(ORGANIZATION, {"id": world.gids[target]}, world.token("b.admin"))
    return data["organization"] is not None


async def verified(api: Api, world: World, case: MutationCase, payload: dict[str, Any]) -> None:
    """Verification publishes the profile to every signed-in user."""
    assert (await _supplier_state(api, world, "s"))["verificationStatus"] == "VERIFIED"
    assert await _seen_by_outsider(api, world, "s")


async def rejected(api: Api, world: World, case: MutationCase, payload: dict[str, Any]) -> None:
    """The supplier itself can read why it was rejected."""
    assert (await _supplier_state(api, world, "s"))["verificationStatus"] == "REJECTED"
    own = await api.gql(ORGANIZATION_STATE, {"id": world.gids["s"]}, world.token("s.admin"))
    assert own["organization"]["verificationNote"] == "Missing VAT certificate"


async def suspended(api: Api, world: World, case: MutationCase, payload: dict[str, Any]) -> None:
    """Suspension withdraws the public profile."""
    assert (await _supplier_state(api, world, "v"))["verificationStatus"] == "SUSPENDED"
    assert not await _seen_by_outsider(api, world, "v")


async def categories_input(api: Api, world: World, target: str) -> dict[str, Any]:
    return {"organizationId": world.gids[target], "categoryIds": [world.gids["cat"]]}


async def categories_set(
    api: Api, world: World, case: MutationCase, payload: dict[str, Any]
) -> None:
    state = await _supplier_state(api, world, case.target or "s")
    assert state["categories"] == [{"code": CATEGORY_CODE}]


async def credentials_input(api: Api, world: World, target: str) -> dict[str, Any]:
    return {"email": world.orgs["a"].users["buyer"].email, "password": PASSWORD}


async def refresh_input(api: Api, world: World, target: str) -> dict[str, Any]:
    signed_in = await api.mutate(TOKEN_CREATE, await credentials_input(api, world, target))
    return {"refreshToken": signed_in["refreshToken"]}


async def signed_in(api: Api, world: World, case: MutationCase, payload: dict[str, Any]) -> None:
    """The tokens are the credentials' owner's, not the caller's."""
    email = world.orgs["a"].users["buyer"].email
    assert payload["user"]["email"] == email
    assert (await api.gql(ME, token=payload["accessToken"]))["me"]["email"] == email


OPERATIONS: dict[str, Operation] = {
    "tokenCreate": Operation(TOKEN_CREATE, credentials_input, signed_in),
    "tokenRefresh": Operation(TOKEN_REFRESH, refresh_input, signed_in),
    "organizationRegister": Operation(ORGANIZATION_REGISTER, register_input, registered),
    "organizationUpdate": Operation(ORGANIZATION_UPDATE, rename_input, renamed, "a", "missing.org"),
    "userCreate": Operation(USER_CREATE, new_user_input, user_created),
    "userUpdate": Operation(
        USER_UPDATE, user_update_input, user_updated, "a.member", "missing.user"
    ),
    "userDeactivate": Operation(USER_DEACTIVATE, id_input, deactivated, "a.member", "missing.user"),
    "apiKeyCreate": Operation(API_KEY_CREATE, api_key_input, api_key_created),
    "apiKeyRevoke": Operation(API_KEY_REVOKE, id_input, api_key_revoked, "a.key", "missing.key"),
    "supplierVerify": Operation(SUPPLIER_VERIFY, decision_input, verified, "s", "missing.org"),
    "supplierReject": Operation(SUPPLIER_REJECT, decision_input, rejected, "s", "missing.org"),
    "supplierSuspend": Operation(SUPPLIER_SUSPEND, decision_input, suspended, "v", "missing.org"),
    "supplierCategoriesSet": Operation(
        SUPPLIER_CATEGORIES_SET, categories_input, categories_set, "s", "missing.org"
    ),
}

OK = "ok"
UNAUTHENTICATED = ("UNAUTHENTICATED", None)
FORBIDDEN = ("FORBIDDEN", None)
NOT_FOUND = ("NOT_FOUND", "id")
INVALID_ROLES = ("INVALID", "roles")

M = MutationCase
MUTATION_CASES: list[MutationCase] = [
    # signing in and signing up are open to anyone; a bearer token changes nothing
    M("tokenCreate", "anonymous", "anonymous", OK),
    M("tokenCreate", "outsider", "b.admin", OK),
    M("tokenRefresh", "anonymous", "anonymous", OK),
    M("tokenRefresh", "outsider", "b.admin", OK),
    M("organizationRegister", "anonymous", "anonymous", OK),
    M("organizationRegister", "outsider", "b.admin", OK),
    # organizationUpdate: the organisation's admins and platform admins
    M("organizationUpdate", "anonymous", "anonymous", UNAUTHENTICATED),
    M("organizationUpdate", "outsider", "b.admin", NOT_FOUND),
    # a VERIFIED supplier's profile is public, so refusing reveals nothing new
    M("organizationUpdate", "outsider-public-supplier", "b.admin", FORBIDDEN, target="v"),
    M("organizationUpdate", "wrong-role", "a.buyer", FORBIDDEN),
    M("organizationUpdate", "api-key", "a.key", FORBIDDEN),
    M("organizationUpdate", "right", "a.admin", OK),
    M("organizationUpdate", "platform-admin", "platform.admin", OK),
    # userCreate acts on the caller's own organisation: another org's admin adds to its own
    M("userCreate", "anonymous", "anonymous", UNAUTHENTICATED),
    M("userCreate", "outsider-adds-to-own-org", "b.admin", OK),
    M("userCreate", "wrong-role", "a.buyer", FORBIDDEN),
    M("userCreate", "api-key", "a.key", FORBIDDEN),
    M("userCreate", "right", "a.admin", OK),
    M(
        "userCreate",
        "grant-platform-admin",
        "a.admin",
        INVALID_ROLES,
        extra={"roles": ["PLATFORM_ADMIN"]},
    ),
    # userUpdate: admins change anything but passwords; users their own name and password
    M("userUpdate", "anonymous", "anonymous", UNAUTHENTICATED),
    M("userUpdate", "outsider", "b.admin", NOT_FOUND),
    M("userUpdate", "wrong-role", "a.buyer", FORBIDDEN),
    M("userUpdate", "api-key", "a.key", FORBIDDEN),
    M("userUpdate", "self", "a.member", OK),
    M("userUpdate", "self-grants-admin", "a.member", FORBIDDEN, extra={"roles": ["ORG_ADMIN"]}),
    M(
        "userUpdate",
        "admin-sets-password",
        "a.admin",
        FORBIDDEN,
        extra={"password": "New-pass-2026"},
    ),
    M("userUpdate", "right", "a.admin", OK, extra={"roles": ["VIEWER"]}),
    # four-eyes: nobody grants themselves APPROVER; another ORG_ADMIN must
    M(
        "userUpdate",
        "self-grants-approver",
        "a.admin",
        ("SELF_GRANT", "roles"),
        target="a.admin",
        extra={"roles": ["ORG_ADMIN", "APPROVER"], "approvalLimit": "50000"},
    ),
    M("userUpdate", "platform-admin", "platform.admin", OK),
    M(
        "userUpdate",
        "grant-platform-admin",
        "a.admin",
        INVALID_ROLES,
        extra={"roles": ["PLATFORM_ADMIN"]},
    ),
    # userDeactivate: admins of the user's organisation and platform admins
    M("userDeactivate", "anonymous", "anonymous", UNAUTHENTICATED),
    M("userDeactivate", "outsider", "b.admin", NOT_FOUND),
    M("userDeactivate", "wrong-role", "a.buyer", FORBIDDEN),
    M("userDeactivate", "api-key", "a.key", FORBIDDEN),
    M("userDeactivate", "right", "a.admin", OK),
    M("userDeactivate", "platform-admin", "platform.admin", OK),
    # apiKeyCreate: ORG_ADMIN users, for their own organisation, never with admin roles
    M("apiKeyCreate", "anonymous", "anonymous", UNAUTHENTICATED),
    M("apiKeyCreate", "outsider-adds-to-own-org", "b.admin", OK),
    M("apiKeyCreate", "wrong-role", "a.buyer", FORBIDDEN),
    M("apiKeyCreate", "api-key", "a.key", FORBIDDEN),
    M("apiKeyCreate", "right", "a.admin", OK),
    M("apiKeyCreate", "admin-role-key", "a.admin", INVALID_ROLES, extra={"roles": ["ORG_ADMIN"]}),
    # apiKeyRevoke: keys are visible to administrators only, so to anyone else (even a
    # member of the same organisation, even the key itself) they do not exist
    M("apiKeyRevoke", "anonymous", "anonymous", UNAUTHENTICATED),
    M("apiKeyRevoke", "outsider", "b.admin", NOT_FOUND),
    M("apiKeyRevoke", "wrong-role", "a.buyer", NOT_FOUND),
    M("apiKeyRevoke", "api-key-itself", "a.key", NOT_FOUND),
    M("apiKeyRevoke", "right", "a.admin", OK),
    M("apiKeyRevoke", "platform-admin", "platform.admin", OK),
    # supplier decisions: platform admins only, refused before any lookup
    M("supplierVerify", "anonymous", "anonymous", UNAUTHENTICATED),
    M("supplierVerify", "outsider", "b.admin", FORBIDDEN),
    M("supplierVerify", "wrong-role-own-admin", "s.admin", FORBIDDEN),
    M("supplierVerify", "api-key", "a.key", FORBIDDEN),
    M("supplierVerify", "platform-admin", "platform.admin", OK),
    M("supplierReject", "anonymous", "anonymous", UNAUTHENTICATED),
    M("supplierReject", "outsider", "b.admin", FORBIDDEN),
    M("supplierReject", "wrong-role-own-admin", "s.admin", FORBIDDEN),
    M("supplierReject", "api-key", "a.key", FORBIDDEN),
    M("supplierReject", "platform-admin", "platform.admin", OK),
    M("supplierSuspend", "anonymous", "anonymous", UNAUTHENTICATED),
    M("supplierSuspend", "outsider", "b.admin", FORBIDDEN),
    M("supplierSuspend", "wrong-role-own-admin", "v.admin", FORBIDDEN),
    M("supplierSuspend", "api-key", "a.key", FORBIDDEN),
    M("supplierSuspend", "platform-admin", "platform.admin", OK),
    # supplierCategoriesSet: the supplier's admins and platform admins; the input field
    # naming the organisation is organizationId, so that is the field at fault
    M("supplierCategoriesSet", "anonymous", "anonymous", UNAUTHENTICATED),
    M("supplierCategoriesSet", "outsider", "b.admin", ("NOT_FOUND", "organizationId")),
    M("supplierCategoriesSet", "outsider-public-supplier", "b.admin", FORBIDDEN, target="v"),
    M("supplierCategoriesSet", "wrong-role", "s.sales", FORBIDDEN),
    M("supplierCategoriesSet", "api-key", "a.key", ("NOT_FOUND", "organizationId")),
    M("supplierCategoriesSet", "right", "s.admin", OK),
    M("supplierCategoriesSet", "platform-admin", "platform.admin", OK),
]


@pytest.mark.parametrize("case", [c.param() for c in MUTATION_CASES])
async def test_mutation_access(api: Api, case: MutationCase) -> None:
    """The row's exact outcome; a success is read back, a refusal leaves no trace."""
    world = await build_world(api)
    op = OPERATIONS[case.operation]
    target = case.target or op.target or ""
    variables = {**await op.make_input(api, world, target), **case.extra}
    before = await fingerprint(api)

    payload = await api.mutate(op.document, variables, world.token(case.caller))

    if case.expect == OK:
        assert payload["errors"] == []
        await op.check_done(api, world, case, payload)
        return
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [case.expect]
    assert all(value is None for key, value in payload.items() if key != "errors"), payload
    assert await fingerprint(api) == before, "a refused mutation must change nothing"


@pytest.mark.parametrize(
    "operation", [name for name, op in OPERATIONS.items() if op.missing is not None]
)
async def test_hidden_object_looks_like_a_missing_one(api: Api, operation: str) -> None:
    """Another organisation's admin gets, word for word, the answer for an id that does
    not exist: nothing in the reply tells whether the object is there."""
    world = await build_world(api)
    op = OPERATIONS[operation]
    assert op.target is not None and op.missing is not None
    answers = []
    for target in (op.target, op.missing):
        variables = await op.make_input(api, world, target)
        payload = await api.mutate(op.document, variables, world.token("b.admin"))
        answers.append(payload["errors"])
    hidden, missing = answers
    assert hidden and hidden == missing


# --- queries -----------------------------------------------------------------------------

#: (viewer, object, visible?) -- ``node``, ``nodes`` and ``organization`` all follow it
VISIBILITY: list[tuple[str, str, bool]] = [
    ("anonymous", "a", False),
    ("anonymous", "v", False),
    ("anonymous", "a.member", False),
    ("anonymous", "cat", True),  # categories are public reference data
    ("b.admin", "a", False),  # another buyer
    ("b.admin", "v", True),  # a VERIFIED supplier's public profile
    ("b.admin", "s", False),  # PENDING
    ("b.admin", "r", False),  # REJECTED
    ("b.admin", "x", False),  # SUSPENDED
    ("b.admin", "a.member", False),
    ("b.admin", "a.key", False),
    ("b.admin", "cat", True),
    ("b.admin", "missing.org", False),
    ("a.buyer", "a", True),
    ("a.buyer", "a.member", True),
    ("a.buyer", "a.key", False),  # API keys: administrators only
    ("a.admin", "a.key", True),
    ("s.sales", "s", True),  # an unverified supplier sees itself
    ("r.admin", "r", True),
    ("x.admin", "x", True),
    ("a.key", "a", True),
    ("a.key", "v", True),
    ("a.key", "s", False),
    ("a.key", "a.member", True),
    ("a.key", "a.key", False),  # a BUYER key administers nothing, not even itself
    ("platform.admin", "a", True),
    ("platform.admin", "s", True),
    ("platform.admin", "r", True),
    ("platform.admin", "x", True),
    ("platform.admin", "a.member", True),
    ("platform.admin", "a.key", True),
]
_ORG_KEYS = {"a", "b", "s", "v", "r", "x", "platform", "missing.org"}


def _visibility_id(row: tuple[str, str, bool]) -> str:
    viewer, target, visible = row
    return f"{target}-as-{viewer}-{'visible' if visible else 'hidden'}"


@pytest.mark.parametrize("row", VISIBILITY, ids=_visibility_id)
async def test_node_visibility(api: Api, row: tuple[str, str, bool]) -> None:
    """``node(id)`` never shows an object its viewer may not see: it is simply null."""
    viewer, target, visible = row
    world = await build_world(api)
    gid = world.gids[target]
    data = await api.gql(NODE, {"id": gid}, world.token(viewer))
    assert data["node"] == ({"id": gid} if visible else None)


@pytest.mark.parametrize("row", [r for r in VISIBILITY if r[1] in _ORG_KEYS], ids=_visibility_id)
async def test_organization_visibility(api: Api, row: tuple[str, str, bool]) -> None:
    """``organization(id)`` applies exactly the rules of ``node(id)``."""
    viewer, target, visible = row
    world = await build_world(api)
    gid = world.gids[target]
    data = await api.gql(ORGANIZATION, {"id": gid}, world.token(viewer))
    assert data["organization"] == ({"id": gid} if visible else None)


@pytest.mark.parametrize("viewer", sorted({r[0] for r in VISIBILITY}))
async def test_nodes_visibility(api: Api, viewer: str) -> None:
    """``nodes(ids)`` answers position by position, with null for each hidden object."""
    world = await build_world(api)
    rows = [r for r in VISIBILITY if r[0] == viewer]
    ids = [world.gids[target] for _, target, _ in rows]
    data = await api.gql(NODES, {"ids": ids}, world.token(viewer))
    expected = [
        {"id": gid} if visible else None for gid, (_, _, visible) in zip(ids, rows, strict=True)
    ]
    assert data["nodes"] == expected


#: (viewer, organisation, sees its users?, sees its API keys?)
MEMBER_FIELDS: list[tuple[str, str, bool, bool]] = [
    ("b.admin", "v", False, False),  # an outsider looking at a public profile
    ("v.sales", "v", True, False),
    ("v.admin", "v", True, True),
    ("a.buyer", "a", True, False),
    ("a.admin", "a", True, True),
    ("a.key", "a", True, False),  # the key belongs to the organisation, administers nothing
    ("platform.admin", "a", True, True),
]


@pytest.mark.parametrize("row", MEMBER_FIELDS, ids=lambda r: f"{r[1]}-as-{r[0]}")
async def test_organization_members_and_keys(api: Api, row: tuple[str, str, bool, bool]) -> None:
    """``users`` is for members only, ``apiKeys`` for administrators only: null otherwise."""
    viewer, target, users_visible, keys_visible = row
    world = await build_world(api)
    data = await api.gql(ORGANIZATION_MEMBERS, {"id": world.gids[target]}, world.token(viewer))
    org = data["organization"]
    assert org["id"] == world.gids[target]
    emails = {a.email for a in world.orgs[target].users.values()}
    users = org["users"]
    assert (users and {u["email"] for u in users["nodes"]}) == (emails if users_visible else None)
    key_names = ["ERP link"] if target == "a" else []
    keys = org["apiKeys"]
    assert (keys and [k["name"] for k in keys["nodes"]]) == (key_names if keys_visible else None)


def _graphql_error_code(body: dict[str, Any]) -> str:
    (error,) = body["errors"]
    return str(error["extensions"]["code"])


#: (viewer, the organisations listed, or the error code)
ORGANIZATIONS_LISTS: list[tuple[str, str | set[str]]] = [
    ("anonymous", "UNAUTHENTICATED"),
    ("b.admin", {"b", "v"}),  # its own and the verified suppliers
    ("s.admin", {"s", "v"}),  # an unverified supplier still sees itself
    ("a.key", {"a", "v"}),
    ("platform.admin", {"a", "b", "s", "v", "r", "x", "platform"}),
]


@pytest.mark.parametrize("row", ORGANIZATIONS_LISTS, ids=lambda r: r[0])
async def test_organizations_list(api: Api, row: tuple[str, str | set[str]]) -> None:
    """The directory shows public supplier profiles plus one's own organisation."""
    viewer, expected = row
    world = await build_world(api)
    response = await api.raw(ORGANIZATIONS, token=world.token(viewer))
    body = response.json()
    if isinstance(expected, str):
        assert response.status_code == 200
        assert body["data"] is None
        assert _graphql_error_code(body) == expected
        return
    assert "errors" not in body, body
    listing = body["data"]["organizations"]
    assert {n["id"] for n in listing["nodes"]} == {world.gids[k] for k in expected}
    assert listing["totalCount"] == len(expected)


#: (viewer, who ``me`` is, which organisation ``myOrganization`` is)
IDENTITIES: list[tuple[str, str | None, str | None]] = [
    ("anonymous", None, None),
    ("a.buyer", "a.buyer", "a"),
    ("s.sales", "s.sales", "s"),
    ("a.key", None, "a"),  # an API key is no user, but it does belong to an organisation
    ("platform.admin", "platform.admin", "platform"),
]


@pytest.mark.parametrize("row", IDENTITIES, ids=lambda r: r[0])
async def test_me_and_my_organization(api: Api, row: tuple[str, str | None, str | None]) -> None:
    viewer, me, my_org = row
    world = await build_world(api)
    data = await api.gql("{ me { id } myOrganization { id } }", token=world.token(viewer))
    assert data["me"] == ({"id": world.gids[me]} if me else None)
    assert data["myOrganization"] == ({"id": world.gids[my_org]} if my_org else None)


CATEGORY_VIEWERS = ["anonymous", "b.admin", "a.key"]


@pytest.mark.parametrize("viewer", CATEGORY_VIEWERS)
async def test_categories_are_public(api: Api, viewer: str) -> None:
    """Anyone, signed in or not, reads the category tree."""
    world = await build_world(api)
    data = await api.gql(CATEGORIES, token=world.token(viewer))
    assert data["categories"] == [{"code": CATEGORY_CODE}]


#: (viewer, filter by organisation, the exact (action, organisation) list or error code)
AUDIT_CASES: list[tuple[str, str | None, str | list[tuple[str, str | None]]]] = [
    ("anonymous", None, "UNAUTHENTICATED"),
    ("a.buyer", None, "FORBIDDEN"),
    ("a.key", None, "FORBIDDEN"),
    ("a.admin", None, [("api_key.created", "a")]),
    ("a.admin", "b", []),  # asking for another organisation's log yields nothing
    ("b.admin", None, [("organization.updated", "b")]),
    ("s.admin", None, [("supplier.verified", "s")]),
    (
        "platform.admin",
        None,
        [
            ("supplier.verified", "s"),
            ("organization.updated", "b"),
            ("api_key.created", "a"),
            # the platform organisation and its admin, made by the fixtures loader
            ("user.created", "platform"),
            ("organization.registered", None),
        ],
    ),
    ("platform.admin", "b", [("organization.updated", "b")]),
]


@pytest.mark.parametrize(
    "row", AUDIT_CASES, ids=lambda r: f"{r[0]}-filter-{r[1]}" if r[1] else r[0]
)
async def test_audit_events(
    api: Api, row: tuple[str, str | None, str | list[tuple[str, str | None]]]
) -> None:
    """ORG_ADMINs read their own organisation's log; platform admins anyone's."""
    viewer, filter_org, expected = row
    world = await build_world(api)
    # one change in each of a, b and s (a's API key was made while building the world)
    b_update = await api.mutate(
        ORGANIZATION_UPDATE,
        {"id": world.gids["b"], "description": "Buys bolts"},
        world.token("b.admin"),
    )
    verify = await api.mutate(
        SUPPLIER_VERIFY, {"id": world.gids["s"]}, world.token("platform.admin")
    )
    assert b_update["errors"] == [] and verify["errors"] == []

    variables = {"filter": {"organizationId": world.gids[filter_org]} if filter_org else None}
    response = await api.raw(AUDIT_EVENTS, variables, world.token(viewer))
    body = response.json()
    if isinstance(expected, str):
        assert response.status_code == 200
        assert body["data"] is None
        assert _graphql_error_code(body) == expected
        return
    assert "errors" not in body, body
    events = body["data"]["auditEvents"]
    got = [(e["action"], e["organizationId"]) for e in events["nodes"]]
    assert got == [(action, world.gids[o] if o else None) for action, o in expected]
    assert events["totalCount"] == len(expected)


async def test_api_key_lifecycle(api: Api) -> None:
    """An ERP key (BUYER) acts for its organisation but is nobody, cannot administer, and
    stops working the moment it is revoked."""
    org = await api.org("Acme Buying", buyer=True)
    admin = org.users["admin"]
    created = await api.mutate(API_KEY_CREATE, {"name": "ERP", "roles": ["BUYER"]}, admin.token)
    assert created["errors"] == []
    secret = created["secret"]

    data = await api.gql("{ me { id } myOrganization { id name } }", token=secret)
    assert data == {"me": None, "myOrganization": {"id": org.gid, "name": "Acme Buying"}}

    refused = await api.mutate(
        USER_CREATE,
        {
            "email": "erp.user@acme.example",
            "fullName": "ERP User",
            "password": PASSWORD,
            "roles": ["BUYER"],
        },
        secret,
    )
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [FORBIDDEN]
    assert refused["user"] is None

    revoked = await api.mutate(API_KEY_REVOKE, {"id": created["apiKey"]["id"]}, admin.token)
    assert revoked["errors"] == []
    response = await api.raw(ME, token=secret)
    assert response.status_code == 401
    assert _graphql_error_code(response.json()) == "UNAUTHENTICATED"


# --- which rows try each query with each kind of caller ----------------------------------

#: For every parties query, the row of the tables above that tries it with each kind of
#: caller (tests/access_matrix/test_coverage.py holds every operation of the schema to
#: all four kinds, less the exemptions it lists).
QUERY_COVERAGE: dict[str, dict[str, tuple[list[Any], Any]]] = {
    op: {
        "anonymous": (VISIBILITY, ("anonymous", "a", False)),
        "outsider": (VISIBILITY, ("b.admin", "a", False)),
        "wrong-role": (VISIBILITY, ("a.buyer", "a.key", False)),
        "right": (VISIBILITY, ("a.admin", "a.key", True)),
    }
    for op in ("node", "nodes")
} | {
    "organization": {
        "anonymous": (VISIBILITY, ("anonymous", "a", False)),
        "outsider": (VISIBILITY, ("b.admin", "s", False)),
        "right": (VISIBILITY, ("a.buyer", "a", True)),
    },
    "organizations": {
        "anonymous": (ORGANIZATIONS_LISTS, ("anonymous", "UNAUTHENTICATED")),
        "outsider": (ORGANIZATIONS_LISTS, ("b.admin", {"b", "v"})),
        "right": (
            ORGANIZATIONS_LISTS,
            ("platform.admin", {"a", "b", "s", "v", "r", "x", "platform"}),
        ),
    },
    "me": {
        "anonymous": (IDENTITIES, ("anonymous", None, None)),
        "outsider": (IDENTITIES, ("s.sales", "s.sales", "s")),
        "wrong-role": (IDENTITIES, ("a.key", None, "a")),
        "right": (IDENTITIES, ("a.buyer", "a.buyer", "a")),
    },
    "myOrganization": {
        "anonymous": (IDENTITIES, ("anonymous", None, None)),
        "outsider": (IDENTITIES, ("s.sales", "s.sales", "s")),
        "right": (IDENTITIES, ("a.key", None, "a")),
    },
    "categories": {
        "anonymous": (CATEGORY_VIEWERS, "anonymous"),
        "outsider": (CATEGORY_VIEWERS, "b.admin"),
        "right": (CATEGORY_VIEWERS, "a.key"),
    },
    "auditEvents": {
        "anonymous": (AUDIT_CASES, ("anonymous", None, "UNAUTHENTICATED")),
        "outsider": (AUDIT_CASES, ("a.admin", "b", [])),
        "wrong-role": (AUDIT_CASES, ("a.buyer", None, "FORBIDDEN")),
        "right": (AUDIT_CASES, ("a.admin", None, [("api_key.created", "a")])),
    },
}


def test_query_coverage_names_real_rows() -> None:
    """Each row QUERY_COVERAGE names is one the tests above run."""
    for operation, kinds in QUERY_COVERAGE.items():
        for kind, (table, row) in kinds.items():
            assert row in table, (operation, kind, row)
