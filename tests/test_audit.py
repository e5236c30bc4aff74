"""Audit entries: written with the change, carrying actor and request id; append-only."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.helpers import Api

UPDATE = """
mutation($input: OrganizationUpdateInput!) {
  organizationUpdate(input: $input) { organization { name } errors { code } }
}
"""

EVENTS = """
query($filter: AuditEventFilter, $first: Int) {
  auditEvents(filter: $filter, first: $first) {
    totalCount
    edges { node { action entityType entityId actor organizationId before after requestId } }
  }
}
"""


async def test_entry_records_actor_request_and_before_after(api: Api) -> None:
    org = await api.org("Before GmbH", buyer=True)
    admin = org.users["admin"]
    r = await api.raw(
        UPDATE,
        {"input": {"id": org.gid, "name": "After GmbH"}},
        admin.token,
        headers={"x-request-id": "req-42"},
    )
    assert r.json()["data"]["organizationUpdate"]["errors"] == []
    events = (await api.gql(EVENTS, {}, admin.token))["auditEvents"]
    assert events["totalCount"] == 1
    node = events["edges"][0]["node"]
    assert node["action"] == "organization.updated"
    assert node["entityType"] == "Organization" and node["entityId"] == org.gid
    assert node["organizationId"] == org.gid
    assert node["actor"] == f"user:{admin.user_id}:{admin.email}"
    assert node["requestId"] == "req-42"
    assert node["before"]["name"] == "Before GmbH" and node["after"]["name"] == "After GmbH"


async def test_refused_change_leaves_no_entry(api: Api) -> None:
    org = await api.org(buyer=True)
    p = await api.mutate(UPDATE, {"id": org.gid, "country": "ZZ"}, org.users["admin"].token)
    assert p["errors"] == [{"code": "INVALID_COUNTRY"}]
    events = (await api.gql(EVENTS, {}, org.users["admin"].token))["auditEvents"]
    assert events["totalCount"] == 0


async def test_admins_see_only_their_organisation(api: Api) -> None:
    a = await api.org("A", buyer=True)
    b = await api.org("B", buyer=True)
    await api.mutate(UPDATE, {"id": a.gid, "name": "A2"}, a.users["admin"].token)
    await api.mutate(UPDATE, {"id": b.gid, "name": "B2"}, b.users["admin"].token)
    seen = (await api.gql(EVENTS, {}, a.users["admin"].token))["auditEvents"]
    assert [e["node"]["after"]["name"] for e in seen["edges"]] == ["A2"]
    peek = (await api.gql(EVENTS, {"filter": {"organizationId": b.gid}}, a.users["admin"].token))[
        "auditEvents"
    ]
    assert peek["totalCount"] == 0 and peek["edges"] == []
    staff = await api.platform_admin()
    only_b = (await api.gql(EVENTS, {"filter": {"organizationId": b.gid}}, staff.token))[
        "auditEvents"
    ]
    assert [e["node"]["after"]["name"] for e in only_b["edges"]] == ["B2"]


async def test_audit_log_is_append_only_in_the_database(api: Api) -> None:
    org = await api.org(buyer=True)
    await api.mutate(UPDATE, {"id": org.gid, "name": "Changed"}, org.users["admin"].token)
    for sql in ("UPDATE audit_entry SET action = 'forged'", "DELETE FROM audit_entry"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with api.db.transaction() as s:
                await s.execute(text(sql))


async def test_outbox_event_written_in_the_same_transaction(api: Api) -> None:
    org = await api.org(buyer=True)
    await api.mutate(UPDATE, {"id": org.gid, "name": "Evented"}, org.users["admin"].token)
    async with api.db.read() as s:
        rows = (
            await s.execute(
                text(
                    "SELECT event_type, entity_type, payload->>'name', published_at "
                    "FROM outbox_event"
                )
            )
        ).all()
    assert [tuple(r) for r in rows] == [("organization.updated", "Organization", "Evented", None)]
