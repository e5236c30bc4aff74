"""Registration, profile updates, supplier verification and categories."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select

from procurement.audit.models import AuditEntry
from procurement.parties.models import Organization, User, VerificationStatus
from procurement.throttle import ThrottleHit
from tests.helpers import Api, db_id

REGISTER = """
mutation Register($input: OrganizationRegisterInput!) {
  organizationRegister(input: $input) {
    organization { id name country baseCurrency isBuyer isSupplier verificationStatus }
    user { email roles }
    errors { field code message }
  }
}
"""

UPDATE = """
mutation Update($input: OrganizationUpdateInput!) {
  organizationUpdate(input: $input) {
    organization { name website version }
    errors { field code message }
  }
}
"""

DECIDE = """
mutation Verify($input: SupplierDecisionInput!) {
  supplierVerify(input: $input) { organization { verificationStatus } errors { code field } }
}
"""
REJECT = DECIDE.replace("supplierVerify", "supplierReject")
SUSPEND = DECIDE.replace("supplierVerify", "supplierSuspend")

CATEGORIES_SET = """
mutation Cats($input: SupplierCategoriesSetInput!) {
  supplierCategoriesSet(input: $input) {
    organization { categories { code } } errors { code field }
  }
}
"""

ORGS = """
query Orgs($filter: OrganizationFilter, $first: Int, $after: String) {
  organizations(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { name } }
  }
}
"""


def registration(**over: Any) -> dict[str, Any]:
    base = {
        "name": "Kestrel Tools GmbH",
        "country": "DE",
        "baseCurrency": "EUR",
        "isBuyer": True,
        "isSupplier": False,
        "adminEmail": "founder@kestrel.example",
        "adminFullName": "Kim Founder",
        "adminPassword": "Kestrel-2026-strong",
    }
    return {**base, **over}


async def _count(api: Api, model: Any) -> int:
    async with api.db.read() as s:
        return int((await s.execute(select(func.count()).select_from(model))).scalar_one())


async def test_register_buyer_and_supplier(api: Api) -> None:
    p = await api.mutate(REGISTER, registration(isSupplier=True))
    assert p["errors"] == []
    assert p["organization"]["verificationStatus"] == "PENDING"
    assert p["user"] == {
        "email": "founder@kestrel.example",
        "roles": ["ORG_ADMIN", "BUYER", "SUPPLIER_SALES"],
    }
    async with api.db.read() as s:
        actions = (await s.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars()
        assert list(actions) == ["organization.registered", "user.created"]
        user = (await s.execute(select(User))).scalar_one()
        assert "password_hash" not in str(
            (await s.execute(select(AuditEntry.after))).scalars().all()
        )
    assert user.password_hash.startswith("$argon2id$")


async def test_register_reports_every_problem_and_writes_nothing(api: Api) -> None:
    p = await api.mutate(
        REGISTER,
        registration(
            name=" ",
            country="XX",
            baseCurrency="ABC",
            adminEmail="not-an-email",
            adminPassword="short",
            isBuyer=False,
        ),
    )
    assert p["organization"] is None
    codes = {(e["field"], e["code"]) for e in p["errors"]}
    assert codes == {
        ("name", "REQUIRED"),
        ("country", "INVALID_COUNTRY"),
        ("baseCurrency", "INVALID_CURRENCY"),
        ("adminEmail", "INVALID_EMAIL"),
        ("adminPassword", "WEAK_PASSWORD"),
        ("isBuyer", "REQUIRED"),
    }
    assert await _count(api, Organization) == 0
    assert await _count(api, User) == 0
    assert await _count(api, AuditEntry) == 0


async def test_weak_passwords(api: Api) -> None:
    for weak in ("alllowercaseletters", "1234567890", "founder-1234567"):
        p = await api.mutate(REGISTER, registration(adminPassword=weak))
        assert [e["code"] for e in p["errors"]] == ["WEAK_PASSWORD"], weak


async def test_names_unique_per_country(api: Api) -> None:
    assert (await api.mutate(REGISTER, registration()))["errors"] == []
    dup_name = await api.mutate(
        REGISTER, registration(name="kestrel  tools gmbh", adminEmail="two@kestrel.example")
    )
    assert dup_name["errors"][0]["code"] == "DUPLICATE"
    other_country = await api.mutate(
        REGISTER, registration(country="AT", adminEmail="three@kestrel.example")
    )
    assert other_country["errors"] == []
    assert await _count(api, Organization) == 2


REGISTER_DEEP = """
mutation Register($input: OrganizationRegisterInput!) {
  organizationRegister(input: $input) {
    organization {
      id name country baseCurrency isBuyer isSupplier verificationStatus version createdAt
      website description categories { code } users { totalCount } apiKeys { totalCount }
    }
    user { id email fullName roles isActive version createdAt approvalLimit { amount }
           organization { id name verificationStatus } }
    errors { field code message }
  }
}
"""

SIGN_IN = """
mutation($input: TokenCreateInput!) { tokenCreate(input: $input) { errors { code } } }
"""


def shape(value: Any) -> Any:
    """The structure of a response: keys and value types, not the values."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value]
    return type(value).__name__


