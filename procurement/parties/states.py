"""Supplier verification: decided by platform staff (DESIGN §2), on the one shape of
``procurement/state_machine.py``.

``SUSPENDED --verify--> VERIFIED`` (reinstatement) is added to DESIGN's table: a supplier
suspended for an expired certificate must be able to come back without re-registering.
"""

from __future__ import annotations

from procurement.parties.models import VerificationStatus as V
from procurement.state_machine import Side, StateMachine, action
from procurement.viewer import Role

_STAFF = (Role.PLATFORM_ADMIN,)

VERIFICATION: StateMachine[V] = StateMachine(
    "supplier",
    (
        action(
            "verify", Side.PLATFORM, _STAFF, {V.PENDING: (V.VERIFIED,), V.SUSPENDED: (V.VERIFIED,)}
        ),
        action("reject", Side.PLATFORM, _STAFF, {V.PENDING: (V.REJECTED,)}),
        action("suspend", Side.PLATFORM, _STAFF, {V.VERIFIED: (V.SUSPENDED,)}),
    ),
    status_field="verification_status",
    verb=lambda name: name,
)

#: (state, action) -> new state
VERIFICATION_TRANSITIONS: dict[tuple[V, str], V] = {
    k: v[0] for k, v in VERIFICATION.transitions.items()
}
