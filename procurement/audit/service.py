"""The one helper every service calls to record a change (DESIGN §5).

``record`` appends an audit entry and an outbox event to the caller's session, so both
commit or roll back with the business write they describe.
"""

from __future__ import annotations

import contextvars
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from procurement.audit.models import AuditEntry, OutboxEvent
from procurement.errors import forbidden
from procurement.pagination import Page, paginate
from procurement.viewer import Role, Viewer, require_viewer

#: set by the HTTP layer for each request; audit entries carry it
request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

#: never copied into an audit entry or an event
_SECRET_FIELDS = frozenset({"password_hash", "secret_hash"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: SQLModel | None) -> dict[str, Any] | None:
    """The row's columns as JSON-ready values, secrets left out."""
    if obj is None:
        return None
    return {
        k: _jsonable(v)
        for k, v in obj.model_dump(warnings=False).items()
        if k not in _SECRET_FIELDS
    }


async def record(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    action: str,
    entity: SQLModel,
    organization_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    event_payload: dict[str, Any] | None = None,
    entity_id: int | None = None,
) -> None:
    """Append an audit entry and an outbox event for ``action`` on ``entity``.

    ``after`` defaults to a snapshot of ``entity`` as it is now (flushed, so it has its id).
    """
    await session.flush()
    entity_type = type(entity).__name__
    if entity_id is None:
        # every audited table has an integer ``id``; SQLModel, their common base, has none
        entity_id = entity.id  # type: ignore[attr-defined]
    assert entity_id is not None
    after = after if after is not None else snapshot(entity)
    session.add(
        AuditEntry(
            organization_id=organization_id,
            actor_user_id=viewer.user_id if viewer else None,
            actor_api_key_id=viewer.api_key_id if viewer else None,
            actor_label=(viewer.label if viewer else "anonymous") or "system",
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before,
            after=after,
            request_id=request_id_var.get(),
        )
    )
    session.add(
        OutboxEvent(
            organization_id=organization_id,
            event_type=action,
            entity_type=entity_type,
            entity_id=entity_id,
            payload=_jsonable(event_payload if event_payload is not None else (after or {})),
        )
    )


async def list_audit_entries(
    session: AsyncSession,
    viewer: Viewer | None,
    *,
    organization_id: int | None = None,
    entity_type: str | None = None,
    action: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> Page[AuditEntry]:
    """Newest first.  ORG_ADMINs see their organisation's; platform admins any or all."""
    v = require_viewer(viewer)
    stmt = select(AuditEntry)
    if v.is_platform_admin:
        if organization_id is not None:
            stmt = stmt.where(col(AuditEntry.organization_id) == organization_id)
    elif Role.ORG_ADMIN in v.roles:
        if organization_id is not None and organization_id != v.organization_id:
            return Page.empty()
        stmt = stmt.where(col(AuditEntry.organization_id) == v.organization_id)
    else:
        raise forbidden("Only organisation administrators may read the audit log")
    if entity_type:
        stmt = stmt.where(col(AuditEntry.entity_type) == entity_type)
    if action:
        stmt = stmt.where(col(AuditEntry.action) == action)
    return await paginate(
        session, stmt, order_by=[(AuditEntry.id, "desc")], first=first, after=after
    )