async def test_taken_email_gets_the_answer_of_a_success_and_changes_nothing(api: Api) -> None:
    """Registration does not tell whether an email has an account: a taken one gets
    what a new one gets (status, payload shape, plausible ids), while nothing is written
    and the real owner keeps their account; their organisation's audit trail shows it."""
    first = await api.raw(REGISTER_DEEP, {"input": registration(isSupplier=True)})
    owner = first.json()["data"]["organizationRegister"]
    assert owner["errors"] == []
    orgs, users = await _count(api, Organization), await _count(api, User)
    taken = await api.raw(
        REGISTER_DEEP,
        {
            "input": registration(
                name="Impostor AG",
                adminEmail="FOUNDER@kestrel.example",
                adminPassword="Impostor-2026-pass",
                isSupplier=True,
            )
        },
    )
    fresh = await api.raw(
        REGISTER_DEEP,
        {"input": registration(name="Honest AG", adminEmail="new@honest.example", isSupplier=True)},
    )
    assert taken.status_code == fresh.status_code == 200
    t = taken.json()["data"]["organizationRegister"]
    f = fresh.json()["data"]["organizationRegister"]
    assert shape(t) == shape(f) and "errors" not in taken.json()
    assert t["errors"] == [] and t["organization"]["name"] == "Impostor AG"
    assert t["user"]["email"] == "FOUNDER@kestrel.example"
    assert t["user"]["roles"] == f["user"]["roles"] == ["ORG_ADMIN", "BUYER", "SUPPLIER_SALES"]
    assert t["user"]["organization"]["id"] == t["organization"]["id"]
    # ids like any other: of their type, new, in sequence
    assert db_id(owner["organization"]["id"]) < db_id(t["organization"]["id"])
    assert db_id(t["organization"]["id"]) < db_id(f["organization"]["id"])
    assert db_id(t["user"]["id"]) < db_id(f["user"]["id"])
    # nothing written for it: one organisation and one user more, both the honest ones
    assert (await _count(api, Organization), await _count(api, User)) == (orgs + 1, users + 1)
    async with api.db.read() as s:
        names = set((await s.execute(select(Organization.name))).scalars())
    assert names == {"Kestrel Tools GmbH", "Honest AG"}
    # the owner's account is theirs: their password works, the one just sent does not
    own = await api.mutate(
        SIGN_IN, {"email": "founder@kestrel.example", "password": "Kestrel-2026-strong"}
    )
    assert own["errors"] == []
    other = await api.mutate(
        SIGN_IN, {"email": "founder@kestrel.example", "password": "Impostor-2026-pass"}
    )
    assert other["errors"] == [{"code": "INVALID_CREDENTIALS"}]
    async with api.db.read() as s:
        told = (
            await s.execute(
                select(AuditEntry.organization_id, AuditEntry.after).where(
                    AuditEntry.action == "user.registration_attempted"
                )
            )
        ).all()
    assert told == [
        (
            db_id(owner["organization"]["id"]),
            {"attempted_organization_name": "Impostor AG", "country": "DE"},
        )
    ]


