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


#: Verification states in which a supplier's people and keys may not act as that supplier
BARRED_SUPPLIER_STATES = frozenset({"SUSPENDED", "REJECTED"})


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who acts, with the roles they may use *now*.

    Supplier standing is enforced here, once, when credentials become a viewer (see
    ``acting_roles``): every guard that asks for SUPPLIER_SALES (quotes, questions,
    listings, order acknowledgement, shipments, invoices, returns, ``availableActions``)
    refuses a suspended or rejected supplier without a check of its own.
    """

    organization_id: int
    roles: frozenset[Role]
    user_id: int | None = None
    api_key_id: int | None = None
    approval_limit: Decimal | None = None
    label: str = ""
    request_id: str | None = field(default=None, compare=False)
    #: SUSPENDED or REJECTED when the organisation is a supplier barred from acting as one
    barred_supplier_status: str | None = None

    @property
    def is_platform_admin(self) -> bool:
        return Role.PLATFORM_ADMIN in self.roles

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    def is_admin_of(self, organization_id: int) -> bool:
        return self.is_platform_admin or (
            self.organization_id == organization_id and Role.ORG_ADMIN in self.roles
        )


def acting_roles(granted: frozenset[Role], supplier_status: str | None) -> frozenset[Role]:
    """The roles a person or key may use, given its organisation's supplier standing.

    Decision for a SUSPENDED or REJECTED supplier: its people keep read access to
    everything of their own organisation (existing orders, quotes, listings, RFQs they
    quoted on, invoices and the audit trail), so they can keep records, answer for past
    deliveries and see what the platform decided; but SUPPLIER_SALES is withheld, so they
    cannot act as the supplier: no quotes or questions, no listings, no acknowledging,
    shipping, invoicing or deciding returns.  Open obligations are the buyers' to
    resolve (cancel or re-source).  Their other roles (a supplier that also buys keeps
    BUYER, ORG_ADMIN still manages users) are unaffected: the platform bars the
    supplier, not the buyer.  Reinstatement (``supplierVerify``) restores the role at
    the next request, since standing is read on every request.
    """
    if supplier_status in BARRED_SUPPLIER_STATES:
        return granted - {Role.SUPPLIER_SALES}
    return granted


def role_refusal(viewer: Viewer, *roles: Role) -> DomainError:
    """FORBIDDEN for a viewer lacking ``roles``, saying why when standing is the cause."""
    if Role.SUPPLIER_SALES in roles and viewer.barred_supplier_status is not None:
        return forbidden(
            f"Your organisation is {viewer.barred_supplier_status} as a supplier and "
            "cannot act as one; its records stay readable"
        )
    return forbidden("This needs one of the roles: " + ", ".join(r.value for r in roles))


def require_viewer(viewer: Viewer | None) -> Viewer:
    if viewer is None:
        raise unauthenticated()
    return viewer


def require_role(viewer: Viewer | None, *roles: Role) -> Viewer:
    """Signed in with at least one of ``roles`` (platform admins pass every check)."""
    v = require_viewer(viewer)
    if v.is_platform_admin or v.has(*roles):
        return v
    raise role_refusal(v, *roles)


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
