"""``auditEvents``: the organisation's change history, newest first."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from graphql_schema.audit.types import AuditEvent
from graphql_schema.ids import decode_id
from graphql_schema.pagination import Connection, connection
from procurement.audit.service import list_audit_entries


@strawberry.input
class AuditEventFilter:
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Platform admins: one organisation's events."
    )
    entity_type: str | None = None
    action: str | None = None


@strawberry.type
class AuditQuery:
    @strawberry.field(
        description="ORG_ADMIN: your organisation's audit log; platform admins: any organisation's."
    )
    async def audit_events(
        self,
        info: Info,
        filter: AuditEventFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEvent]:
        f = filter or AuditEventFilter()
        org_id = (
            decode_id(f.organization_id, "Organization", "filter.organizationId")
            if f.organization_id
            else None
        )
        async with info.context.db.read() as s:
            page = await list_audit_entries(
                s,
                info.context.viewer,
                organization_id=org_id,
                entity_type=f.entity_type,
                action=f.action,
                first=first,
                after=after,
            )
        return connection(page, AuditEvent.from_model)