async def test_registration_is_throttled_per_client_address(api: Api, app: Any) -> None:
    """Counted in PostgreSQL per ASGI client address, refused attempts included."""
    limit = api.settings.register_max_per_window

    def from_address(host: str) -> Api:
        transport = httpx.ASGITransport(app=app, client=(host, 40000))
        return Api(
            httpx.AsyncClient(transport=transport, base_url="http://test"), api.db, api.settings
        )

    prober, neighbour = from_address("203.0.113.7"), from_address("198.51.100.9")
    outcomes = []
    for i in range(limit + 2):
        p = await prober.mutate(
            REGISTER,
            registration(
                name=f"Probe {i}",
                adminEmail=f"probe{i}@x.example",
                adminPassword="short" if i == 0 else "Kestrel-2026-strong",
            ),
        )
        outcomes.append(p["errors"][0]["code"] if p["errors"] else "OK")
    assert outcomes == ["WEAK_PASSWORD"] + ["OK"] * (limit - 1) + ["TOO_MANY_REQUESTS"] * 2
    refused = await prober.mutate(REGISTER, registration(name="Later", adminEmail="l@x.example"))
    assert refused == {
        "organization": None,
        "user": None,
        "errors": [
            {
                "field": None,
                "code": "TOO_MANY_REQUESTS",
                "message": refused["errors"][0]["message"],
            }
        ],
    }
    assert await _count(api, Organization) == limit - 1
    ok = await neighbour.mutate(REGISTER, registration(name="Neighbour", adminEmail="n@x.example"))
    assert ok["errors"] == []
    async with api.db.read() as s:
        counted = (
            await s.execute(
                select(ThrottleHit.key, func.count())
                .where(ThrottleHit.scope == "register")
                .group_by(ThrottleHit.key)
                .order_by(ThrottleHit.key)
            )
        ).all()
    assert counted == [("198.51.100.9", 1), ("203.0.113.7", limit)]
    await prober.client.aclose()
    await neighbour.client.aclose()


async def test_update_with_expected_version(api: Api) -> None:
    org = await api.org("Old Name", buyer=True)
    token = org.users["admin"].token
    p = await api.mutate(
        UPDATE,
        {"id": org.gid, "name": "New Name", "website": "https://new.example", "expectedVersion": 1},
        token,
    )
    assert p == {
        "organization": {"name": "New Name", "website": "https://new.example", "version": 2},
        "errors": [],
    }
    stale = await api.mutate(UPDATE, {"id": org.gid, "name": "Stale", "expectedVersion": 1}, token)
    assert stale["errors"][0]["code"] == "VERSION_CONFLICT"
    assert "current version 2" in stale["errors"][0]["message"]
    # website omitted -> unchanged; explicit null -> cleared
    kept = await api.mutate(UPDATE, {"id": org.gid, "name": "Newer"}, token)
    assert kept["organization"]["website"] == "https://new.example"
    cleared = await api.mutate(UPDATE, {"id": org.gid, "website": None}, token)
    assert cleared["organization"]["website"] is None
    async with api.db.read() as s:
        entry = (
            (
                await s.execute(
                    select(AuditEntry)
                    .where(AuditEntry.action == "organization.updated")
                    .order_by(AuditEntry.id)
                )
            )
            .scalars()
            .first()
        )
    assert entry is not None
    assert entry.before["name"] == "Old Name" and entry.after["name"] == "New Name"


async def test_verification_lifecycle(api: Api) -> None:
    admin = await api.platform_admin()
    sup = await api.org("Pending Supplier", supplier=True, status=VerificationStatus.PENDING)
    no_reason = await api.mutate(REJECT, {"id": sup.gid}, admin.token)
    assert no_reason["errors"] == [{"code": "REQUIRED", "field": "reason"}]
    ok = await api.mutate(DECIDE, {"id": sup.gid}, admin.token)
    assert ok == {"organization": {"verificationStatus": "VERIFIED"}, "errors": []}
    again = await api.mutate(DECIDE, {"id": sup.gid}, admin.token)
    assert again["errors"][0]["code"] == "INVALID_TRANSITION"
    suspended = await api.mutate(SUSPEND, {"id": sup.gid, "reason": "Audit expired"}, admin.token)
    assert suspended["organization"]["verificationStatus"] == "SUSPENDED"
    reinstated = await api.mutate(DECIDE, {"id": sup.gid}, admin.token)
    assert reinstated["organization"]["verificationStatus"] == "VERIFIED"
    buyer = await api.org("Just A Buyer", buyer=True)
    not_supplier = await api.mutate(DECIDE, {"id": buyer.gid}, admin.token)
    assert not_supplier["errors"][0]["code"] == "NOT_A_SUPPLIER"


