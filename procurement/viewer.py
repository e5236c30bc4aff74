"""Who is acting: a signed-in user or an API key, with its organisation and roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from procurement.errors import DomainError, ErrorCode, forbidden, unauthenticated


class Role(StrEnum):
    ORG_ADMIN = "ORG_ADMIN"
    BUYER = "BUYER"
    APPROVER = "APPROVER"
    SUPPLIER_SALES = "SUPPLIER_SALES"
    VIEWER = "VIEWER"
    PLATFORM_ADMIN = "PLATFORM_ADMIN"


#: Roles an API key may carry: machine clients buy, sell and read, but never administer
#: an organisation or approve spending (an approval is a person's decision).
API_KEY_ROLES = frozenset({Role.BUYER, Role.SUPPLIER_SALES, Role.VIEWER})


@dataclass(frozen=True, slots=True)
class Viewer:
    organization_id: int
    roles: frozenset[Role]
    user_id: int | None = None
    api_key_id: int | None = None
    approval_limit: Decimal | None = None
    label: str = ""
    request_id: str | None = field(default=None, compare=False)

    @property
    def is_platform_admin(self) -> bool:
        return Role.PLATFORM_ADMIN in self.roles

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    def is_admin_of(self, organization_id: int) -> bool:
        return self.is_platform_admin or (
            self.organization_id == organization_id and Role.ORG_ADMIN in self.roles
        )


def require_viewer(viewer: Viewer | None) -> Viewer:
    if viewer is None:
        raise unauthenticated()
    return viewer


def require_role(viewer: Viewer | None, *roles: Role) -> Viewer:
    """Signed in with at least one of ``roles`` (platform admins pass every check)."""
    v = require_viewer(viewer)
    if v.is_platform_admin or v.has(*roles):
        return v
    names = ", ".join(r.value for r in roles)
    raise forbidden(f"This needs one of the roles: {names}")


def require_platform_admin(viewer: Viewer | None) -> Viewer:
    v = require_viewer(viewer)
    if not v.is_platform_admin:
        raise forbidden("Only platform administrators may do this")
    return v


def require_user(viewer: Viewer | None) -> Viewer:
    """A person, not an API key (e.g. to change one's own password)."""
    v = require_viewer(viewer)
    if v.user_id is None:
        raise DomainError.of(ErrorCode.FORBIDDEN, "This needs a signed-in user, not an API key")
    return v
