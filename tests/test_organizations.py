"""Registration, profile updates, supplier verification and categories."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from procurement.audit.models import AuditEntry
from procurement.parties.models import Organization, User, VerificationStatus
from tests.helpers import Api

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


async def test_duplicate_email_is_case_insensitive_and_names_unique_per_country(api: Api) -> None:
    assert (await api.mutate(REGISTER, registration()))["errors"] == []
    dup_email = await api.mutate(
        REGISTER, registration(name="Other GmbH", adminEmail="FOUNDER@Kestrel.example")
    )
    assert dup_email["errors"] == [
        {
            "field": "adminEmail",
            "code": "DUPLICATE",
            "message": "An account with this email already exists",
        }
    ]
    dup_name = await api.mutate(
        REGISTER, registration(name="kestrel  tools gmbh", adminEmail="two@kestrel.example")
    )
    assert dup_name["errors"][0]["code"] == "DUPLICATE"
    other_country = await api.mutate(
        REGISTER, registration(country="AT", adminEmail="three@kestrel.example")
    )
    assert other_country["errors"] == []
    assert await _count(api, Organization) == 2


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
