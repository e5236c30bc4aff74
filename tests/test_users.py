"""Users: creation by admins, role and limit changes, own password, deactivation."""

from __future__ import annotations

from sqlalchemy import text

from tests.helpers import PASSWORD, Api, rows

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


async def test_no_one_grants_themselves_approval_powers(api: Api) -> None:
    """Four eyes: an admin cannot make themselves APPROVER (or ORG_ADMIN again) nor raise
    their own limit; another admin can, and the grant is audited with before and after.
    An organisation with a single admin turns to platform staff."""
    org = await api.org(
        buyer=True,
        users={"admin": ["ORG_ADMIN"], "admin2": ["ORG_ADMIN"], "appr": ["APPROVER"]},
    )
    admin, admin2, appr = org.users["admin"], org.users["admin2"], org.users["appr"]
    self_approver = await api.mutate(
        USER_UPDATE,
        {"id": admin.gid, "roles": ["ORG_ADMIN", "APPROVER"], "approvalLimit": "1000000"},
        admin.token,
    )
    assert [(e["field"], e["code"]) for e in self_approver["errors"]] == [("roles", "SELF_GRANT")]
    assert self_approver["user"] is None
    async with api.db.read() as s:
        roles, limit = (
            await s.execute(
                text("SELECT roles, approval_limit FROM app_user WHERE id = :id"),
                {"id": admin.user_id},
            )
        ).one()
    assert roles == ["ORG_ADMIN"] and limit is None
    # another admin grants it; the approver cannot raise their own limit, admin can
    granted = await api.mutate(
        USER_UPDATE,
        {"id": admin.gid, "roles": ["ORG_ADMIN", "APPROVER"], "approvalLimit": "5000"},
        admin2.token,
    )
    assert granted["errors"] == [] and granted["user"]["roles"] == ["ORG_ADMIN", "APPROVER"]
    raise_own = await api.mutate(
        USER_UPDATE, {"id": admin.gid, "approvalLimit": "9000"}, admin.token
    )
    assert [(e["field"], e["code"]) for e in raise_own["errors"]] == [
        ("approvalLimit", "SELF_GRANT")
    ]
    lower_own = await api.mutate(
        USER_UPDATE, {"id": admin.gid, "approvalLimit": "100"}, admin.token
    )
    assert lower_own["errors"] == []
    # a non-admin approver is refused as before (not an admin at all)
    own_limit = await api.mutate(USER_UPDATE, {"id": appr.gid, "approvalLimit": "1"}, appr.token)
    assert own_limit["errors"][0]["code"] == "FORBIDDEN"
    # a lone admin: platform staff grant it
    lone = await api.org(buyer=True, users={"admin": ["ORG_ADMIN"]})
    refused = await api.mutate(
        USER_UPDATE,
        {"id": lone.users["admin"].gid, "roles": ["ORG_ADMIN", "APPROVER"]},
        lone.users["admin"].token,
    )
    assert refused["errors"][0]["code"] == "SELF_GRANT"
    staff = await api.platform_admin()
    by_staff = await api.mutate(
        USER_UPDATE,
        {"id": lone.users["admin"].gid, "roles": ["ORG_ADMIN", "APPROVER"], "approvalLimit": "10"},
        staff.token,
    )
    assert by_staff["errors"] == []
    trail = await rows(
        api.db,
        "SELECT actor_label, entity_id, before, after FROM audit_entry"
        " WHERE action = 'user.privileges_granted' ORDER BY id",
    )
    assert [(t[1], t[2], t[3]) for t in trail] == [
        (
            admin.user_id,
            {"roles": ["ORG_ADMIN"], "approval_limit": None},
            {"roles": ["APPROVER", "ORG_ADMIN"], "approval_limit": "5000.00"},
        ),
        (
            lone.users["admin"].user_id,
            {"roles": ["ORG_ADMIN"], "approval_limit": None},
            {"roles": ["APPROVER", "ORG_ADMIN"], "approval_limit": "10.00"},
        ),
    ]
    assert trail[0][0].startswith(f"user:{admin2.user_id}:")
