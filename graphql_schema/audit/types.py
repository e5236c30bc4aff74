"""The audit log as seen through the API."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from graphql_schema.ids import global_id
from graphql_schema.node import Node
from procurement.audit.models import AuditEntry


@strawberry.type(description="One recorded change: who did what to which object, when.")
class AuditEvent(Node):
    action: str
    entity_type: str
    entity_id: strawberry.ID = strawberry.field(description="Global ID of the changed object.")
    actor: str = strawberry.field(description="user:<id>:<email>, api_key:<id>:<name> or system")
    organization_id: strawberry.ID | None
    before: JSON | None
    after: JSON | None
    request_id: str | None
    created_at: datetime

    @classmethod
    def from_model(cls, m: AuditEntry) -> AuditEvent:
        assert m.id is not None and m.created_at is not None
        return cls(
            id=global_id("AuditEvent", m.id),
            action=m.action,
            entity_type=m.entity_type,
            entity_id=global_id(m.entity_type, m.entity_id),
            actor=m.actor_label,
            organization_id=global_id("Organization", m.organization_id)
            if m.organization_id is not None
            else None,
            before=JSON(m.before) if m.before is not None else None,
            after=JSON(m.after) if m.after is not None else None,
            request_id=m.request_id,
            created_at=m.created_at,
        )