async def test_supplier_categories(api: Api) -> None:
    a = await api.category("31000000", "Manufacturing Components")
    b = await api.category("31160000", "Hardware", parent="31000000")
    sup = await api.org(supplier=True)
    token = sup.users["admin"].token
    from graphql_schema.ids import to_global_id

    p = await api.mutate(
        CATEGORIES_SET,
        {
            "organizationId": sup.gid,
            "categoryIds": [to_global_id("Category", b.id), to_global_id("Category", a.id)],
        },
        token,
    )
    assert p == {
        "organization": {"categories": [{"code": "31000000"}, {"code": "31160000"}]},
        "errors": [],
    }
    unknown = await api.mutate(
        CATEGORIES_SET,
        {"organizationId": sup.gid, "categoryIds": [to_global_id("Category", 99999)]},
        token,
    )
    assert unknown["errors"] == [{"code": "NOT_FOUND", "field": "categoryIds"}]
    wrong_type = await api.mutate(
        CATEGORIES_SET, {"organizationId": sup.gid, "categoryIds": [sup.gid]}, token
    )
    assert wrong_type["errors"] == [{"code": "INVALID_ID", "field": "categoryIds"}]
    # unchanged after the refusals
    data = await api.gql(
        "query($id: ID!) { organization(id: $id) { categories { code } } }", {"id": sup.gid}, token
    )
    assert data["organization"]["categories"] == [{"code": "31000000"}, {"code": "31160000"}]
    buyer = await api.org(buyer=True)
    not_sup = await api.mutate(
        CATEGORIES_SET, {"organizationId": buyer.gid, "categoryIds": []}, buyer.users["admin"].token
    )
    assert not_sup["errors"][0]["code"] == "NOT_A_SUPPLIER"


async def test_organizations_list_visibility_filter_and_pages(api: Api) -> None:
    me = await api.org("Zeta Buyer", buyer=True)
    await api.org("Other Buyer", buyer=True)
    for i in range(5):
        await api.org(f"Verified Supplier {i}", supplier=True)
    await api.org("Pending Supplier", supplier=True, status=VerificationStatus.PENDING)
    token = me.users["admin"].token
    page1 = (await api.gql(ORGS, {"first": 4}, token))["organizations"]
    assert page1["totalCount"] == 6  # 5 verified suppliers + own organisation
    assert [e["node"]["name"] for e in page1["edges"]] == [
        f"Verified Supplier {i}" for i in range(4)
    ]
    assert page1["pageInfo"]["hasNextPage"] is True
    page2 = (await api.gql(ORGS, {"first": 4, "after": page1["pageInfo"]["endCursor"]}, token))[
        "organizations"
    ]
    assert [e["node"]["name"] for e in page2["edges"]] == ["Verified Supplier 4", "Zeta Buyer"]
    assert page2["pageInfo"]["hasNextPage"] is False
    only_text = (await api.gql(ORGS, {"filter": {"text": "supplier 3"}}, token))["organizations"]
    assert [e["node"]["name"] for e in only_text["edges"]] == ["Verified Supplier 3"]
    # a platform admin sees everyone, including pending suppliers and other buyers
    admin = await api.platform_admin()
    everything = (await api.gql(ORGS, {"first": 100}, admin.token))["organizations"]
    assert everything["totalCount"] == 9  # 8 above + the platform's own organisation
    pending = (await api.gql(ORGS, {"filter": {"verificationStatus": "PENDING"}}, admin.token))[
        "organizations"
    ]
    assert [e["node"]["name"] for e in pending["edges"]] == ["Pending Supplier"]


async def test_like_wildcards_in_text_filter_are_literal(api: Api) -> None:
    me = await api.org("A%B Buyer", buyer=True)
    await api.org("AXB Supplier", supplier=True)
    data = await api.gql(ORGS, {"filter": {"text": "%"}}, me.users["admin"].token)
    assert [e["node"]["name"] for e in data["organizations"]["edges"]] == ["A%B Buyer"]
