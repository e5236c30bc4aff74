"""Users: creation by admins, role and limit changes, own password, deactivation."""

from __future__ import annotations

from tests.helpers import PASSWORD, Api

USER_CREATE = """
mutation Add($input: UserCreateInput!) {
  userCreate(input: $input) {
    user { id email fullName roles isActive approvalLimit { amount currency }
           organization { name } }
    errors { field code message }
  }
}
"""

USER_UPDATE = """
mutation Change($input: UserUpdateInput!) {
  userUpdate(input: $input) {
    user { fullName roles approvalLimit { amount currency } version }
    errors { field code message }
  }
}
"""

USER_DEACTIVATE = """
mutation Off($input: IdInput!) {
  userDeactivate(input: $input) { user { isActive } errors { code } }
}
"""

TOKEN_CREATE = """
mutation($input: TokenCreateInput!) { tokenCreate(input: $input) { accessToken errors { code } } }
"""


async def test_admin_adds_an_approver_with_a_limit(api: Api) -> None:
    org = await api.org("Northwind", buyer=True, currency="EUR")
    p = await api.mutate(
        USER_CREATE,
        {
            "email": "Sabine.Keller@Northwind.example",
            "fullName": "Sabine Keller",
            "password": "Approve-2026!",
            "roles": ["APPROVER", "APPROVER"],
            "approvalLimit": "50000.00",
        },
        org.users["admin"].token,
    )
    assert p["errors"] == []
    assert p["user"]["roles"] == ["APPROVER"]
    assert p["user"]["approvalLimit"] == {"amount": "50000.00", "currency": "EUR"}
    assert p["user"]["organization"] == {"name": "Northwind"}
    signed = await api.mutate(
        TOKEN_CREATE, {"email": "sabine.keller@northwind.example", "password": "Approve-2026!"}
    )
    assert signed["errors"] == [] and signed["accessToken"]


async def test_user_create_refusals(api: Api) -> None:
    org = await api.org(buyer=True)
    token = org.users["admin"].token
    existing = org.users["admin"].email
    p = await api.mutate(
        USER_CREATE,
        {
            "email": existing.upper(),
            "fullName": "Dup",
            "password": "Another-2026!",
            "roles": ["BUYER"],
        },
        token,
    )
    assert p["errors"] == [
        {
            "field": "email",
            "code": "DUPLICATE",
            "message": "An account with this email already exists",
        }
    ]
    platform = await api.mutate(
        USER_CREATE,
        {
            "email": "x@y.example",
            "fullName": "X",
            "password": "Another-2026!",
            "roles": ["PLATFORM_ADMIN"],
        },
        token,
    )
    assert platform["errors"][0]["code"] == "INVALID"
    negative = await api.mutate(
        USER_CREATE,
        {
            "email": "x@y.example",
            "fullName": "X",
            "password": "Another-2026!",
            "roles": ["APPROVER"],
            "approvalLimit": "-1",
        },
        token,
    )
    assert negative["errors"] == [
        {
            "field": "approvalLimit",
            "code": "INVALID",
            "message": "The approval limit must be a non-negative amount",
        }
    ]


async def test_roles_and_limits_are_for_admins_and_last_admin_is_kept(api: Api) -> None:
    org = await api.org(buyer=True, users={"admin": ["ORG_ADMIN"], "buyer": ["BUYER"]})
    admin, buyer = org.users["admin"], org.users["buyer"]
    self_promote = await api.mutate(
        USER_UPDATE, {"id": buyer.gid, "roles": ["ORG_ADMIN"]}, buyer.token
    )
    assert self_promote["errors"][0]["code"] == "FORBIDDEN"
    promoted = await api.mutate(
        USER_UPDATE,
        {"id": buyer.gid, "roles": ["BUYER", "APPROVER"], "approvalLimit": "2500"},
        admin.token,
    )
    assert promoted["user"]["roles"] == ["BUYER", "APPROVER"]
    assert promoted["user"]["approvalLimit"]["amount"] == "2500.00"
    assert promoted["user"]["version"] == 2
    last = await api.mutate(USER_UPDATE, {"id": admin.gid, "roles": ["BUYER"]}, admin.token)
    assert last["errors"][0]["code"] == "LAST_ADMIN"
    self_off = await api.mutate(USER_DEACTIVATE, {"id": admin.gid}, admin.token)
    assert self_off["errors"][0]["code"] == "INVALID"


async def test_own_password_change_needs_the_current_one(api: Api) -> None:
    org = await api.org(buyer=True, users={"admin": ["ORG_ADMIN"], "buyer": ["BUYER"]})
    buyer = org.users["buyer"]
    wrong = await api.mutate(
        USER_UPDATE,
        {"id": buyer.gid, "password": "Brand-new-2026", "currentPassword": "nope"},
        buyer.token,
    )
    assert wrong["errors"][0] == {
        "field": "currentPassword",
        "code": "INVALID_CREDENTIALS",
        "message": "The current password is not correct",
    }
    ok = await api.mutate(
        USER_UPDATE,
        {"id": buyer.gid, "password": "Brand-new-2026", "currentPassword": PASSWORD},
        buyer.token,
    )
    assert ok["errors"] == []
    old = await api.mutate(TOKEN_CREATE, {"email": buyer.email, "password": PASSWORD})
    assert old["errors"][0]["code"] == "INVALID_CREDENTIALS"
    new = await api.mutate(TOKEN_CREATE, {"email": buyer.email, "password": "Brand-new-2026"})
    assert new["errors"] == []
    # an admin does not set other people's passwords
    by_admin = await api.mutate(
        USER_UPDATE, {"id": buyer.gid, "password": "Admin-set-2026"}, org.users["admin"].token
    )
    assert by_admin["errors"][0]["code"] == "FORBIDDEN"


async def test_deactivating_twice_and_stale_versions(api: Api) -> None:
    org = await api.org(buyer=True, users={"admin": ["ORG_ADMIN"], "buyer": ["BUYER"]})
    admin, buyer = org.users["admin"], org.users["buyer"]
    assert (await api.mutate(USER_DEACTIVATE, {"id": buyer.gid}, admin.token))["errors"] == []
    twice = await api.mutate(USER_DEACTIVATE, {"id": buyer.gid}, admin.token)
    assert twice["errors"][0]["code"] == "INVALID_TRANSITION"
    stale = await api.mutate(
        USER_UPDATE, {"id": buyer.gid, "fullName": "X", "expectedVersion": 1}, admin.token
    )
    assert stale["errors"][0]["code"] == "VERSION_CONFLICT"
